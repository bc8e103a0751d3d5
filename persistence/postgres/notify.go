package postgres

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/jackc/pgx/v5"
)

// notifier owns the store's one LISTEN connection and fans its signals
// out to every Notifications channel. It starts with the first subscriber
// and runs until the store closes.
type notifier struct {
	s    *Store
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	// cancel stops the listener; nil until it starts.
	cancel context.CancelFunc
	closed bool
	wg     sync.WaitGroup
}

type subscriber struct {
	ch   chan eventstore.Position // capacity 1: holds the newest position
	stop func() bool              // unregisters the ctx callback
}

func newNotifier(s *Store) *notifier {
	return &notifier{s: s, subs: map[*subscriber]struct{}{}}
}

// Notifications implements persistence.Store. All channels of a store
// share one LISTEN connection. Each channel holds at most one signal, the
// newest position. After the connection is lost and regained, every
// channel receives the newest committed position.
func (s *Store) Notifications(ctx context.Context) (<-chan eventstore.Position, error) {
	return s.notifier.subscribe(ctx)
}

func (n *notifier) subscribe(ctx context.Context) (<-chan eventstore.Position, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, eventstore.ErrClosed
	}
	sub := &subscriber{ch: make(chan eventstore.Position, 1)}
	n.subs[sub] = struct{}{}
	sub.stop = context.AfterFunc(ctx, func() { n.remove(sub) })
	if n.cancel == nil {
		lctx, cancel := context.WithCancel(context.Background())
		n.cancel = cancel
		n.wg.Add(1)
		go n.run(lctx)
	}
	return sub.ch, nil
}

func (n *notifier) remove(sub *subscriber) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.subs[sub]; ok {
		delete(n.subs, sub)
		close(sub.ch)
	}
}

// close closes every channel and waits for the listener to stop.
func (n *notifier) close() {
	n.mu.Lock()
	n.closed = true
	for sub := range n.subs {
		sub.stop()
		delete(n.subs, sub)
		close(sub.ch)
	}
	if n.cancel != nil {
		n.cancel()
	}
	n.mu.Unlock()
	n.wg.Wait()
}

// publish offers pos to every channel, replacing an older unread signal.
func (n *notifier) publish(pos eventstore.Position) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for sub := range n.subs {
		select {
		case sub.ch <- pos:
			continue
		default:
		}
		select { // full: keep the newer of the two
		case old := <-sub.ch:
			pos := max(pos, old)
			sub.ch <- pos
		default:
			sub.ch <- pos
		}
	}
}

// run keeps a LISTEN connection open until ctx ends, reconnecting with
// backoff after failures.
func (n *notifier) run(ctx context.Context) {
	defer n.wg.Done()
	b := n.s.cfg.RetryPolicy.NewBackOff()
	for {
		connected, err := n.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			b.Reset()
		}
		wait := b.NextBackOff()
		n.s.log.Warn().Str("host", n.s.host).Dur("retry_in", wait).
			Err(redact(err, n.s.password, n.s.cfg.URL)).Msg("postgres: notification connection lost")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// listen connects, LISTENs, publishes the newest position (so a gap in
// signals while disconnected hides nothing), then relays notifications
// until the connection fails. connected reports whether LISTEN succeeded.
func (n *notifier) listen(ctx context.Context) (connected bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, n.s.poolCfg.ConnConfig.Copy())
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{n.s.cfg.NotifyChannel}.Sanitize()); err != nil {
		return false, err
	}
	var last int64
	if err := conn.QueryRow(ctx, sqlLastPosition).Scan(&last); err != nil {
		return false, err
	}
	if last > 0 {
		n.publish(uint64(last))
	}
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		if pos, err := strconv.ParseUint(note.Payload, 10, 64); err == nil {
			n.publish(pos)
		}
	}
}
