package actorstore_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/actorstore/actorstore"
)

func passivate(t *testing.T, st *actorstore.Store, stream string) {
	t.Helper()
	before := st.Stats().Passivations
	deadline := time.Now().Add(10 * time.Second)
	for st.Stats().Passivations == before {
		if time.Now().After(deadline) {
			t.Fatalf("%s was not passivated", stream)
		}
		engineOf(st).PassivateIdle(stream)
		time.Sleep(2 * time.Millisecond)
	}
}

func snapshotAt(t *testing.T, st *actorstore.Store, stream string) actorstore.Snapshot {
	t.Helper()
	snap, _, err := st.LoadSnapshot(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestEntitySnapshots: the policies store snapshots (every N events, on
// passivation); an activation starts from the newest snapshot of the
// codec's schema version and folds only the events after it (a planted
// snapshot's state shows through); a snapshot of another schema version is
// ignored and counted, and the state is folded from the first event.
func TestEntitySnapshots(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		k := register(t, st, accounts(actorstore.SnapshotPolicy{Every: 5, OnPassivation: true}))
		s := k.Stream("snap")
		for range 12 {
			execOK(t, k, s, deposit{1})
		}
		eventually(t, "a snapshot every 5 events", func() bool { return snapshotAt(t, st, s).Version == 10 })
		passivate(t, st, s)
		eventually(t, "a snapshot on passivation", func() bool { return snapshotAt(t, st, s).Version == 12 })

		// Plant a snapshot whose state differs from the fold: the next
		// activation must start from it and fold only what follows.
		// (The passivation's own snapshot is written first: a save at the
		// same version replaces it.)
		execOK(t, k, s, deposit{1}) // version 13, state loaded from the snapshot at 12
		passivate(t, st, s)
		eventually(t, "a snapshot on passivation", func() bool { return snapshotAt(t, st, s).Version == 13 })
		if err := st.SaveSnapshot(context.Background(), actorstore.Snapshot{Stream: s, Version: 13,
			SchemaVersion: 1, State: []byte(`{"balance":1000,"events":13}`)}); err != nil {
			t.Fatal(err)
		}
		loaded := st.EntityStats().SnapshotsLoaded
		if got := execOK(t, k, s, deposit{1}); got != 1001 {
			t.Fatalf("balance after activation from the planted snapshot = %d, want 1001", got)
		}
		if st.EntityStats().SnapshotsLoaded != loaded+1 {
			t.Fatalf("the activation did not start from a snapshot: %+v", st.EntityStats())
		}

		// Another schema version: ignored, counted, folded from the start.
		passivate(t, st, s)
		eventually(t, "a snapshot on passivation", func() bool { return snapshotAt(t, st, s).Version == 14 })
		if err := st.SaveSnapshot(context.Background(), actorstore.Snapshot{Stream: s, Version: 14,
			SchemaVersion: 2, State: []byte(`{"balance":5000,"events":14}`)}); err != nil {
			t.Fatal(err)
		}
		ignored := st.EntityStats().SnapshotsIgnored
		if got := execOK(t, k, s, deposit{1}); got != 15 {
			t.Fatalf("balance after ignoring a snapshot of another schema = %d, want 15 (the fold)", got)
		}
		if st.EntityStats().SnapshotsIgnored != ignored+1 {
			t.Fatalf("the ignored snapshot was not counted: %+v", st.EntityStats())
		}
		wantState(t, st, k, s)
	})
}

// TestEntityWithoutSnapshotPolicyStoresNone: the zero policy stores no snapshot.
func TestEntityWithoutSnapshotPolicyStoresNone(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	k := register(t, st, accounts(actorstore.SnapshotPolicy{}))
	for range 20 {
		execOK(t, k, k.Stream("n"), deposit{1})
	}
	passivate(t, st, k.Stream("n"))
	execOK(t, k, k.Stream("n"), deposit{1})
	if _, ok, _ := st.LoadSnapshot(context.Background(), k.Stream("n")); ok || st.EntityStats().SnapshotsSaved != 0 {
		t.Fatalf("a snapshot was stored without a policy: %+v", st.EntityStats())
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestProtoCodecRoundTrip: the protobuf helper encodes and decodes a state message.
func TestProtoCodecRoundTrip(t *testing.T) {
	c := actorstore.ProtoCodec(3, func() *wrapperspb.Int64Value { return &wrapperspb.Int64Value{} })
	b, err := c.Encode(wrapperspb.Int64(42))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(b)
	if err != nil || got.GetValue() != 42 || c.SchemaVersion != 3 {
		t.Fatalf("decode = %v, %v", got, err)
	}
	if _, err := c.Decode([]byte{0xff}); err == nil {
		t.Fatal("decoding garbage did not fail")
	}
}
