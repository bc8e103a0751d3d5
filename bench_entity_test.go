package actorstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// benchTally is the state of the benchmarks' entity: a count and the
// bytes of its events (a cheap fold, so the figures are the machinery's).
type benchTally struct {
	Events int `json:"events"`
	Bytes  int `json:"bytes"`
}

func foldTally(s benchTally, e actorstore.RecordedEvent) benchTally {
	s.Events++
	s.Bytes += len(e.Data)
	return s
}

func tallyKind(name string, codec *actorstore.Codec[benchTally], policy actorstore.SnapshotPolicy) actorstore.Entity[benchTally, struct{}, int] {
	return actorstore.Entity[benchTally, struct{}, int]{Kind: name, Fold: foldTally, Codec: codec, Snapshots: policy,
		Handle: func(s benchTally, _ struct{}) ([]actorstore.EventData, int, error) {
			return []actorstore.EventData{{ID: uuid.New(), Type: "Counted", Data: benchPayload}}, s.Events + 1, nil
		}}
}

// fillStream appends n events to stream in appends of up to 1,000.
func fillStream(b *testing.B, st *actorstore.Store, stream string, n int) {
	for n > 0 {
		k := min(n, 1_000)
		evs := make([]actorstore.EventData, k)
		for i := range evs {
			evs[i] = actorstore.EventData{ID: uuid.New(), Type: "Counted", Data: benchPayload}
		}
		if _, err := st.Append(context.Background(), stream, actorstore.Any(), evs...); err != nil {
			b.Fatal(err)
		}
		n -= k
	}
}

// BenchmarkEntities, on PostgreSQL (synchronous commit on), in one run:
//
//   - execute-64-entities: 64 writers, each sending commands to its own
//     entity whose stream held 1,000 events at the start (~200-byte
//     events): Kind.Execute decides on the state in the stream's actor.
//   - handwritten-64-streams: the same load written by hand through the
//     Go API: ReadStream of the whole stream, fold, Append with the
//     expected version (no conflicts: one writer per stream).
//   - activate-100k/no-snapshot and /snapshot: the first command (a state
//     query) after passivation of an entity of 100,000 events, folding
//     them all, or starting from a snapshot at the last event.
func BenchmarkEntities(b *testing.B) {
	srv := pgtest.Server(b)
	const writers, stored = 64, 1_000
	b.Run("execute-64-entities", func(b *testing.B) {
		st := benchStore(b, actorstore.Config{PostgresURL: srv.NewDatabase(b)})
		k, err := actorstore.Register(st, tallyKind("tally", nil, actorstore.SnapshotPolicy{}))
		if err != nil {
			b.Fatal(err)
		}
		for w := range writers {
			fillStream(b, st, k.Stream(fmt.Sprint(w)), stored)
		}
		runWriters(b, writers, func(w, _ int) error {
			_, err := k.Execute(context.Background(), k.Stream(fmt.Sprint(w)), struct{}{})
			return err
		})
	})
	b.Run("handwritten-64-streams", func(b *testing.B) {
		st := benchStore(b, actorstore.Config{PostgresURL: srv.NewDatabase(b)})
		for w := range writers {
			fillStream(b, st, fmt.Sprintf("tally-%d", w), stored)
		}
		runWriters(b, writers, func(w, _ int) error {
			return readFoldAppend(st, fmt.Sprintf("tally-%d", w))
		})
	})
	b.Run("activate-100k", func(b *testing.B) {
		st := benchStore(b, actorstore.Config{PostgresURL: srv.NewDatabase(b)})
		for _, snap := range []bool{false, true} {
			name, codec := "plain", (*actorstore.Codec[benchTally])(nil)
			if snap {
				name, codec = "snap", actorstore.JSONCodec[benchTally](1)
			}
			k, err := actorstore.Register(st, tallyKind(name, codec, actorstore.SnapshotPolicy{OnPassivation: true}))
			if err != nil {
				b.Fatal(err)
			}
			stream := k.Stream("big")
			t0 := time.Now()
			fillStream(b, st, stream, 100_000)
			b.Logf("%s: 100,000 events appended in %v", stream, time.Since(t0))
			activate(b, st, k, stream) // with a codec, passivation then stores a snapshot at 100,000
			benchPassivate(b, st, stream)
			if snap {
				waitSnapshot(b, st, stream, 100_000)
			}
			b.Run(map[bool]string{false: "no-snapshot", true: "snapshot"}[snap], func(b *testing.B) {
				for range b.N { // the stream's actor is passivated at each start
					activate(b, st, k, stream)
					b.StopTimer()
					benchPassivate(b, st, stream)
					b.StartTimer()
				}
			})
		}
	})
}

// readFoldAppend is the hand-written command: read the whole stream, fold
// it, append one event at the version read.
func readFoldAppend(st *actorstore.Store, stream string) error {
	ctx := context.Background()
	var s benchTally
	var v actorstore.Version
	for {
		evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: stream, From: v + 1, Limit: 1_000})
		if err != nil {
			return err
		}
		for _, e := range evs {
			s = foldTally(s, e)
			v = e.Version
		}
		if len(evs) < 1_000 {
			break
		}
	}
	_, err := st.Append(ctx, stream, actorstore.Exact(v),
		actorstore.EventData{ID: uuid.New(), Type: "Counted", Data: benchPayload})
	return err
}

func activate(b *testing.B, st *actorstore.Store, k *actorstore.Kind[benchTally, struct{}, int], stream string) {
	s, v, err := k.State(context.Background(), stream)
	if err != nil || v != 100_000 || s.Events != 100_000 {
		b.Fatalf("state %+v at %d: %v", s, v, err)
	}
}

func benchPassivate(b *testing.B, st *actorstore.Store, stream string) {
	before := st.Stats().Passivations
	deadline := time.Now().Add(30 * time.Second)
	for st.Stats().Passivations == before {
		if time.Now().After(deadline) {
			b.Fatalf("%s not passivated", stream)
		}
		engineOf(st).PassivateIdle(stream)
		time.Sleep(time.Millisecond)
	}
}

func waitSnapshot(b *testing.B, st *actorstore.Store, stream string, v actorstore.Version) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		snap, _, err := st.LoadSnapshot(context.Background(), stream)
		if err == nil && snap.Version == v {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("no snapshot of %s at %d: %+v, %v", stream, v, snap, err)
		}
		time.Sleep(time.Millisecond)
	}
}
