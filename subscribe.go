package actorstore

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/subscriptions"
)

// Start says where a subscription begins.
type Start int32

// Where a subscription starts.
const (
	// FromBeginning: the first event of all streams (or of the stream).
	FromBeginning = Start(subscriptions.FromBeginning)
	// FromEnd: only events committed after the subscription started.
	FromEnd = Start(subscriptions.FromEnd)
	// FromAt: at SubscribeOptions.At, a position (all streams) or a
	// version (one stream), inclusive.
	FromAt = Start(subscriptions.FromAt)
)

// SubscribeOptions select what a subscription delivers and how a failing
// handler is retried. The zero value subscribes to all events (but the
// "$"-prefixed system streams) from the beginning, with the default
// window and retries.
type SubscribeOptions struct {
	// ID names the subscription; empty for a random one.
	ID string
	// Stream subscribes to one stream; empty for all streams.
	Stream string
	// Start and At: where delivery begins (At is inclusive).
	Start Start
	At    uint64
	// Filter keeps some events only. StreamPrefix applies to all-stream
	// subscriptions; EventTypes to both kinds.
	Filter Filter
	// IncludeSystemStreams delivers "$"-prefixed streams too.
	IncludeSystemStreams bool
	// Window is the credit window: at most this many events wait for the
	// handler in memory (0: Config.Subscriptions.Window).
	Window int
	// Durable names a durable subscription: it resumes after the checkpoint
	// stored under this name, and events it gives up on are parked.
	Durable string
	// Group joins the consumer group Durable as a member (all-stream
	// subscriptions only): the group's events are shared among members.
	Group bool
	// GroupSlots splits a group's events by stream into this many slots
	// (1 to 256; 0 is 1), each with its own checkpoint and lease, spread
	// over the processes on the database that have members of the group:
	// each process's members share the slots it holds. With one slot the
	// whole group runs in one process at a time (the others stand by).
	// Every member of a group must give the same number. See
	// docs/adr/0022-consumer-group-slots.md.
	GroupSlots int
	// Retry says how often a failing event is retried before it is parked
	// (durable) or stops the subscription (zero fields: 5 attempts, 50ms
	// doubling to 2s, jittered).
	Retry RetryPolicy
	// OnCaughtUp, when set, is called (on the handler goroutine) each time
	// the subscription switches from the store to live events.
	OnCaughtUp func(position uint64)
}

// options is o in the subscriptions package's terms; the hub checks them.
func (o SubscribeOptions) options() subscriptions.HandlerOptions {
	return subscriptions.HandlerOptions{
		Options: subscriptions.Options{ID: o.ID, Stream: o.Stream, Start: subscriptions.Start(o.Start), At: o.At,
			Filter: o.Filter, IncludeSystemStreams: o.IncludeSystemStreams, Window: o.Window,
			Durable: o.Durable, Group: o.Group, GroupSlots: o.GroupSlots},
		Retry:      o.Retry.policy(),
		OnCaughtUp: o.OnCaughtUp,
	}
}

// Handler processes one event; an error is retried, then the event is
// parked (durable subscriptions) or the subscription stops.
type Handler = func(ctx context.Context, e eventstore.RecordedEvent) error

// Subscription is the handle of a running subscription. Its methods are
// safe for concurrent use.
type Subscription struct{ s *subscriptions.Subscription }

// ID is the subscription's ID.
func (s *Subscription) ID() string { return s.s.ID() }

// Done is closed when the subscription has ended (Close, Store.Close, or
// a handler that failed for good).
func (s *Subscription) Done() <-chan struct{} { return s.s.Done() }

// Err is why the subscription ended (nil after Close, or while it runs).
func (s *Subscription) Err() error { return s.s.Err() }

// Close ends the subscription and waits until its handler has returned.
// Safe to call more than once.
func (s *Subscription) Close() error { return s.s.Close() }

// ParkedEvent is an event a durable subscription gave up on.
type ParkedEvent struct {
	// Original is the event as it was delivered.
	Original RecordedEvent
	// Reason says why the handler gave up on it.
	Reason string
	// ParkedVersion is its version in the parked stream.
	ParkedVersion uint64
}

// Subscribe runs h for every event o selects: first the history from the
// store, then live events as they commit, in order, each once, with no gap
// at the switch. At most o.Window events wait for h in memory (credit-based
// flow control), so a slow handler never slows appends. Durable
// subscriptions (o.Durable) resume after their checkpoint, at least once.
// With Config.Schemas set, h sees events upcast to the latest version of
// their type. Close the returned Subscription when done; Close of the Store
// ends it too. Bad options give an *InputError.
func (s *Store) Subscribe(ctx context.Context, o SubscribeOptions, h Handler) (*Subscription, error) {
	sub, err := s.hub.Subscribe(ctx, o.options(), s.upcastHandler(h))
	if err != nil {
		return nil, err
	}
	return &Subscription{sub}, nil
}

// Parked lists up to limit events that the durable subscription name
// parked, from the parked stream's version from.
func (s *Store) Parked(ctx context.Context, name string, from uint64, limit int) ([]ParkedEvent, error) {
	ps, err := subscriptions.Parked(ctx, s.db, name, from, limit)
	out := make([]ParkedEvent, len(ps))
	for i, p := range ps {
		out[i] = ParkedEvent(p)
	}
	return out, err
}

// ReplayParked hands the parked events of durable subscription name to h,
// from where the last replay stopped; it returns how many it handed over.
func (s *Store) ReplayParked(ctx context.Context, name string, h Handler) (int, error) {
	return subscriptions.ReplayParked(ctx, s.db, name, h)
}
