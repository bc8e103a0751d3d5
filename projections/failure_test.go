package projections

import (
	"context"
	"errors"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var errPoison = errors.New("poison event")

// poisoned counts like counter but fails on events of type "poison" while
// *fail is set.
func poisoned(fail *atomic.Bool, calls *atomic.Int64) TxHandler {
	return func(ctx context.Context, tx Tx, evs []eventstore.RecordedEvent) error {
		calls.Add(1)
		for _, e := range evs {
			if e.Type == "poison" && fail.Load() {
				return errPoison
			}
		}
		return counter("counts")(ctx, tx, evs)
	}
}

var fastRetry = persistence.RetryPolicy{MaxAttempts: 3, Base: time.Millisecond, Cap: 2 * time.Millisecond}

// TestStopParksAndHolds: with Stop, an event that keeps failing is parked
// as "stopped" after the retries, the events before it are applied (the
// batch is split), its partition holds, and the status shows it; after an
// operator's skip the partition goes on past it.
func TestStopParksAndHolds(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		var fail atomic.Bool
		var calls atomic.Int64
		fail.Store(true)
		appendN(t, db, "a-1", "ok", 3)
		appendN(t, db, "a-1", "poison", 1)
		appendN(t, db, "a-1", "ok", 2)
		mustRun(t, db, Projection{Name: "stop", Handle: poisoned(&fail, &calls), Retry: fastRetry,
			PollInterval: 20 * time.Millisecond})
		var st Status
		eventually(t, "the partition to stop", func() bool {
			s, err := StatusOf(ctx, db, "stop")
			st = s[0]
			return err == nil && st.State == "stopped"
		})
		if st.Parked != 1 || st.Position != 3 || st.LastError == "" {
			t.Fatalf("status %+v", st)
		}
		if c := counts(t, db, "counts"); c["a-1"] != 3 {
			t.Fatalf("counts %v, want the 3 events before the poison", c)
		}
		parked, err := Parked(ctx, db, "stop", 1)
		if err != nil || len(parked) != 1 || parked[0].Position != 4 || parked[0].Kind != "stopped" {
			t.Fatalf("parked %+v %v", parked, err)
		}
		if err := SkipParked(ctx, db, "stop", 1, 4); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the events after the skipped one", func() bool { return counts(t, db, "counts")["a-1"] == 5 })
		st = caughtUp(t, db, "stop", 1)
		if st.State != "running" || st.Parked != 0 {
			t.Fatalf("status after skip %+v", st)
		}
	})
}

// TestRetryStoppedEvent: an operator's retry of a stopped event lets its
// partition apply it, once the cause is fixed.
func TestRetryStoppedEvent(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		var fail atomic.Bool
		var calls atomic.Int64
		fail.Store(true)
		appendN(t, db, "a-1", "poison", 1)
		appendN(t, db, "a-1", "ok", 2)
		mustRun(t, db, Projection{Name: "retry", Handle: poisoned(&fail, &calls), Retry: fastRetry,
			PollInterval: 20 * time.Millisecond})
		eventually(t, "the partition to stop", func() bool {
			s, err := StatusOf(ctx, db, "retry")
			return err == nil && s[0].State == "stopped"
		})
		fail.Store(false)
		if err := RetryParked(ctx, db, "retry", 1, 1); err != nil {
			t.Fatal(err)
		}
		eventually(t, "all three events", func() bool { return counts(t, db, "counts")["a-1"] == 3 })
	})
}

// TestSkipAndPark: with SkipAndPark the failing event is parked in the
// transaction that moves the checkpoint past it, the rest is applied, and
// Runner.RetryParked applies it later exactly once.
func TestSkipAndPark(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		exec(t, db, "CREATE TABLE counts (k text PRIMARY KEY, n bigint NOT NULL)")
		var fail atomic.Bool
		var calls atomic.Int64
		fail.Store(true)
		appendN(t, db, "a-1", "ok", 2)
		appendN(t, db, "a-1", "poison", 1)
		appendN(t, db, "b-1", "ok", 4)
		r := mustRun(t, db, Projection{Name: "skip", Handle: poisoned(&fail, &calls), Retry: fastRetry,
			OnFailure: SkipAndPark, PollInterval: 20 * time.Millisecond})
		eventually(t, "the others", func() bool {
			return maps.Equal(counts(t, db, "counts"), map[string]int64{"a-1": 2, "b-1": 4})
		})
		st := caughtUp(t, db, "skip", 1)
		if st.Parked != 1 || st.State != "running" || st.LastError == "" {
			t.Fatalf("status %+v", st)
		}
		if calls.Load() < int64(fastRetry.MaxAttempts) {
			t.Fatalf("handler called %d times, want the retries", calls.Load())
		}
		fail.Store(false)
		if err := r.RetryParked(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if c := counts(t, db, "counts"); c["a-1"] != 3 {
			t.Fatalf("counts after retry %v", c)
		}
		if err := r.RetryParked(ctx, 3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second retry: %v, want ErrNotFound", err)
		}
	})
}

// TestAtLeastOnceHandler: the second form hands batches outside any
// transaction, with positions as idempotency keys, and checkpoints after.
func TestAtLeastOnceHandler(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		seen := make(chan eventstore.Position, 100)
		appendN(t, db, "a-1", "ok", 5)
		mustRun(t, db, Projection{Name: "alo", PollInterval: 20 * time.Millisecond,
			HandleAtLeastOnce: func(_ context.Context, evs []eventstore.RecordedEvent) error {
				for _, e := range evs {
					seen <- e.Position
				}
				return nil
			}})
		for want := eventstore.Position(1); want <= 5; want++ {
			if got := <-seen; got != want {
				t.Fatalf("position %d, want %d", got, want)
			}
		}
		if st := caughtUp(t, db, "alo", 1); st.Handled != 5 {
			t.Fatalf("status %+v", st)
		}
	})
}

// TestValidate: bad projections get an *InputError naming the field.
func TestValidate(t *testing.T) {
	h := counter("x")
	for _, c := range []struct {
		field string
		p     Projection
	}{
		{"Name", Projection{Handle: h}},
		{"Name", Projection{Name: "a/b", Handle: h}},
		{"Handle", Projection{Name: "a"}},
		{"Handle", Projection{Name: "a", Handle: h, HandleAtLeastOnce: func(context.Context, []eventstore.RecordedEvent) error { return nil }}},
		{"Version", Projection{Name: "a", Handle: h, Version: -1}},
		{"Partitions", Projection{Name: "a", Handle: h, Partitions: 257}},
		{"BatchSize", Projection{Name: "a", Handle: h, BatchSize: -1}},
		{"MaxWait", Projection{Name: "a", Handle: h, MaxWait: -1}},
		{"LeaseTTL", Projection{Name: "a", Handle: h, LeaseTTL: time.Millisecond}},
		{"OnFailure", Projection{Name: "a", Handle: h, OnFailure: 7}},
	} {
		var ie *eventstore.InputError
		if err := c.p.Validate(); !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%+v: %v, want an InputError on %s", c.p, err, c.field)
		}
	}
}

// TestPartitionCountIsKept: a version keeps the partition count it first
// ran with.
func TestPartitionCountIsKept(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		r := mustRun(t, db, Projection{Name: "n", Partitions: 2, Handle: counter("x")})
		_ = r.Close()
		var ie *eventstore.InputError
		if _, err := Run(context.Background(), db, Projection{Name: "n", Partitions: 3, Handle: counter("x")}); !errors.As(err, &ie) || ie.Field != "Partitions" {
			t.Fatalf("%v, want an InputError on Partitions", err)
		}
	})
}

// TestStatusIsOneSnapshot: a status read beside parks and retries never
// mixes them: a projection shown "stopped" always carries the error of
// its park (it read the row before the park's commit and the parked count
// after it, at PostgreSQL's READ COMMITTED, and flaked TestStopParksAndHolds).
func TestStatusIsOneSnapshot(t *testing.T) {
	eachBackend(t, func(t *testing.T, db persistence.Store, _ func() persistence.Store) {
		ctx := context.Background()
		mustRun(t, db, Projection{Name: "snap", HandleAtLeastOnce: func(context.Context, []eventstore.RecordedEvent) error { return nil },
			PollInterval: time.Hour})
		b, err := backendOf(db)
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() { // park and retry, each in one transaction, as the runner and the operator do
			defer close(done)
			for i := int64(1); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := b.inTx(ctx, func(ctx context.Context, tx Tx) error {
					if _, err := tx.Exec(ctx, b.sql.park, "snap", 1, i, 0, "s-1", "poison", kindStopped, "boom"); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, b.sql.setState, "snap", 1, "stopped", "boom")
					return err
				}); err != nil {
					done <- err
					return
				}
				if err := RetryParked(ctx, db, "snap", 1, eventstore.Position(i)); err != nil && !errors.As(err, new(*NotFoundError)) {
					done <- err
					return
				}
			}
		}()
		deadline := time.Now().Add(3 * time.Second)
		stopped := 0
		for time.Now().Before(deadline) {
			s, err := StatusOf(ctx, db, "snap")
			if err != nil {
				t.Fatal(err)
			}
			if s[0].State == "stopped" {
				stopped++
				if s[0].LastError == "" {
					close(stop)
					t.Fatalf("status %q with no last error: two snapshots in one status", s[0].State)
				}
			}
		}
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		t.Logf("%d stopped statuses read", stopped)
	})
}
