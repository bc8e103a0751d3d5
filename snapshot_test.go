package actorstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/actorstore/actorstore"
)

// TestSnapshotsFromTheRootAPI saves and loads a snapshot through the
// public API on both backends: the newest is returned with the trace ID on
// errors, a version the stream lacks is an *InputError.
func TestSnapshotsFromTheRootAPI(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		if _, ok, err := st.LoadSnapshot(ctx, "acct-1"); ok || err != nil {
			t.Fatalf("LoadSnapshot before any = %v, %v", ok, err)
		}
		if _, err := st.Append(ctx, "acct-1", actorstore.NoStream(), ev("A"), ev("B")); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSnapshot(ctx, actorstore.Snapshot{Stream: "acct-1", Version: 2, SchemaVersion: 3,
			State: []byte(`{"n":2}`)}); err != nil {
			t.Fatal(err)
		}
		snap, ok, err := st.LoadSnapshot(ctx, "acct-1")
		if err != nil || !ok || snap.Version != 2 || snap.SchemaVersion != 3 || string(snap.State) != `{"n":2}` {
			t.Fatalf("LoadSnapshot = %+v, %v, %v", snap, ok, err)
		}
		err = st.SaveSnapshot(ctx, actorstore.Snapshot{Stream: "acct-1", Version: 3})
		var ie *actorstore.InputError
		if !errors.As(err, &ie) || actorstore.TraceIDOf(err) == "" {
			t.Fatalf("SaveSnapshot beyond the head = %v, want *InputError with a trace ID", err)
		}
	})
}
