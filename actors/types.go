package actors

import "github.com/asynkron/protoactor-go/actor"

// Aliases of the protoactor types the rest of actorstore uses. They are
// aliases, not new types, so values pass straight to protoactor. The actor
// context is not an alias: Context (context.go) is the small interface of
// the methods the project uses.
type (
	// PID addresses an actor.
	PID = actor.PID
	// Props says how to create (and supervise) an actor.
	Props = actor.Props
	// Strategy supervises the children of an actor.
	Strategy = actor.SupervisorStrategy

	// Started is delivered when an actor (or a restarted incarnation) starts.
	Started = actor.Started
	// Stopping is delivered before an actor stops; answer waiting callers here.
	Stopping = actor.Stopping
	// Stopped is delivered after an actor stopped.
	Stopped = actor.Stopped
	// Restarting is delivered to the failed incarnation before it is replaced.
	Restarting = actor.Restarting
	// Terminated tells a watcher (or parent) that an actor has stopped.
	Terminated = actor.Terminated
	// ReceiveTimeout is delivered after Context.SetReceiveTimeout's idle
	// period. Beware: it fires once (the timeout must be set again), and
	// protoactor's timer goroutine writes the actor's context, a data race
	// with the actor's own goroutine. streams keeps its own clock instead.
	ReceiveTimeout = actor.ReceiveTimeout
	// PoisonPill stops an actor after the messages already in its mailbox.
	PoisonPill = actor.PoisonPill
)

// WithStrategy returns a copy of p whose children are supervised by s.
func WithStrategy(p *Props, s Strategy) *Props {
	return p.Clone(actor.WithSupervisor(s))
}

// SamePID reports whether a and b address the same actor.
func SamePID(a, b *PID) bool {
	return a != nil && b != nil && a.Equal(b)
}
