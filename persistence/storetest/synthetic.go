package storetest

import (
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Generate is a backend's Generate function bound to the database of the
// store under test (persistence.Synthetic).
type Generate func(g persistence.Synthetic) (int64, error)

// RunSynthetic checks a backend's Generate on st's database: after one
// ordinary append, 2,500 synthetic events in chunks of 1,000 over streams
// of 300 (so streams cross chunks) are stored at the next positions,
// gapless and in order, at versions 1..300 of their streams, with distinct
// event IDs; every stream's head is its newest synthetic event; the next
// append continues after them, and a wrong expected version on a
// synthetic stream is refused.
func RunSynthetic(t *testing.T, st persistence.Store, generate Generate) {
	t.Helper()
	ctx := ctxFor(t)
	appendOK(t, st, req("before-1", eventstore.NoStream(), ev("Before")))
	g := persistence.Synthetic{Events: 2500, PerStream: 300, Prefix: "syn-", Type: "Synthetic",
		Data: []byte(`{"p":1}`), Chunk: 1000}
	n, err := generate(g)
	if err != nil || n != 2500 {
		t.Fatalf("generate: %d events, %v", n, err)
	}
	all, err := st.ReadAll(ctx, eventstore.AllRead{From: 2, Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != g.Events {
		t.Fatalf("read %d synthetic events, want %d", len(all), g.Events)
	}
	ids := make(map[[16]byte]bool, len(all))
	for i, e := range all {
		wantStream, wantVersion := g.Stream(i/g.PerStream), uint64(i%g.PerStream+1)
		if e.Position != uint64(i+2) || e.Stream != wantStream || e.Version != wantVersion || e.Type != g.Type {
			t.Fatalf("event %d: %s v%d at %d (%s), want %s v%d at %d", i, e.Stream, e.Version, e.Position, e.Type,
				wantStream, wantVersion, i+2)
		}
		if ids[e.ID] {
			t.Fatalf("event ID %s twice", e.ID)
		}
		ids[e.ID] = true
	}
	last := (g.Events - 1) / g.PerStream
	for s := 0; s <= last; s++ {
		want := uint64(g.PerStream)
		if s == last {
			want = uint64(g.Events - last*g.PerStream)
		}
		h, err := st.Head(ctx, g.Stream(s))
		if err != nil || h.Version != want {
			t.Fatalf("head of %s: %+v, %v; want version %d", g.Stream(s), h, err, want)
		}
	}
	res := appendOK(t, st, req(g.Stream(0), eventstore.Exact(uint64(g.PerStream)), ev("After")))
	if res.FirstVersion != uint64(g.PerStream)+1 || res.FirstPosition != uint64(g.Events)+2 {
		t.Fatalf("append after the synthetic events: %+v", res)
	}
	out, err := st.AppendBatch(ctx, []eventstore.AppendRequest{req(g.Stream(1), eventstore.NoStream(), ev("After"))})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(out[0].Err, eventstore.ErrConcurrency) {
		t.Fatalf("NoStream on a synthetic stream: %v, want a conflict", out[0].Err)
	}
}
