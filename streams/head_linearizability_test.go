package streams

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/actorstore/actorstore/eventstore"
)

// TestHeadAndReadStreamAreLinearizable records a history of concurrent
// appends with all kinds of expectations, Heads and ReadStreams of one
// stream (reads served from the actor's cache, and from the store), and
// checks it against the model of a versioned stream: whichever path serves
// a read, no read sees less than a read that finished before it began.
func TestHeadAndReadStreamAreLinearizable(t *testing.T) {
	for _, cache := range []struct {
		name  string
		bytes int
	}{{"cached", 1 << 20}, {"uncached", -1}} {
		t.Run(cache.name, func(t *testing.T) {
			n := newNode(t, newStore(t), func(c *Config) { c.CacheBytes = cache.bytes })
			const clients, ops = 12, 60
			start := time.Now()
			var (
				mu      sync.Mutex
				history []porcupine.Operation
				wg      sync.WaitGroup
			)
			for cl := range clients {
				wg.Go(func() {
					var seen eventstore.Version
					for range ops {
						in := randomInput(seen)
						call := time.Since(start).Nanoseconds()
						var out lzOutput
						if in.read && rand.IntN(2) == 0 {
							out = headOp(t, n)
						} else {
							out = runOp(t, n, in)
						}
						ret := time.Since(start).Nanoseconds()
						seen = max(seen, out.version, out.actual)
						mu.Lock()
						history = append(history, porcupine.Operation{ClientId: cl, Input: in, Call: call, Output: out, Return: ret})
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if res := porcupine.CheckOperationsTimeout(versionedStream, history, 30*time.Second); res != porcupine.Ok {
				t.Fatalf("history of %d operations mixing Head and ReadStream is not linearizable (%v)", len(history), res)
			}
		})
	}
}

func headOp(t *testing.T, n *Runtime) lzOutput {
	h, err := n.Head(ctxT(t), "lz")
	if err != nil {
		t.Errorf("head: %v", err)
		return lzOutput{}
	}
	return lzOutput{ok: true, version: h.Version}
}

// TestReadAfterHeadNeverSeesLess: while writers append, one client calls
// Head and then ReadStream, again and again: the read, issued after the
// Head returned version v, must see at least v (a read answered from the
// actor's cache once returned v-1 while the commit of v was not yet
// acknowledged to the actor, which the Head read from the store had seen).
func TestReadAfterHeadNeverSeesLess(t *testing.T) {
	n := newNode(t, newStore(t), func(c *Config) { c.CacheBytes = 1 << 20 })
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := n.Append(ctxT(t), "hr", eventstore.Any(), events(1)); err != nil {
					t.Errorf("append: %v", err)
					return
				}
			}
		})
	}
	defer func() { close(done); wg.Wait() }()
	for i := range 4000 {
		h, err := n.Head(ctxT(t), "hr")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := n.ReadStream(ctxT(t), eventstore.StreamRead{Stream: "hr", From: eventstore.End,
			Direction: eventstore.Backward, Limit: 1})
		if err != nil && h.Version > 0 {
			t.Fatalf("read after head %d: %v", h.Version, err)
		}
		if len(evs) > 0 && evs[0].Version < h.Version {
			t.Fatalf("round %d: ReadStream returned version %d after Head returned %d", i, evs[0].Version, h.Version)
		}
	}
}
