package streams

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/actors/actortest"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// outcome is one append's result as a writer saw it.
type outcome struct {
	stream string
	ids    []uuid.UUID
	res    eventstore.AppendResult
	err    error
	seen   eventstore.Version // the version the writer last knew before the call
}

// TestManyWritersManyStreamsAndOneHotStream runs hundreds of goroutines:
// writers of their own streams with exact versions, and writers of one hot
// stream with any and exact versions. Versions stay contiguous, every
// success is stored where it says, every conflict names a plausible actual.
func TestManyWritersManyStreamsAndOneHotStream(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	const own, hot, rounds = 120, 80, 5
	var (
		mu  sync.Mutex
		out []outcome
		wg  sync.WaitGroup
	)
	record := func(o outcome) {
		mu.Lock()
		out = append(out, o)
		mu.Unlock()
	}
	for w := 0; w < own; w++ {
		wg.Go(func() {
			stream := fmt.Sprintf("own-%d", w%40) // three writers per stream
			var v eventstore.Version
			for r := 0; r < rounds; r++ {
				o := appendOnce(n, stream, eventstore.Exact(v), 1+r%2)
				o.seen = v
				record(o)
				v = nextKnown(o, v)
			}
		})
	}
	for w := 0; w < hot; w++ {
		wg.Go(func() {
			var v eventstore.Version
			for r := 0; r < rounds; r++ {
				exp := eventstore.Any()
				if w%2 == 0 {
					exp = eventstore.Exact(v)
				}
				o := appendOnce(n, "hot", exp, 1)
				o.seen = v
				record(o)
				v = nextKnown(o, v)
			}
		})
	}
	wg.Wait()
	verifyOutcomes(t, store, out)
	t.Logf("stats: %+v", n.Stats())
}

func appendOnce(n *Runtime, stream string, exp eventstore.ExpectedVersion, k int) outcome {
	evs := events(k)
	o := outcome{stream: stream}
	for _, e := range evs {
		o.ids = append(o.ids, e.ID)
	}
	o.res, o.err = n.Append(ctxBackground(), stream, exp, evs)
	return o
}

// nextKnown is the version a writer knows after o.
func nextKnown(o outcome, v eventstore.Version) eventstore.Version {
	var ce *eventstore.ConcurrencyError
	switch {
	case o.err == nil:
		return o.res.LastVersion
	case errors.As(o.err, &ce):
		return ce.Actual
	}
	return v
}

func verifyOutcomes(t *testing.T, store persistence.Store, out []outcome) {
	t.Helper()
	stored := map[string]map[uuid.UUID]eventstore.RecordedEvent{}
	final := map[string]eventstore.Version{}
	for _, o := range out {
		if stored[o.stream] == nil {
			stored[o.stream] = checkContiguous(t, store, o.stream)
			final[o.stream] = eventstore.Version(len(stored[o.stream]))
		}
	}
	committed := map[string]int{}
	for _, o := range out {
		var ce *eventstore.ConcurrencyError
		switch {
		case o.err == nil:
			for i, id := range o.ids {
				e, ok := stored[o.stream][id]
				if !ok || e.Version != o.res.FirstVersion+eventstore.Version(i) || e.Position != o.res.FirstPosition+uint64(i) {
					t.Fatalf("acknowledged event %s of %s not stored as reported (%+v, stored %+v)", id, o.stream, o.res, e)
				}
			}
			committed[o.stream] += len(o.ids)
		case errors.As(o.err, &ce):
			if ce.Actual < o.seen || ce.Actual > final[o.stream] || ce.Expected.Satisfied(ce.Actual) {
				t.Fatalf("conflict on %s: %v (writer had seen %d, final %d)", o.stream, o.err, o.seen, final[o.stream])
			}
			for _, id := range o.ids {
				if _, ok := stored[o.stream][id]; ok {
					t.Fatalf("failed append's event %s was stored", id)
				}
			}
		default:
			t.Fatalf("unexpected error: %v", o.err)
		}
	}
	for s, k := range committed {
		if eventstore.Version(k) != final[s] {
			t.Fatalf("stream %s has %d events, %d acknowledged", s, final[s], k)
		}
	}
}

// TestPipelinedExactAppends sends many appends with consecutive exact
// versions without waiting for replies: all are accepted against the
// version projected from those before them and committed in order.
func TestPipelinedExactAppends(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	probe := actortest.NewProbe(t, n.sh.sys)
	const k = 100
	for i := 0; i < k; i++ {
		cmd := &appendCmd{stream: "p", expected: eventstore.Exact(eventstore.Version(i)), events: events(1)}
		n.sh.sys.SendFrom(n.registry, &routed{stream: "p", msg: cmd}, probe.PID())
	}
	seen := map[eventstore.Version]bool{}
	for i := 0; i < k; i++ {
		r := actortest.ExpectMsgType[*appendReply](t, probe, 10*time.Second)
		if r.err != nil {
			t.Fatalf("pipelined append: %v", r.err)
		}
		seen[r.res.FirstVersion] = true
	}
	if len(seen) != k {
		t.Fatalf("got %d distinct versions, want %d", len(seen), k)
	}
	if got := len(checkContiguous(t, store, "p")); got != k {
		t.Fatalf("stored %d events, want %d", got, k)
	}
	if s := n.Stats(); s.Batches >= k {
		t.Logf("no batching happened: %+v", s)
	}
}
