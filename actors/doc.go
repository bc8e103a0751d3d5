// Package actors is the one adapter over protoactor-go. Nothing else in
// actorstore imports protoactor: other packages use the aliases and helpers
// here (PID, Props, lifecycle messages, Request, supervision).
//
// # Context
//
// Context is not protoactor's context but a small interface declared here
// with the methods actorstore's actors call (Self, Sender, Message,
// Respond, Send, Request, Spawn, Watch, Stop and a few more). An Actor
// receives a Context; PropsOf adapts it to protoactor, which hands its own
// context in (it satisfies Context, checked at compile time). A method the
// project needs from protoactor's context is added to Context here, not
// reached around it.
//
// # System
//
// NewSystem starts an actor system whose protoactor logs go to an injected
// zerolog.Logger (through zerolog's slog handler; protoactor's "message"
// attribute is renamed so records never carry two "message" keys).
//
// # Requests
//
// Request sends a message and waits for the reply, honouring the context's
// deadline and cancellation, with DefaultRequestTimeout when the context has
// none. A timeout returns a *TimeoutError (errors.Is ErrTimeout and
// eventstore.ErrTimeout); a request to a PID that does not exist returns
// ErrDeadLetter. No goroutine is started per request, and nothing is
// registered: the reply comes back through a reused reply slot whose
// sender PID carries a per-request ID (protoactor's PID.RequestId), so a
// late reply to a request that ended is dropped and never reaches the next
// request through that slot (reply.go). RequestWithin takes the timeout
// for a context without a deadline, so callers need no context.WithTimeout
// of their own; only such a request uses a timer (the slot's, reused).
//
// # Supervision
//
// NewSupervisorStrategy turns a supervisor.Policy into a one-for-one
// protoactor strategy with real, capped exponential restart backoff.
//
// # Cluster
//
// StartCluster makes a System a member of protoactor's cluster: automanaged
// membership over a seed list (its HTTP endpoint on a listener we bind,
// loopback by default), distributed-hash placement of virtual actors, the
// remote endpoint configured as StartRemote's. Cluster.Request reaches an
// identity's activation with ctx-bound attempts and retries (protoactor's
// cluster.Request mutates shared options and ignores contexts); Members
// and OnTopology report membership. protoactor's cluster code has data
// races of its own: test it across processes built without -race.
//
// # Concurrency
//
// System, Request and the strategy are safe for concurrent use. A Context is
// only valid inside the Receive call it was given to.
//
// Traps of protoactor avoided here (see the project notes): no Bounded
// mailboxes; requests carry their own timeouts; panics are supervised by
// error type, not text; the message whose handling panicked gets no reply
// from protoactor, so actors answer it themselves in their Restarting or
// Stopping handler; receive timeouts fire once and race (see ReceiveTimeout).
package actors
