package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testDelete checks persistence.StreamDeleter (docs/lifecycle.md), which
// every backend must implement: a soft delete hides the stream's events
// from ReadStream and ReadAll (filters included) while the positions of the
// other events do not change, keeps the version (the next append continues
// after it, NoStream fails), removes the snapshot; a wrong expectation
// changes nothing; a hard delete's tombstone fails appends (alone, in a
// batch, in a group), reads and deletes with *StreamDeletedError; appends
// racing a delete land wholly before it (hidden) or wholly after it
// (visible for a soft delete, refused for a hard one).
func testDelete(t *testing.T, f Factory) {
	open := func(t *testing.T) (persistence.Store, persistence.StreamDeleter) {
		st := open(t, f)
		sd, ok := st.(persistence.StreamDeleter)
		if !ok {
			t.Fatalf("%T does not implement persistence.StreamDeleter", st)
		}
		return st, sd
	}
	t.Run("soft delete hides, positions stay, versions continue", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		testSoftDelete(t, st, sd)
	})
	t.Run("wrong expectation changes nothing", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		appendOK(t, st, req("wrong-1", eventstore.NoStream(), evs(2, "E")...))
		_, err := sd.DeleteStream(ctxFor(t), eventstore.DeleteRequest{Stream: "wrong-1", Expected: eventstore.Exact(1)})
		wantConcurrency(t, err, "wrong-1", eventstore.Exact(1), 2)
		_, err = sd.DeleteStream(ctxFor(t), eventstore.DeleteRequest{Stream: "wrong-1", Expected: eventstore.NoStream(), Hard: true})
		wantConcurrency(t, err, "wrong-1", eventstore.NoStream(), 2)
		if got := readStream(t, st, "wrong-1"); len(got) != 2 {
			t.Fatalf("after refused deletes the stream has %d events, want 2", len(got))
		}
		appendOK(t, st, req("wrong-1", eventstore.Exact(2), ev("E")))
	})
	t.Run("unknown and repeated soft deletes", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		_, err := sd.DeleteStream(ctxFor(t), eventstore.DeleteRequest{Stream: "never-1"})
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("soft delete of a stream that never had events: %v, want ErrStreamNotFound", err)
		}
		appendOK(t, st, req("twice-1", eventstore.NoStream(), evs(2, "E")...))
		for range 2 {
			res, err := sd.DeleteStream(ctxFor(t), eventstore.DeleteRequest{Stream: "twice-1", Expected: eventstore.Exact(2)})
			if err != nil || res.Version != 2 || res.Hard {
				t.Fatalf("soft delete of twice-1 = %+v, %v; want version 2", res, err)
			}
		}
		appendOK(t, st, req("never-1", eventstore.NoStream(), ev("E"))) // the refused delete left nothing behind
	})
	t.Run("hard delete leaves a tombstone", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		testHardDelete(t, st, sd)
	})
	t.Run("appends racing a soft delete", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		testDeleteRace(t, st, sd, false)
	})
	t.Run("appends racing a hard delete", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		testDeleteRace(t, st, sd, true)
	})
}

func deleteOK(t *testing.T, sd persistence.StreamDeleter, r eventstore.DeleteRequest) eventstore.DeleteResult {
	t.Helper()
	res, err := sd.DeleteStream(ctxFor(t), r)
	if err != nil {
		t.Fatalf("DeleteStream(%+v): %v", r, err)
	}
	if res.Stream != r.Stream || res.Hard != r.Hard {
		t.Fatalf("DeleteStream(%+v) = %+v", r, res)
	}
	return res
}

func wantDeleted(t *testing.T, err error, stream string) {
	t.Helper()
	var de *eventstore.StreamDeletedError
	if !errors.As(err, &de) || de.Stream != stream || !errors.Is(err, eventstore.ErrStreamDeleted) ||
		eventstore.CodeOf(err) != eventstore.CodeStreamDeleted {
		t.Fatalf("got %v (%T), want *StreamDeletedError{%q}", err, err, stream)
	}
}

func testSoftDelete(t *testing.T, st persistence.Store, sd persistence.StreamDeleter) {
	ss := st.(persistence.SnapshotStore)
	for i := range 3 {
		appendBatchOK(t, st, req("gone-1", eventstore.Exact(uint64(i)), ev("E")), req(name("kept", i), eventstore.NoStream(), ev("K")))
	}
	saveOK(t, ss, eventstore.Snapshot{Stream: "gone-1", Version: 2, SchemaVersion: 1, State: []byte("two")})
	before := readAll(t, st)
	res := deleteOK(t, sd, eventstore.DeleteRequest{Stream: "gone-1", Expected: eventstore.Exact(3)})
	if res.Version != 3 {
		t.Fatalf("delete result version %d, want 3", res.Version)
	}
	_, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "gone-1", Limit: 10})
	if !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("ReadStream of a soft-deleted stream: %v, want ErrStreamNotFound", err)
	}
	var kept []eventstore.RecordedEvent
	for _, e := range before {
		if e.Stream != "gone-1" {
			kept = append(kept, e)
		}
	}
	sameEvents(t, "ReadAll after the delete", readAll(t, st), kept)
	got, err := st.ReadAll(ctxFor(t), eventstore.AllRead{Limit: 100, Filter: eventstore.Filter{StreamPrefix: "gone"}})
	if err != nil || len(got) != 0 {
		t.Fatalf("ReadAll with the deleted stream's prefix = %d events, %v; want none", len(got), err)
	}
	got, err = st.ReadAll(ctxFor(t), eventstore.AllRead{From: eventstore.End, Direction: eventstore.Backward, Limit: 100,
		Filter: eventstore.Filter{EventTypes: []string{"E"}}})
	if err != nil || len(got) != 0 {
		t.Fatalf("backward ReadAll of the deleted type = %d events, %v; want none", len(got), err)
	}
	if _, ok, err := ss.LoadSnapshot(ctxFor(t), "gone-1"); ok || err != nil {
		t.Fatalf("the deleted stream's snapshot: found %v, %v; want removed", ok, err)
	}
	if h := head(t, st, "gone-1"); h.Version != 3 {
		t.Fatalf("Head of the soft-deleted stream: version %d, want 3 (versions are never reused)", h.Version)
	}
	r := appendBatchOK(t, st, req("gone-1", eventstore.NoStream(), ev("E")))
	wantConcurrency(t, r[0].Err, "gone-1", eventstore.NoStream(), 3)
	again := appendOK(t, st, req("gone-1", eventstore.Exact(3), ev("E"), ev("E")))
	if again.FirstVersion != 4 || again.LastVersion != 5 {
		t.Fatalf("append after a soft delete got versions %d..%d, want 4..5", again.FirstVersion, again.LastVersion)
	}
	vis := readStream(t, st, "gone-1")
	if len(vis) != 2 || vis[0].Version != 4 || vis[0].Position != again.FirstPosition {
		t.Fatalf("ReadStream after the new append: %d events from version %d, want 2 from 4", len(vis), firstVersion(vis))
	}
	back, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "gone-1", From: eventstore.End,
		Direction: eventstore.Backward, Limit: 10})
	if err != nil || len(back) != 2 || back[1].Version != 4 {
		t.Fatalf("backward ReadStream after the new append: %d events, %v; want versions 5, 4", len(back), err)
	}
	if _, ok, _ := ss.LoadSnapshot(ctxFor(t), "gone-1"); ok {
		t.Fatal("a snapshot came back")
	}
	if err := ss.SaveSnapshot(ctxFor(t), eventstore.Snapshot{Stream: "gone-1", Version: 3, State: []byte("old")}); err != nil &&
		!errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("SaveSnapshot at a deleted version: %v", err)
	}
	if _, ok, _ := ss.LoadSnapshot(ctxFor(t), "gone-1"); ok {
		t.Fatal("a snapshot at a deleted version was stored")
	}
	sameEvents(t, "ReadAll after the new append", readAll(t, st), append(kept, vis...))
}

func testHardDelete(t *testing.T, st persistence.Store, sd persistence.StreamDeleter) {
	appendOK(t, st, req("dead-1", eventstore.NoStream(), evs(2, "E")...))
	res := deleteOK(t, sd, eventstore.DeleteRequest{Stream: "dead-1", Expected: eventstore.StreamExists(), Hard: true})
	if res.Version != 2 {
		t.Fatalf("hard delete result version %d, want 2", res.Version)
	}
	for _, exp := range []eventstore.ExpectedVersion{eventstore.Any(), eventstore.Exact(2), eventstore.NoStream(), eventstore.StreamExists()} {
		r := appendBatchOK(t, st, req("dead-1", exp, ev("E")))
		wantDeleted(t, r[0].Err, "dead-1")
	}
	r := appendBatchOK(t, st, req("alive-1", eventstore.NoStream(), ev("E")), req("dead-1", eventstore.Exact(2), ev("E")))
	wantDeleted(t, r[1].Err, "dead-1")
	if r[0].Err != nil {
		t.Fatalf("the other request of the batch failed: %v", r[0].Err)
	}
	g := req("alive-2", eventstore.NoStream(), ev("E"))
	g.Group = 7
	d := req("dead-1", eventstore.Any(), ev("E"))
	d.Group = 7
	r = appendBatchOK(t, st, g, d)
	if !errors.Is(r[0].Err, eventstore.ErrAborted) || !errors.Is(r[0].Err, eventstore.ErrStreamDeleted) {
		t.Fatalf("group member of a deleted stream's request: %v, want aborted by ErrStreamDeleted", r[0].Err)
	}
	checkNotExists(t, st, "alive-2")
	_, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "dead-1", Limit: 10})
	wantDeleted(t, err, "dead-1")
	for _, e := range readAll(t, st) {
		if e.Stream == "dead-1" {
			t.Fatalf("ReadAll returns event %d of the hard-deleted stream", e.Version)
		}
	}
	_, err = sd.DeleteStream(ctxFor(t), eventstore.DeleteRequest{Stream: "dead-1"})
	wantDeleted(t, err, "dead-1")
	// A tombstone on a name that never had events reserves it.
	if res := deleteOK(t, sd, eventstore.DeleteRequest{Stream: "dead-2", Expected: eventstore.NoStream(), Hard: true}); res.Version != 0 {
		t.Fatalf("hard delete of a new stream: version %d", res.Version)
	}
	r = appendBatchOK(t, st, req("alive-3", eventstore.NoStream(), ev("E")), req("dead-2", eventstore.NoStream(), ev("E")))
	wantDeleted(t, r[1].Err, "dead-2")
	r = appendBatchOK(t, st, req("dead-2", eventstore.Any(), ev("E")))
	wantDeleted(t, r[0].Err, "dead-2")
	if _, d, err := sd.HeadRetention(ctxFor(t), "dead-2"); err != nil || !d.Tombstone {
		t.Fatalf("HeadRetention(dead-2) = %+v, %v; want a tombstone", d, err)
	}
}

// testDeleteRace appends to one stream from many goroutines (Any) while a
// delete runs: each append's events are either all at versions up to the
// delete's (hidden) or all after it (visible, soft) or it was refused with
// *StreamDeletedError (hard); what is visible is exactly the versions
// after the delete's, contiguous.
func testDeleteRace(t *testing.T, st persistence.Store, sd persistence.StreamDeleter, hard bool) {
	const stream, writers, each = "race-1", 8, 10
	appendOK(t, st, req(stream, eventstore.NoStream(), ev("E")))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []eventstore.AppendResult
		refused int
	)
	start := make(chan struct{})
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range each {
				res, err := st.AppendBatch(ctxFor(t), []eventstore.AppendRequest{req(stream, eventstore.Any(), ev("E"), ev("E"))})
				if err != nil {
					t.Errorf("AppendBatch: %v", err)
					return
				}
				mu.Lock()
				if res[0].Err != nil {
					if !errors.Is(res[0].Err, eventstore.ErrStreamDeleted) || !hard {
						t.Errorf("append racing a delete: %v", res[0].Err)
					}
					refused++
				} else {
					results = append(results, res[0])
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	del := deleteOK(t, sd, eventstore.DeleteRequest{Stream: stream, Hard: hard})
	wg.Wait()
	if t.Failed() {
		return
	}
	h := head(t, st, stream)
	var after uint64 // versions appended after the delete
	for _, r := range results {
		switch {
		case r.LastVersion <= del.Version:
		case r.FirstVersion > del.Version && !hard:
			after += r.LastVersion - r.FirstVersion + 1
		default:
			t.Fatalf("append %d..%d straddles or follows the hard delete at %d", r.FirstVersion, r.LastVersion, del.Version)
		}
	}
	vis, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: stream, Limit: 10_000})
	switch {
	case hard:
		wantDeleted(t, err, stream)
		if h.Version != del.Version || refused+len(results) != writers*each {
			t.Fatalf("hard: head %d, delete at %d, %d refused + %d committed of %d", h.Version, del.Version,
				refused, len(results), writers*each)
		}
		return
	case h.Version == del.Version:
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("nothing appended after the delete, ReadStream: %v", err)
		}
		vis = nil
	case err != nil:
		t.Fatal(err)
	}
	if uint64(len(vis)) != h.Version-del.Version || after != h.Version-del.Version {
		t.Fatalf("soft: %d visible events, head %d, delete at %d, %d versions appended after", len(vis), h.Version,
			del.Version, after)
	}
	for i, e := range vis {
		if e.Version != del.Version+uint64(i)+1 {
			t.Fatalf("visible event %d has version %d, want %d", i, e.Version, del.Version+uint64(i)+1)
		}
	}
	for _, e := range readAll(t, st) {
		if e.Stream == stream && e.Version <= del.Version {
			t.Fatalf("ReadAll returns version %d, deleted at %d", e.Version, del.Version)
		}
	}
}

func sameEvents(t *testing.T, what string, got, want []eventstore.RecordedEvent) {
	t.Helper()
	key := func(e eventstore.RecordedEvent) [2]uint64 { return [2]uint64{e.Position, e.Version} }
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID || key(got[i]) != key(want[i]) || got[i].Stream != want[i].Stream {
			t.Fatalf("%s: event %d is %s/%d at %d, want %s/%d at %d", what, i, got[i].Stream, got[i].Version,
				got[i].Position, want[i].Stream, want[i].Version, want[i].Position)
		}
	}
	if !slices.IsSortedFunc(got, func(a, b eventstore.RecordedEvent) int { return int(a.Position) - int(b.Position) }) {
		t.Fatalf("%s: not in position order", what)
	}
}

func firstVersion(evs []eventstore.RecordedEvent) eventstore.Version {
	if len(evs) == 0 {
		return 0
	}
	return evs[0].Version
}
