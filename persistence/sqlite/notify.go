package sqlite

import (
	"context"
	"sync"

	"github.com/actorstore/actorstore/eventstore"
)

// broadcaster hands the newest committed position to every Notifications
// channel of this process. Each channel has capacity 1 and holds only the
// newest position: a slow reader skips intermediate ones, never the last.
type broadcaster struct {
	mu     sync.Mutex
	subs   map[chan eventstore.Position]struct{}
	last   eventstore.Position
	closed bool
	done   chan struct{}  // closed by close: ends the watcher goroutines
	wg     sync.WaitGroup // the watcher goroutines
}

func newBroadcaster() *broadcaster {
	return &broadcaster{subs: make(map[chan eventstore.Position]struct{}), done: make(chan struct{})}
}

// publish signals pos to every channel unless a newer position was already
// signalled (commits may finish publishing out of order).
func (b *broadcaster) publish(pos eventstore.Position) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || pos <= b.last {
		return
	}
	b.last = pos
	for ch := range b.subs {
		select {
		case ch <- pos:
		default:
			// Full: replace the older position. Only this goroutine (holding
			// mu) sends, so after draining the send cannot block.
			select {
			case <-ch:
			default:
			}
			ch <- pos
		}
	}
}

// subscribe returns a channel that is closed when ctx ends or the
// broadcaster closes.
func (b *broadcaster) subscribe(ctx context.Context) <-chan eventstore.Position {
	ch := make(chan eventstore.Position, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return ch
	}
	b.subs[ch] = struct{}{}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		select {
		case <-ctx.Done():
		case <-b.done:
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}()
	return ch
}

// close closes every channel and waits for the watcher goroutines.
func (b *broadcaster) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
	close(b.done)
	b.mu.Unlock()
	b.wg.Wait()
}

// Notifications returns a channel that receives the newest committed global
// position after each commit made through this Store. Signals coalesce: the
// channel (capacity 1) holds only the newest position. It is closed when ctx
// ends or the store closes.
//
// Only commits of this process are signalled: another process writing the
// same file is not seen (storetest.Features.MultiProcess is false for this
// backend). Readers that must see such commits poll LastPosition.
func (s *Store) Notifications(ctx context.Context) (<-chan eventstore.Position, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, eventstore.ErrClosed
	}
	return s.notify.subscribe(ctx), nil
}
