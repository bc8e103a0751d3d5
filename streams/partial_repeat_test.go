package streams

import (
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// TestPartialRepeatAnswersTheSame: repeats of stored events that are not
// one whole earlier append (a prefix, a suffix, a span over two appends)
// get the same answer from the live stream actor (its window of recent IDs)
// and from the store (after passivation): an idempotent result naming the
// stored events, nothing written. A reordered repeat is a duplicate on both
// paths (docs/invariants.md, "partial repeats").
func TestPartialRepeatAnswersTheSame(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, func(c *Config) { c.IdleTimeout = time.Minute; c.MaxLiveStreams = 1 })
	a, b := events(3), events(2)
	mustAppend(t, n, "p", eventstore.NoStream(), a)
	mustAppend(t, n, "p", eventstore.Exact(3), b)
	repeats := map[string][]eventstore.EventData{
		"prefix":         a[:2],
		"suffix":         a[1:],
		"span":           {a[2], b[0]},
		"whole":          b,
		"reordered":      {a[1], a[0]},
		"stored and new": append([]eventstore.EventData{b[1]}, events(1)...),
	}
	type answer struct {
		res eventstore.AppendResult
		err error
	}
	ask := func() map[string]answer {
		out := map[string]answer{}
		for name, evs := range repeats {
			res, err := n.Append(ctxT(t), "p", eventstore.Any(), evs)
			out[name] = answer{res, err}
		}
		return out
	}
	live := ask()
	if got := n.Stats().Passivations; got != 0 {
		t.Fatalf("%d passivations before the test asked for one", got)
	}
	mustAppend(t, n, "other", eventstore.NoStream(), events(1)) // evicts "p": the store answers next
	eventually(t, 5*time.Second, "passivation", func() bool { return n.Stats().Passivations > 0 })
	fromStore := ask()
	for name := range repeats {
		l, s := live[name], fromStore[name]
		if l.res != s.res || errors.Is(l.err, eventstore.ErrDuplicateEvent) != errors.Is(s.err, eventstore.ErrDuplicateEvent) ||
			(l.err == nil) != (s.err == nil) {
			t.Errorf("%s: live actor answered %+v %v, store answered %+v %v", name, l.res, l.err, s.res, s.err)
		}
	}
	if r := live["suffix"].res; live["suffix"].err != nil || !r.Idempotent || r.FirstVersion != 2 || r.LastVersion != 3 {
		t.Errorf("suffix: %+v %v, want the stored versions 2..3, idempotent", r, live["suffix"].err)
	}
	if r := live["span"].res; live["span"].err != nil || !r.Idempotent || r.FirstVersion != 3 || r.LastVersion != 4 {
		t.Errorf("span: %+v %v, want the stored versions 3..4, idempotent", r, live["span"].err)
	}
	for _, name := range []string{"reordered", "stored and new"} {
		if !errors.Is(live[name].err, eventstore.ErrDuplicateEvent) {
			t.Errorf("%s: %v, want a duplicate", name, live[name].err)
		}
	}
	if got := len(checkContiguous(t, store, "p")); got != 5 {
		t.Fatalf("stream has %d events, want 5 (nothing written by a repeat)", got)
	}
}
