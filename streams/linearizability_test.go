package streams

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/anishathalye/porcupine"
)

// lzInput is one operation on the stream: an append of one event with an
// expectation, or a read of the head.
type lzInput struct {
	read bool
	exp  eventstore.ExpectedVersion
}

// lzOutput is what the operation returned.
type lzOutput struct {
	ok       bool
	version  eventstore.Version // append: the new version; read: the head
	conflict bool
	actual   eventstore.Version
}

// versionedStream models one stream as its version.
var versionedStream = porcupine.Model{
	Init: func() any { return eventstore.Version(0) },
	Step: func(state, input, output any) (bool, any) {
		v, in, out := state.(eventstore.Version), input.(lzInput), output.(lzOutput)
		switch {
		case in.read:
			return out.ok && out.version == v, v
		case out.ok:
			return in.exp.Satisfied(v) && out.version == v+1, v + 1
		case out.conflict:
			return !in.exp.Satisfied(v) && out.actual == v, v
		}
		return false, v
	},
}

// TestAppendsAreLinearizable records a history of concurrent appends with
// all kinds of expectations, and reads, on one stream, and checks it
// against the model of a versioned stream.
func TestAppendsAreLinearizable(t *testing.T) {
	n := newNode(t, newStore(t), func(c *Config) { c.CacheBytes = 1 << 20 })
	const clients, ops = 12, 40
	start := time.Now()
	var (
		mu      sync.Mutex
		history []porcupine.Operation
		wg      sync.WaitGroup
	)
	for cl := 0; cl < clients; cl++ {
		wg.Go(func() {
			var seen eventstore.Version
			for i := 0; i < ops; i++ {
				in := randomInput(seen)
				call := time.Since(start).Nanoseconds()
				out := runOp(t, n, in)
				ret := time.Since(start).Nanoseconds()
				seen = max(seen, out.version, out.actual)
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: cl, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res := porcupine.CheckOperationsTimeout(versionedStream, history, 30*time.Second)
	if res != porcupine.Ok {
		t.Fatalf("history of %d operations is not linearizable (%v)", len(history), res)
	}
}

func randomInput(seen eventstore.Version) lzInput {
	switch rand.IntN(6) {
	case 0:
		return lzInput{read: true}
	case 1:
		return lzInput{exp: eventstore.Any()}
	case 2:
		return lzInput{exp: eventstore.NoStream()}
	case 3:
		return lzInput{exp: eventstore.StreamExists()}
	case 4:
		return lzInput{exp: eventstore.Exact(seen + 1)}
	}
	return lzInput{exp: eventstore.Exact(seen)}
}

func runOp(t *testing.T, n *Runtime, in lzInput) lzOutput {
	if in.read {
		evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "lz", From: eventstore.End,
			Direction: eventstore.Backward, Limit: 1})
		switch {
		case errors.Is(err, eventstore.ErrStreamNotFound):
			return lzOutput{ok: true}
		case err != nil:
			t.Errorf("read: %v", err)
			return lzOutput{}
		}
		return lzOutput{ok: true, version: evs[0].Version}
	}
	res, err := n.Append(ctxT(t), "lz", in.exp, events(1))
	var ce *eventstore.ConcurrencyError
	switch {
	case err == nil:
		return lzOutput{ok: true, version: res.LastVersion}
	case errors.As(err, &ce):
		return lzOutput{conflict: true, actual: ce.Actual}
	}
	t.Errorf("append: %v", err)
	return lzOutput{}
}
