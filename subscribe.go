package actorstore

import (
	"context"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/subscriptions"
)

// Subscription types, under the names users of the root package see. See
// package subscriptions for the full documentation.
type (
	// Subscription is the handle of a running handler subscription: Close,
	// Done, Err.
	Subscription = subscriptions.Subscription
	// SubscribeOptions select what a subscription delivers (one stream or
	// all, where it starts, filter, credit window, durable name, consumer
	// group) and how a failing handler is retried.
	SubscribeOptions = subscriptions.HandlerOptions
	// SubscriptionOptions are the options of an actor subscriber.
	SubscriptionOptions = subscriptions.Options
	// Handler processes one event; an error is retried, then the event is
	// parked (durable subscriptions) or the subscription stops.
	Handler = subscriptions.Handler
	// ParkedEvent is an event a durable subscription gave up on.
	ParkedEvent = subscriptions.ParkedEvent
)

// Where a subscription starts.
const (
	FromBeginning = subscriptions.FromBeginning
	FromEnd       = subscriptions.FromEnd
	FromAt        = subscriptions.FromAt
)

// Subscribe runs h for every event o selects: first the history from the
// store, then live events as they commit, in order, each once, with no gap
// at the switch. At most o.Window events wait for h in memory (credit-based
// flow control), so a slow handler never slows appends. Durable
// subscriptions (o.Durable) resume after their checkpoint, at least once.
// With Config.Schemas set, h sees events upcast to the latest version of
// their type. Close the returned Subscription when done; Close of the Store
// ends it too.
func (s *Store) Subscribe(ctx context.Context, o SubscribeOptions, h Handler) (*Subscription, error) {
	return s.hub.Subscribe(ctx, o, s.upcastHandler(h))
}

// SubscribeActor subscribes an actor (local, or remote over protoactor
// remote): it receives messages.SubscriptionEvent, CaughtUp, FellBehind
// and Checkpoint messages and grants credits with messages.Credit. The
// subscription watches the subscriber and ends when it stops. It returns
// the subscription actor's PID and the subscription ID.
func (s *Store) SubscribeActor(ctx context.Context, subscriber *actors.PID, o SubscriptionOptions) (*actors.PID, string, error) {
	return s.hub.SubscribeActor(ctx, subscriber, o)
}

// Parked lists up to limit events that the durable subscription name
// parked, from the parked stream's version from.
func (s *Store) Parked(ctx context.Context, name string, from uint64, limit int) ([]ParkedEvent, error) {
	return subscriptions.Parked(ctx, s.db, name, from, limit)
}

// ReplayParked hands the parked events of durable subscription name to h,
// from where the last replay stopped; it returns how many it handed over.
func (s *Store) ReplayParked(ctx context.Context, name string, h Handler) (int, error) {
	return subscriptions.ReplayParked(ctx, s.db, name, h)
}

// ActorSystem is the actor system the store runs on, for embedding
// services that spawn their own actors beside it (and subscribe them with
// SubscribeActor).
func (s *Store) ActorSystem() *actors.System { return s.sys }

// SubscriptionHub is the node's subscription fan-out; the node's protocol
// endpoint hands it subscription requests from peers.
func (s *Store) SubscriptionHub() *subscriptions.Hub { return s.hub }
