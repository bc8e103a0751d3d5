package streams

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// turnStore counts the head reads in progress at once; each holds for a
// few milliseconds so that readers overlap when they may.
type turnStore struct {
	persistence.Store
	now, most atomic.Int32
}

func (s *turnStore) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	n := s.now.Add(1)
	defer s.now.Add(-1)
	for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
	}
	time.Sleep(5 * time.Millisecond)
	return s.Store.Head(ctx, stream)
}

// TestStreamLoadsTakeTurns: forty new streams started at once read their
// heads at most Config.MaxLoads at a time (and do use that many), and
// every append is answered.
func TestStreamLoadsTakeTurns(t *testing.T) {
	for _, limit := range []int{0, 3} { // 0: the default
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			want := int32(limit)
			if limit == 0 {
				want = DefaultMaxLoads
			}
			store := &turnStore{Store: newStore(t)}
			n := newNode(t, store, func(c *Config) { c.MaxLoads = limit })
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := n.Append(ctxT(t), fmt.Sprintf("turns-%d", i), eventstore.NoStream(), events(1))
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := store.most.Load(); got != want {
				t.Errorf("at most %d head reads at once, want %d", got, want)
			}
		})
	}
}
