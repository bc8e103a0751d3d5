package actors

import "github.com/asynkron/protoactor-go/actor"

// Context is what an actor sees while it handles one message: the message,
// who sent it, and the few things an actor of actorstore does in reply
// (answer, send, spawn and watch other actors, stop). It is the subset of
// protoactor's actor.Context the project uses, declared here so that
// streams, subscriptions and node depend on this small interface and not on
// protoactor's whole one; actors/ hands protoactor's context in (see
// PropsOf). A Context is valid only inside the Receive call it was passed
// to and must not be kept or shared between goroutines.
type Context interface {
	// Self is the PID of the actor handling the message.
	Self() *PID
	// Parent is the PID of the actor that spawned this one.
	Parent() *PID
	// Children lists the live children of this actor.
	Children() []*PID

	// Message is the message being handled (the payload, without the
	// envelope).
	Message() any
	// Sender is the PID the message came from, nil for a plain Send.
	Sender() *PID

	// Respond answers the sender of the message being handled.
	Respond(response any)
	// Send delivers msg to pid without a sender.
	Send(pid *PID, msg any)
	// Request delivers msg to pid with this actor as the sender.
	Request(pid *PID, msg any)
	// RequestWithCustomSender delivers msg to pid with sender as the sender.
	RequestWithCustomSender(pid *PID, msg any, sender *PID)
	// Forward passes the message being handled on to pid, sender kept.
	Forward(pid *PID)

	// Spawn starts a child of this actor.
	Spawn(props *Props) *PID
	// Watch asks for a Terminated message when pid stops.
	Watch(pid *PID)
	// Unwatch cancels Watch.
	Unwatch(pid *PID)
	// Stop stops pid at once (after the message it is handling).
	Stop(pid *PID)
	// Poison stops pid after the messages already in its mailbox.
	Poison(pid *PID)
}

// protoactor's context has every method of Context, so actors/ can pass
// it in as is.
var _ Context = (actor.Context)(nil)

// headerContext is the part of protoactor's context that only actors/
// reads: the header the message travelled with (see TraceContext).
type headerContext interface {
	MessageHeader() actor.ReadonlyMessageHeader
}

var _ headerContext = (actor.Context)(nil)

// Actor is anything with Receive(Context). PropsOf adapts it to protoactor.
type Actor interface {
	Receive(c Context)
}

// receiver adapts an Actor to protoactor's actor.Actor: protoactor hands
// its full context in, the Actor sees only Context.
type receiver struct{ a Actor }

func (r receiver) Receive(c actor.Context) { r.a.Receive(c) }

var _ actor.Actor = receiver{}

// PropsOf returns props that create actors with producer. Every restart
// calls producer again for a fresh instance.
func PropsOf(producer func() Actor) *Props {
	return actor.PropsFromProducer(func() actor.Actor { return receiver{producer()} })
}
