package tests

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestPostgresFailoverLosesNoAcknowledgedAppend: a primary and a streaming
// standby with synchronous replication (both started by the harness); a
// store on the multi-host URL (target_session_attrs=read-write) appends
// from 8 writers; the primary is SIGKILLed and the standby promoted;
// appends resume on the new primary and every acknowledged append is
// there, complete. It logs the time from the kill to the first append
// acknowledged after it (the kill and the promotion are back to back, as
// an automatic failover manager would do them).
func TestPostgresFailoverLosesNoAcknowledgedAppend(t *testing.T) {
	pair := pgtest.NewPair(t)
	ctx := context.Background()
	if err := pair.Primary.Exec(ctx, "CREATE DATABASE failover TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	st, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: pair.URL("failover")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())

	type ack struct {
		stream string
		ids    []uuid.UUID
		first  uint64
		at     time.Time
	}
	var (
		mu    sync.Mutex
		acks  []ack
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		fails int
		last  error
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("fo-%d", w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				evs := []actorstore.EventData{{ID: uuid.New(), Type: "t", Data: []byte(`{}`)}, {ID: uuid.New(), Type: "t", Data: []byte(`{}`)}}
				actx, cancel := context.WithTimeout(ctx, 5*time.Second)
				res, err := st.Append(actx, stream, actorstore.Any(), evs...)
				cancel()
				mu.Lock()
				if err != nil {
					fails++
					last = err
				} else {
					acks = append(acks, ack{stream: stream, ids: []uuid.UUID{evs[0].ID, evs[1].ID}, first: res.FirstVersion, at: time.Now()})
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond) // back off a little while the database is away
				}
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acks) }
	eventuallyT(t, 30*time.Second, "appends before the kill", func() bool { return count() >= 200 })

	killed := time.Now()
	if err := pair.Primary.Stop(pgtest.StopKill); err != nil {
		t.Fatal(err)
	}
	if err := pair.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	promoted := time.Now()
	var resumed time.Time
	eventuallyT(t, 60*time.Second, "an append acknowledged after the failover", func() bool {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(promoted) > 50*time.Second {
			t.Logf("last append error: %v", last)
		}
		for _, a := range acks {
			if a.at.After(promoted) {
				resumed = a.at
				return true
			}
		}
		return false
	})
	before := count()
	eventuallyT(t, 30*time.Second, "appends after the failover", func() bool { return count() >= before+200 })
	close(stop)
	wg.Wait()
	t.Logf("failover: primary killed, standby promoted in %v; appends resumed %v after the kill; %d appends acknowledged, %d failed",
		promoted.Sub(killed).Round(time.Millisecond), resumed.Sub(killed).Round(time.Millisecond), len(acks), fails)

	// Read every stream from the promoted standby, with a store of its own.
	check, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: pair.Standby.URL("failover")})
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close(context.Background())
	stored := map[string]map[uint64]uuid.UUID{}
	for w := range 8 {
		stream := fmt.Sprintf("fo-%d", w)
		evs, err := check.ReadStream(ctx, actorstore.StreamRead{Stream: stream, Limit: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		stored[stream] = map[uint64]uuid.UUID{}
		for i, e := range evs {
			if e.Version != uint64(i+1) {
				t.Fatalf("%s: version %d at index %d (gap)", stream, e.Version, i)
			}
			stored[stream][e.Version] = e.ID
		}
	}
	for _, a := range acks {
		for i, id := range a.ids {
			if got := stored[a.stream][a.first+uint64(i)]; got != id {
				t.Fatalf("acknowledged append lost: %s v%d is %v, want %v", a.stream, a.first+uint64(i), got, id)
			}
		}
	}
}
