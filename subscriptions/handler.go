package subscriptions

import (
	"context"
	"fmt"
	"sync"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
)

// Handler processes one event. It runs on the subscription's own
// goroutine, one event at a time, in order. ctx ends when the subscription
// is closed. An error is retried under HandlerOptions.Retry; then a durable
// subscription parks the event and goes on, any other one stops with a
// *HandlerError.
type Handler func(ctx context.Context, e eventstore.RecordedEvent) error

// HandlerOptions are the Go-side options of Subscribe.
type HandlerOptions struct {
	Options
	// Retry says how often a failing event is retried before it is parked
	// (durable) or stops the subscription (zero fields: defaults).
	Retry persistence.RetryPolicy
	// OnCaughtUp, when set, is called (on the handler goroutine) each time
	// the subscription switches from the store to live events.
	OnCaughtUp func(position uint64)
}

// Subscription is the handle of a handler subscription. Its methods are
// safe for concurrent use.
type Subscription struct {
	id     string
	sys    *actors.System
	runner *actors.PID
	r      *runner
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
}

// Subscribe runs h for every event o selects, in order, with credit-based
// flow control: the handler goroutine grants credits as it processes, so
// at most the window of events waits for it in memory.
func (h *Hub) Subscribe(ctx context.Context, o HandlerOptions, fn Handler) (*Subscription, error) {
	o.Window = max(o.Window, 0)
	if o.Window == 0 {
		o.Window = h.sh.cfg.Window
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r := &runner{in: make(chan any, o.Window+16), stopped: make(chan struct{}), fn: fn, opts: o, sys: h.sh.sys}
	s := &Subscription{sys: h.sh.sys, r: r, cancel: cancel, done: make(chan struct{})}
	s.runner = h.sh.sys.Spawn(actors.PropsOf(func() actors.Actor { return r }))
	var id string
	var err error
	if o.Group {
		// A member is subscribed through its group (group.go), which
		// forwards protobuf events: it stays on the wire path.
		_, id, err = h.SubscribeActor(ctx, s.runner, o.Options)
	} else {
		// Parsed once, here, by the rules a peer's request meets.
		var sp spec
		if sp, err = o.spec(RefOf(s.runner), h.sh.cfg); err == nil {
			sp.local = true
			_, id, err = h.subscribeLocal(ctx, sp)
		}
	}
	if err != nil {
		cancel()
		_ = h.sh.sys.StopWait(context.Background(), s.runner)
		return nil, err
	}
	s.id, r.self = id, s.runner
	go s.run(runCtx, r)
	return s, nil
}

// ID is the subscription's ID.
func (s *Subscription) ID() string { return s.id }

// Done is closed when the subscription has ended (Close, a handler that
// kept failing, or a drop by the hub).
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err is nil while running and after Close; otherwise it says why the
// subscription ended (*HandlerError, *DroppedError, ErrProtocol).
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the subscription and waits until its handler has returned.
// The subscription actor stops when it sees the handler's actor terminate.
func (s *Subscription) Close() error {
	s.cancel()
	<-s.done
	return nil
}

func (s *Subscription) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *Subscription) run(ctx context.Context, r *runner) {
	defer close(s.done)
	defer func() { _ = s.sys.StopWait(context.Background(), s.runner) }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.stopped:
			if r.overflow {
				s.fail(fmt.Errorf("%w: more messages than credits", ErrProtocol))
			}
			return
		case m := <-r.in:
			if err := r.handle(ctx, s.id, m); err != nil {
				if ctx.Err() == nil {
					s.fail(err)
				}
				return
			}
			if len(r.in) == 0 {
				r.flushCredits()
			}
		}
	}
}

// runner is the subscriber actor of a handler subscription: it moves each
// message into a channel that the handler goroutine reads. The channel
// holds the window plus room for control messages; the subscription never
// sends more, so the actor never blocks (a peer that does is a protocol
// violation, and the subscription ends).
type runner struct {
	in       chan any
	stopped  chan struct{}
	overflow bool // written before stopped is closed
	fn       Handler
	opts     HandlerOptions
	sys      *actors.System

	// Used by the handler goroutine only.
	self    *actors.PID // set before the goroutine starts
	sub     *actors.PID
	id      string
	seq     uint64
	owed    int    // credits earned but not granted yet
	pending uint64 // durable: newest processed position not yet acked
	acked   uint64
	// doneSeq is the sequence of the newest message processed, ackedSeq
	// the one last acknowledged: a group member's Ack carries it (its
	// events' positions are not in order when the group has several slots).
	doneSeq, ackedSeq uint64
	// Events received as Go values (*delivery) and as protobuf
	// (*messages.SubscriptionEvent: consumer-group members only); tests
	// read them after the subscription is done.
	localEvents, wireEvents int
}

func (r *runner) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *messages.Subscribed, *delivery, *messages.SubscriptionEvent, *messages.Checkpoint,
		*messages.CaughtUp, *messages.FellBehind, *messages.SubscriptionDropped:
		select {
		case r.in <- m:
		default:
			r.overflow = true
			c.Stop(c.Self())
		}
	case *actors.Stopped:
		close(r.stopped)
	}
}
