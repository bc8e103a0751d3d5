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

// Inline returns p with the actor's mailbox run on the goroutine that
// sends to it while it is idle (protoactor's synchronized dispatcher),
// instead of on a new goroutine per burst of messages; a message that
// arrives while the mailbox runs is queued and handled by the goroutine
// running it, in order, as before. It saves a goroutine start and a wake-up
// per idle-to-busy turn of the mailbox, and suits only an actor whose
// Receive never blocks (it runs on its senders' goroutines: over remote,
// protoactor's endpoint reader of the sending peer's connection). A panic
// in Receive is still recovered by the mailbox and goes to the actor's
// supervisor.
func Inline(p *Props) *Props {
	return p.Clone(actor.WithDispatcher(actor.NewSynchronizedDispatcher(inlineThroughput)))
}

// inlineThroughput is how many messages an inline mailbox handles before it
// yields the goroutine (runtime.Gosched) once: protoactor's default
// dispatcher's throughput.
const inlineThroughput = 300
