package streams

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// TestOverlappingTransactionsAllCommit: many concurrent transactions over
// overlapping sets of 3 of 6 streams, each naming its streams in a random
// order, all commit (none deadlocks until its timeout), and every stream
// has exactly the events of the transactions that named it, contiguous.
func TestOverlappingTransactionsAllCommit(t *testing.T) {
	store := newStore(t)
	n := newNode(t, store, nil)
	const callers, each, width, pool = 24, 8, 3, 6
	var mu sync.Mutex
	want := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for w := 0; w < callers; w++ {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for range each {
				perm := rng.Perm(pool)[:width]
				reqs := make([]eventstore.AppendRequest, width)
				for k, p := range perm {
					reqs[k] = eventstore.AppendRequest{Stream: fmt.Sprintf("o-%d", p),
						Expected: eventstore.Any(), Events: events(1)}
				}
				_, err := n.Transact(ctxT(t), reqs)
				errs <- err
				if err == nil {
					mu.Lock()
					for _, r := range reqs {
						want[r.Stream]++
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for p := range pool {
		s := fmt.Sprintf("o-%d", p)
		if got := len(checkContiguous(t, store, s)); got != want[s] {
			t.Fatalf("%s has %d events, want %d", s, got, want[s])
		}
	}
}
