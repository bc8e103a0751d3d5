package streams

import (
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Messages between the Runtime API, the registry, stream actors and the
// writer. They are in-process Go values and never cross a process boundary.
// A message is never changed after it is sent.

// routed asks the registry to deliver msg to the actor of stream (spawning
// it when needed), keeping the original sender for the reply.
type routed struct {
	stream string
	msg    any
}

// appendCmd appends events to a stream if expected holds; the reply is an
// appendReply. The registry routes it by its stream as it is, without a
// routed wrapper (one allocation less per append).
type appendCmd struct {
	stream   string
	expected eventstore.ExpectedVersion
	events   []eventstore.EventData
	trace    string
	span     trace.SpanContext // the caller's span (invalid when not tracing)
	reply    actors.Replier    // the caller's reply slot, set by actors.Request (ADR 0026)
}

// SetReplier lets the stream actor answer the caller straight into its
// reply slot (actors.RepliedDirectly).
func (m *appendCmd) SetReplier(r actors.Replier) { m.reply = r }

// appendReply answers an appendCmd.
type appendReply struct {
	res eventstore.AppendResult
	err error
}

// readCmd reads from a stream's cache; the reply is a readReply. Like
// appendCmd, the registry routes it by its stream as it is.
type readCmd struct {
	read  eventstore.StreamRead
	reply actors.Replier // the caller's reply slot, set by actors.Request (ADR 0026)
}

// SetReplier lets the stream actor answer the caller straight into its
// reply slot (actors.RepliedDirectly).
func (m *readCmd) SetReplier(r actors.Replier) { m.reply = r }

// readReply answers a readCmd. hit is false when the store must be read.
type readReply struct {
	events []eventstore.RecordedEvent
	err    error
	hit    bool
}

// notLive is the registry's answer to a read of a stream without an actor.
type notLive struct{}

// reserveCmd asks a stream actor to hold itself for transaction tx once its
// own appends are committed, and to check req.Expected; the reply is a
// reserveReply.
type reserveCmd struct {
	tx  uint64
	req eventstore.AppendRequest
}

// reserveReply answers a reserveCmd: err is a *ConcurrencyError when the
// expectation failed (the stream is then not held).
//
// When granted, at is the version the stream will have once everything
// the writer holds of it before this transaction commits as projected
// (the committed version when the writer holds nothing of it), and
// exact says whether the transaction may be sent with Exact(at) in place
// of its caller's expectation (ADR 0028): false for a probable retry of
// committed events, which the store answers by their IDs.
type reserveReply struct {
	pid   *actors.PID
	err   error
	at    eventstore.Version
	exact bool
}

// releaseCmd ends transaction tx's hold on a stream without writing.
type releaseCmd struct{ tx uint64 }

// drainCmd asks for a drainedReply once every accepted append is answered.
type drainCmd struct{}

// drainedReply answers a drainCmd; pid is who drained.
type drainedReply struct{ pid *actors.PID }

// flushReq is a stream actor's request to the writer to commit req.
type flushReq struct {
	pid *actors.PID
	seq uint64
	req eventstore.AppendRequest
	// spans are the appends' stream actor spans, linked from the commit's
	// span (nil when not tracing).
	spans []trace.SpanContext
}

// flushDone answers a flushReq: err is set when the whole batch failed,
// otherwise res (whose Err may be set). events are the flush's events as
// recorded (nil when it appended none): a part of the batch's one array of
// recorded events, shared with OnCommit; nobody changes them.
type flushDone struct {
	seq       uint64
	res       eventstore.AppendResult
	err       error
	committed time.Time
	events    []eventstore.RecordedEvent
}

// txFlush asks the writer to commit a transaction; the reply is a txResult
// to the sender, and every stream actor in pids gets a txDone. Once it has
// queued it, the writer sends the txFlush itself to every stream actor in
// pids: the notice that the transaction is queued (ADR 0025).
type txFlush struct {
	tx   uint64
	reqs []eventstore.AppendRequest
	pids []*actors.PID
	span trace.SpanContext // the caller's span, linked from the commit's span
	// orig holds the caller's own expectation of each request whose
	// expectation in reqs was made exact from its grant (nil: none was;
	// ADR 0028). When the store refuses such a request with a conflict,
	// the writer commits the transaction again with these.
	orig []*eventstore.ExpectedVersion
}

// txResult answers a txFlush.
type txResult struct {
	results []eventstore.AppendResult
	err     error
}

// txDone tells a stream actor the outcome of its part of transaction tx.
type txDone struct {
	tx        uint64
	req       eventstore.AppendRequest
	res       eventstore.AppendResult
	err       error
	committed time.Time
	events    []eventstore.RecordedEvent // as in flushDone
}

// awaitIdle asks the writer for an idleNow once stream has nothing queued
// or being committed.
type awaitIdle struct{ stream string }

// idleNow answers awaitIdle.
type idleNow struct{}

// loaded carries a stream's head and newest events, read off the mailbox.
type loaded struct {
	epoch  uint64
	start  time.Time // when the load began: the head is at least this fresh
	head   eventstore.StreamHead
	recent []eventstore.RecordedEvent
	ret    persistence.Retention // what deletes and metadata hide
	err    error
}

// idleReport tells the registry that a stream actor is idle after seeing
// seen routed messages.
type idleReport struct {
	stream string
	pid    *actors.PID
	seen   uint64
}

// checkIdle asks a stream actor for an idleReport if it is idle.
type checkIdle struct{}

// sweepTick makes the registry look for idle stream actors.
type sweepTick struct{}

// passivateIdle asks the registry to passivate the idle stream actors of
// streams, or every idle stream actor when streams is empty.
type passivateIdle struct{ streams []string }

// batchDone carries the outcome of one Store.AppendBatch back to the writer.
// answered: the commit goroutine has answered the batch (one flush) and
// called OnCommit; appended and requests are then what it committed.
type batchDone struct {
	results            []eventstore.AppendResult
	err                error
	answered           bool
	appended, requests int
}
