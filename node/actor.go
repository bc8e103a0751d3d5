package node

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"

	// The schemas package registers the wire form of its *ValidationError.
	_ "github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

// apiActor receives the peers' requests. It decodes and validates each one
// in its mailbox (cheap, no I/O), then runs the operation on a goroutine
// and replies from there to the captured sender, so a slow database never
// blocks the mailbox. It never panics on a peer's input: everything it
// cannot serve is answered with an Error.
type apiActor struct{ n *Node }

// job is a decoded, valid request.
type job struct {
	name string // the operation, for spans and logs
	opts *messages.RequestOptions
	run  func(ctx context.Context) proto.Message
}

func (a *apiActor) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started, *actors.Stopping, *actors.Stopped, *actors.Restarting:
		return
	case *messages.StatusRequest:
		a.n.reply(c.Sender(), &messages.StatusReply{Outcome: &messages.StatusReply_Result{Result: a.n.status()}})
	case *messages.AppendBatchRequest:
		if a.n.cfg.NoAppendBatch {
			a.n.handle(c.Sender(), m, false, actors.TraceContext(context.Background(), c))
			return
		}
		a.n.handleBatch(c.Sender(), m, actors.TraceContext(context.Background(), c))
	default:
		a.n.handle(c.Sender(), m, false, actors.TraceContext(context.Background(), c))
	}
}

// handle decodes msg and runs it off the mailbox, replying to sender. In a
// cluster, appends and stream reads are routed to the stream's owner
// unless local is set (the request arrived at the owner's stream grain).
// trace carries the trace of the request's message header (see
// actors.TraceContext).
func (n *Node) handle(sender *actors.PID, msg any, local bool, trace context.Context) {
	// A request this node routed to its own grain is part of a request it
	// admitted already: it is served even while the node drains.
	fromSelf := local && sender != nil && sender.Address == n.Address()
	j, refused := n.prepare(msg, local, fromSelf, trace)
	if refused != nil {
		n.reply(sender, refused)
		return
	}
	n.workers.run(func() {
		defer n.done()
		ctx, cancel := n.requestContext(trace, j.opts)
		defer cancel()
		n.reply(sender, n.run(ctx, j))
	})
}

// prepare decodes msg and admits it (see handle). It returns the job, or
// the reply that refuses the request (then no slot is taken). Every front
// door (the API actor, the gRPC/Connect API) goes through it; a job it
// returns must end with n.done.
func (n *Node) prepare(msg any, local, fromSelf bool, trace context.Context) (job, proto.Message) {
	j, fail, err := n.decode(msg, local)
	if err != nil {
		id := j.opts.GetTraceId()
		if id == "" {
			id = eventstore.TraceID(trace)
		}
		e := wire.ErrorToProto(eventstore.AttachTraceID(err, id))
		n.logFailure(j.name, e)
		return j, fail(e)
	}
	if e := n.admit(fromSelf); e != nil {
		e.TraceId = j.opts.GetTraceId()
		if e.TraceId == "" {
			e.TraceId = eventstore.TraceID(trace)
		}
		n.logFailure(j.name, e)
		return j, fail(e)
	}
	return j, nil
}

// reply sends msg to sender; requests sent without a sender get no reply.
func (n *Node) reply(sender *actors.PID, msg proto.Message) {
	if sender != nil {
		n.sys.Send(sender, msg)
	}
}

// admit reserves a slot for one request, or says why not. While the node
// closes only requests it sent itself (draining) are admitted.
func (n *Node) admit(draining bool) *messages.Error {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closing && !draining {
		return &messages.Error{Code: messages.ErrorCode_ERROR_CODE_CLOSED, Message: "node is shutting down"}
	}
	if n.inFlight.Add(1) > int64(n.cfg.MaxInFlight) {
		n.inFlight.Add(-1)
		return &messages.Error{Code: messages.ErrorCode_ERROR_CODE_UNAVAILABLE, Retryable: true, Operation: "admission",
			Message: fmt.Sprintf("node busy: %d requests in flight", n.cfg.MaxInFlight)}
	}
	n.work.Add(1)
	return nil
}

func (n *Node) done() {
	n.inFlight.Add(-1)
	n.work.Done()
}

// requestContext bounds a request by its timeout_ms (or the default),
// capped by MaxRequestTimeout, carries its trace (from the message header
// in trace, else the options' trace_id, else a new one), and ends at Close.
func (n *Node) requestContext(trace context.Context, o *messages.RequestOptions) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(n.life, n.requestTimeout(o))
	return n.traced(ctx, trace, o), cancel
}

// requestTimeout is how long a request with options o may run: its
// timeout_ms, else the default, capped by MaxRequestTimeout.
func (n *Node) requestTimeout(o *messages.RequestOptions) time.Duration {
	timeout := n.cfg.RequestTimeout
	if ms := o.GetTimeoutMs(); ms > 0 {
		timeout = time.Duration(ms) * time.Millisecond
	}
	return min(timeout, n.cfg.MaxRequestTimeout)
}

// traced gives ctx the request's trace: the one of the message header in
// trace, else the options' trace_id, else a new one.
//
// When nothing on the path starts spans (n.spanless) the trace ID is put
// in ctx alone, not also parsed into an OpenTelemetry span context that
// no span would use (eventstore.WithTraceIDUntraced: one allocation
// instead of about four per append).
func (n *Node) traced(ctx, trace context.Context, o *messages.RequestOptions) context.Context {
	ctx = n.withTrace(ctx, trace)
	if id := o.GetTraceId(); id != "" && eventstore.TraceID(ctx) == "" {
		if n.spanless {
			ctx = eventstore.WithTraceIDUntraced(ctx, id)
		} else {
			ctx = eventstore.WithTraceID(ctx, id)
		}
	}
	if n.spanless {
		ctx, _ = eventstore.EnsureTraceIDUntraced(ctx)
	} else {
		ctx, _ = eventstore.EnsureTraceID(ctx)
	}
	return ctx
}

// spanless reports whether no span is ever started from a request's
// context: the node has no tracer, and the store it serves (its Engine)
// none either. A node given no Engine cannot tell and keeps the span
// context, so that a traced store's spans continue the peer's trace.
func spanless(cfg Config) bool {
	return cfg.TracerProvider == nil && cfg.Engine != nil && !cfg.Engine.Traced
}
