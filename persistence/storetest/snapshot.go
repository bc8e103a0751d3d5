package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testSnapshots checks persistence.SnapshotStore: none stored; save and
// load field by field; the newest wins and an older save changes nothing;
// the same version replaces (a new schema); a snapshot beyond the stream's
// head, of a missing stream or malformed is an *InputError and stores
// nothing; streams are independent; concurrent saves leave the highest.
func testSnapshots(t *testing.T, f Factory) {
	open := func(t *testing.T) (persistence.Store, persistence.SnapshotStore) {
		st := open(t, f)
		ss, ok := st.(persistence.SnapshotStore)
		if !ok {
			t.Fatalf("%T does not implement persistence.SnapshotStore", st)
		}
		return st, ss
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		_, ss := open(t)
		if _, ok, err := ss.LoadSnapshot(ctxFor(t), "nothing-1"); ok || err != nil {
			t.Fatalf("LoadSnapshot of a stream without snapshot = %v, %v; want false, nil", ok, err)
		}
	})
	t.Run("save, load, newest wins", func(t *testing.T) {
		t.Parallel()
		st, ss := open(t)
		appendOK(t, st, req("snap-1", eventstore.NoStream(), evs(10, "E")...))
		saveOK(t, ss, eventstore.Snapshot{Stream: "snap-1", Version: 4, SchemaVersion: 1, State: []byte("four")})
		wantSnapshot(t, ss, "snap-1", 4, 1, "four")
		saveOK(t, ss, eventstore.Snapshot{Stream: "snap-1", Version: 7, SchemaVersion: 1, State: []byte("seven")})
		saveOK(t, ss, eventstore.Snapshot{Stream: "snap-1", Version: 5, SchemaVersion: 1, State: []byte("five")})
		wantSnapshot(t, ss, "snap-1", 7, 1, "seven")
		saveOK(t, ss, eventstore.Snapshot{Stream: "snap-1", Version: 7, SchemaVersion: 2, State: []byte("seven, v2")})
		wantSnapshot(t, ss, "snap-1", 7, 2, "seven, v2")
		saveOK(t, ss, eventstore.Snapshot{Stream: "snap-1", Version: 10, SchemaVersion: 2})
		wantSnapshot(t, ss, "snap-1", 10, 2, "")
		if _, ok, _ := ss.LoadSnapshot(ctxFor(t), "snap-2"); ok {
			t.Fatal("a snapshot of snap-1 is found for snap-2")
		}
	})
	t.Run("bad snapshots store nothing", func(t *testing.T) {
		t.Parallel()
		st, ss := open(t)
		appendOK(t, st, req("bad-1", eventstore.NoStream(), evs(3, "E")...))
		saveOK(t, ss, eventstore.Snapshot{Stream: "bad-1", Version: 2, State: []byte("two")})
		for _, s := range []eventstore.Snapshot{
			{Stream: "bad-1", Version: 4, State: []byte("beyond")},
			{Stream: "bad-1", Version: 0, State: []byte("zero")},
			{Stream: "", Version: 1},
			{Stream: "missing-1", Version: 1},
			{Stream: "bad-1", Version: 3, State: make([]byte, eventstore.MaxSnapshotBytes+1)},
		} {
			err := ss.SaveSnapshot(ctxFor(t), s)
			var ie *eventstore.InputError
			if !errors.As(err, &ie) || !errors.Is(err, eventstore.ErrInvalidInput) {
				t.Fatalf("SaveSnapshot(%q at %d) = %v, want *InputError", s.Stream, s.Version, err)
			}
		}
		wantSnapshot(t, ss, "bad-1", 2, 0, "two")
		if _, ok, _ := ss.LoadSnapshot(ctxFor(t), "missing-1"); ok {
			t.Fatal("a refused snapshot of a missing stream was stored")
		}
		if _, _, err := ss.LoadSnapshot(ctxFor(t), ""); !errors.Is(err, eventstore.ErrInvalidInput) {
			t.Fatalf("LoadSnapshot(\"\") = %v, want ErrInvalidInput", err)
		}
	})
	t.Run("concurrent saves keep the highest", func(t *testing.T) {
		t.Parallel()
		st, ss := open(t)
		appendOK(t, st, req("conc-1", eventstore.NoStream(), evs(20, "E")...))
		var wg sync.WaitGroup
		for v := 1; v <= 20; v++ {
			wg.Go(func() {
				if err := ss.SaveSnapshot(ctxFor(t), eventstore.Snapshot{Stream: "conc-1",
					Version: uint64(v), State: []byte{byte(v)}}); err != nil {
					t.Errorf("SaveSnapshot at %d: %v", v, err)
				}
			})
		}
		wg.Wait()
		wantSnapshot(t, ss, "conc-1", 20, 0, string([]byte{20}))
	})
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		st, ss := open(t)
		_ = st.Close()
		if err := ss.SaveSnapshot(ctxFor(t), eventstore.Snapshot{Stream: "x-1", Version: 1}); !errors.Is(err, eventstore.ErrClosed) {
			t.Fatalf("SaveSnapshot after Close = %v, want ErrClosed", err)
		}
		if _, _, err := ss.LoadSnapshot(ctxFor(t), "x-1"); !errors.Is(err, eventstore.ErrClosed) {
			t.Fatalf("LoadSnapshot after Close = %v, want ErrClosed", err)
		}
	})
}

func saveOK(t *testing.T, ss persistence.SnapshotStore, s eventstore.Snapshot) {
	t.Helper()
	if err := ss.SaveSnapshot(ctxFor(t), s); err != nil {
		t.Fatalf("SaveSnapshot(%q at %d): %v", s.Stream, s.Version, err)
	}
}

func wantSnapshot(t *testing.T, ss persistence.SnapshotStore, stream string, version eventstore.Version,
	schema uint32, state string) {
	t.Helper()
	got, ok, err := ss.LoadSnapshot(ctxFor(t), stream)
	if err != nil || !ok {
		t.Fatalf("LoadSnapshot(%q) = %v, %v", stream, ok, err)
	}
	if got.Stream != stream || got.Version != version || got.SchemaVersion != schema ||
		!bytes.Equal(got.State, []byte(state)) || got.Created.IsZero() {
		t.Fatalf("LoadSnapshot(%q) = %+v; want version %d, schema %d, state %q, a creation time",
			stream, got, version, schema, state)
	}
}
