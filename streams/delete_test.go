package streams

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// deleterGate is a gateStore that also deletes (gateStore hides every
// method beyond persistence.Store).
type deleterGate struct {
	*gateStore
	persistence.StreamDeleter
}

func newDeleterGate(s persistence.Store) *deleterGate {
	return &deleterGate{gateStore: newGateStore(s), StreamDeleter: s.(persistence.StreamDeleter)}
}

// TestDeleteWaitsForTheAppendInFlight: an append whose flush is in the
// store when a delete arrives is wholly before the delete (hidden), an
// append and a read that arrive after the delete wait for it and are
// wholly after it.
func TestDeleteWaitsForTheAppendInFlight(t *testing.T) {
	store := newDeleterGate(newStore(t))
	arrived := make(chan struct{}, 1)
	n := newNode(t, store, func(c *Config) {
		c.hooks.beforeMessage = func(stream string, msg any, _ bool) {
			if _, ok := msg.(*deleteCmd); ok {
				arrived <- struct{}{}
			}
		}
	})
	mustAppend(t, n, "s-1", eventstore.NoStream(), events(1))
	store.close()
	type outcome struct {
		res eventstore.AppendResult
		err error
	}
	before, after := make(chan outcome, 1), make(chan outcome, 1)
	go func() {
		res, err := n.Append(ctxT(t), "s-1", eventstore.Exact(1), events(2))
		before <- outcome{res, err}
	}()
	<-store.entered // the flush of the first append is in the store
	deleted := make(chan eventstore.DeleteResult, 1)
	go func() {
		res, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "s-1", Expected: eventstore.Any()})
		if err != nil {
			t.Errorf("Delete: %v", err)
		}
		deleted <- res
	}()
	<-arrived // the delete is in the actor's mailbox order, after the append
	go func() {
		res, err := n.Append(ctxT(t), "s-1", eventstore.Exact(3), events(1))
		after <- outcome{res, err}
	}()
	reads := make(chan error, 1)
	go func() {
		_, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s-1", Limit: 10})
		reads <- err
	}()
	store.open()
	b, a, d := <-before, <-after, <-deleted
	if b.err != nil || b.res.LastVersion != 3 {
		t.Fatalf("append in flight: %+v, %v; want versions 2..3", b.res, b.err)
	}
	if d.Version != 3 {
		t.Fatalf("the delete hid through version %d, want 3 (after the append in flight)", d.Version)
	}
	if a.err != nil || a.res.FirstVersion != 4 {
		t.Fatalf("append after the delete: %+v, %v; want version 4", a.res, a.err)
	}
	if err := <-reads; err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("read after the delete: %v", err)
	}
	got, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "s-1", Limit: 10})
	if err != nil || len(got) != 1 || got[0].Version != 4 {
		t.Fatalf("ReadStream after all: %d events, %v; want only version 4", len(got), err)
	}
}

// TestSoftDeleteThroughTheActor: the stream reads as not found, Head keeps
// its version, NoStream fails, the next append continues after the old
// last version, and all of it holds again after passivation (loaded from
// the store).
func TestSoftDeleteThroughTheActor(t *testing.T) {
	n := newNode(t, newStore(t), nil)
	mustAppend(t, n, "soft-1", eventstore.NoStream(), events(3))
	_, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "soft-1", Expected: eventstore.Exact(2)})
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.Actual != 3 {
		t.Fatalf("delete with a wrong expectation: %v", err)
	}
	if _, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "soft-1", Expected: eventstore.Exact(3)}); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		if _, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "soft-1", Limit: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("round %d: ReadStream of the deleted stream: %v", round, err)
		}
		if h, err := n.Head(ctxT(t), "soft-1"); err != nil || h.Version != 3 {
			t.Fatalf("round %d: Head = %+v, %v; want version 3", round, h, err)
		}
		if _, err := n.Append(ctxT(t), "soft-1", eventstore.NoStream(), events(1)); !errors.As(err, &ce) || ce.Actual != 3 {
			t.Fatalf("round %d: append NoStream after the delete: %v", round, err)
		}
		n.PassivateIdle("soft-1")
		eventually(t, 10*time.Second, "passivation", func() bool { return n.Stats().LiveStreams == 0 })
	}
	res := mustAppend(t, n, "soft-1", eventstore.Exact(3), events(2))
	if res.FirstVersion != 4 {
		t.Fatalf("append after the delete got version %d, want 4", res.FirstVersion)
	}
	got, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "soft-1", Limit: 10})
	if err != nil || len(got) != 2 || got[0].Version != 4 {
		t.Fatalf("ReadStream: %d events, %v", len(got), err)
	}
}

// TestHardDeleteThroughTheActor: appends, transactions, reads and deletes
// of a hard-deleted stream fail with *StreamDeletedError, in memory and
// after passivation.
func TestHardDeleteThroughTheActor(t *testing.T) {
	n := newNode(t, newStore(t), nil)
	mustAppend(t, n, "hard-1", eventstore.NoStream(), events(2))
	if _, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "hard-1", Hard: true}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := n.Append(ctxT(t), "hard-1", eventstore.Any(), events(1))
		wantStreamDeleted(t, err, "hard-1")
		_, err = n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "hard-1", Limit: 10})
		wantStreamDeleted(t, err, "hard-1")
		_, err = n.Transact(ctxT(t), []eventstore.AppendRequest{{Stream: "other-1", Expected: eventstore.Any(), Events: events(1)},
			{Stream: "hard-1", Expected: eventstore.Any(), Events: events(1)}})
		wantStreamDeleted(t, err, "hard-1")
		_, err = n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "hard-1"})
		wantStreamDeleted(t, err, "hard-1")
		n.PassivateIdle()
		eventually(t, 10*time.Second, "passivation", func() bool { return n.Stats().LiveStreams == 0 })
	}
	if _, err := n.Head(ctxT(t), "other-1"); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, n.sh.store, "other-1"); len(got) != 0 {
		t.Fatalf("the transaction with a deleted stream wrote %d events", len(got))
	}
}

func wantStreamDeleted(t *testing.T, err error, stream string) {
	t.Helper()
	var de *eventstore.StreamDeletedError
	if !errors.As(err, &de) || de.Stream != stream || eventstore.CodeOf(err) != eventstore.CodeStreamDeleted {
		t.Fatalf("got %v (%T), want *StreamDeletedError{%q}", err, err, stream)
	}
}

// TestAppendsRacingADeleteThroughTheActor: many callers append while a
// delete runs; each append is wholly before the delete (hidden) or wholly
// after it (visible, soft) or refused (hard).
func TestAppendsRacingADeleteThroughTheActor(t *testing.T) {
	for _, hard := range []bool{false, true} {
		n := newNode(t, newStore(t), nil)
		stream := "race-1"
		mustAppend(t, n, stream, eventstore.NoStream(), events(1))
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			results []eventstore.AppendResult
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					res, err := n.Append(ctxT(t), stream, eventstore.Any(), events(2))
					if err != nil {
						if !hard || !errors.Is(err, eventstore.ErrStreamDeleted) {
							t.Errorf("append: %v", err)
						}
						continue
					}
					mu.Lock()
					results = append(results, res)
					mu.Unlock()
				}
			}()
		}
		del, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: stream, Hard: hard})
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		visible := 0
		for _, r := range results {
			switch {
			case r.LastVersion <= del.Version:
			case r.FirstVersion > del.Version && !hard:
				visible += int(r.LastVersion - r.FirstVersion + 1)
			default:
				t.Fatalf("hard %v: append %d..%d is not wholly before the delete at %d", hard, r.FirstVersion, r.LastVersion, del.Version)
			}
		}
		got, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: stream, Limit: 1000})
		switch {
		case hard:
			wantStreamDeleted(t, err, stream)
		case visible == 0:
			if !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Fatalf("nothing after the delete, ReadStream: %v", err)
			}
		case err != nil || len(got) != visible || got[0].Version != del.Version+1:
			t.Fatalf("soft: %d visible events from version %d, %v; want %d from %d", len(got), got[0].Version, err, visible, del.Version+1)
		}
	}
}

// TestDeleteResetsTheEntity: after a soft delete the entity's state starts
// again from Init (its events are gone), and its next events continue
// after the deleted versions; its snapshot is gone.
func TestDeleteResetsTheEntity(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	kind := &EntityKind{Name: "counter", Init: func() any { return 0 },
		Fold: func(s any, _ eventstore.RecordedEvent) any { return s.(int) + 1 },
		Handle: func(s any, _ any) ([]eventstore.EventData, any, error) {
			return events(1), s.(int) + 1, nil
		},
		Codec: &StateCodec{SchemaVersion: 1, Encode: func(s any) ([]byte, error) { return json.Marshal(s) },
			Decode: func(b []byte) (any, error) {
				var v int
				err := json.Unmarshal(b, &v)
				return v, err
			}},
		Snapshots: SnapshotPolicy{Every: 1}}
	if err := n.RegisterKind(kind); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := n.Execute(ctxT(t), "counter-1", "inc"); err != nil {
			t.Fatal(err)
		}
	}
	ss := store.(persistence.SnapshotStore)
	eventually(t, 10*time.Second, "a snapshot at version 3", func() bool {
		s, ok, _ := ss.LoadSnapshot(ctxT(t), "counter-1")
		return ok && s.Version == 3
	})
	if _, err := n.Delete(ctxT(t), eventstore.DeleteRequest{Stream: "counter-1", Expected: eventstore.Exact(3)}); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		st, v, err := n.EntityState(ctxT(t), "counter-1")
		if err != nil || st.(int) != 0 || v != 3 {
			t.Fatalf("round %d: entity after the delete: state %v at version %d, %v; want 0 at 3", round, st, v, err)
		}
		n.PassivateIdle()
		eventually(t, 10*time.Second, "passivation", func() bool { return n.Stats().LiveStreams == 0 })
	}
	res, err := n.Execute(ctxT(t), "counter-1", "inc")
	if err != nil || res.Reply.(int) != 1 || res.Append.FirstVersion != 4 {
		t.Fatalf("command after the delete: %+v, %v; want reply 1 at version 4", res, err)
	}
}

// TestDeletePostgres runs the delete tests on PostgreSQL.
func TestDeletePostgres(t *testing.T) {
	onPostgres = true
	t.Cleanup(func() { onPostgres = false })
	t.Run("WaitsForInFlight", TestDeleteWaitsForTheAppendInFlight)
	t.Run("Soft", TestSoftDeleteThroughTheActor)
	t.Run("Hard", TestHardDeleteThroughTheActor)
	t.Run("Racing", TestAppendsRacingADeleteThroughTheActor)
	t.Run("Entity", TestDeleteResetsTheEntity)
	t.Run("Metadata", TestMetadataThroughTheActor)
}

// TestMetadataThroughTheActor: a retention set through the actor is
// applied to reads served from its cache at once (truncate-before, a
// max-count window that moves with appends), and after passivation.
func TestMetadataThroughTheActor(t *testing.T) {
	n := newNode(t, newStore(t), nil)
	mustAppend(t, n, "ret-1", eventstore.NoStream(), events(6))
	check := func(what string, low, high eventstore.Version) {
		t.Helper()
		got, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "ret-1", Limit: 100})
		if err != nil || len(got) != int(high-low+1) || got[0].Version != low {
			t.Fatalf("%s: %d events from %d, %v; want %d..%d", what, len(got), got[0].Version, err, low, high)
		}
		back, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "ret-1", From: eventstore.End,
			Direction: eventstore.Backward, Limit: 100})
		if err != nil || len(back) != int(high-low+1) || back[len(back)-1].Version != low {
			t.Fatalf("%s backward: %d events, %v", what, len(back), err)
		}
		if h, err := n.Head(ctxT(t), "ret-1"); err != nil || h.Version != high {
			t.Fatalf("%s: Head %+v, %v", what, h, err)
		}
	}
	check("no metadata", 1, 6)
	hits := n.Stats().CacheHits
	res, err := n.SetMetadata(ctxT(t), eventstore.MetadataRequest{Stream: "ret-1", Expected: eventstore.NoStream(),
		Metadata: eventstore.StreamMetadata{TruncateBefore: 4}})
	if err != nil || res.Version != 1 {
		t.Fatalf("SetMetadata = %+v, %v", res, err)
	}
	check("truncate before 4", 4, 6)
	if n.Stats().CacheHits == hits {
		t.Fatal("reads within the retention were not served from the cache")
	}
	_, err = n.SetMetadata(ctxT(t), eventstore.MetadataRequest{Stream: "ret-1", Expected: eventstore.NoStream()})
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.Stream != "$$ret-1" || ce.Actual != 1 {
		t.Fatalf("SetMetadata with a stale expectation: %v", err)
	}
	if _, err := n.SetMetadata(ctxT(t), eventstore.MetadataRequest{Stream: "ret-1", Expected: eventstore.Exact(1),
		Metadata: eventstore.StreamMetadata{MaxCount: 2}}); err != nil {
		t.Fatal(err)
	}
	check("max count 2", 5, 6)
	mustAppend(t, n, "ret-1", eventstore.Exact(6), events(1))
	check("max count 2 after an append", 6, 7)
	n.PassivateIdle()
	eventually(t, 10*time.Second, "passivation", func() bool { return n.Stats().LiveStreams == 0 })
	check("max count 2 after passivation", 6, 7)
	if md, err := n.Metadata(ctxT(t), "ret-1"); err != nil || md.Version != 2 || md.Metadata.MaxCount != 2 {
		t.Fatalf("Metadata = %+v, %v", md, err)
	}
}
