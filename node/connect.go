package node

import (
	"context"
	"errors"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
	"github.com/actorstore/actorstore/wire"
)

// connectService is the gRPC/Connect front door of a node: every unary call
// goes through Node.Serve, the path the API actor takes for a peer's
// message (decode and validate, admission, timeout, span, logs), and its
// reply is unwrapped into the call's result or a status error.
type connectService struct {
	n *Node
	// streams ends the Subscribe calls (the listener or the node closes).
	streams context.Context
}

var _ messagesconnect.EventStoreServiceHandler = (*connectService)(nil)

// Serve runs one request of the peer protocol (an AppendRequest,
// TransactRequest, ReadStreamRequest, ReadAllRequest, HeadRequest,
// StatusRequest or HealthRequest) on the caller's goroutine, exactly as
// the API actor serves a peer's message, and returns its reply
// (AppendReply, ...; exactly one of result or error set). ctx bounds the
// request besides its timeout_ms and carries its trace (span context,
// eventstore trace ID). Safe for concurrent use.
func (n *Node) Serve(ctx context.Context, msg proto.Message) proto.Message {
	if _, ok := msg.(*messages.StatusRequest); ok {
		return &messages.StatusReply{Outcome: &messages.StatusReply_Result{Result: n.status()}}
	}
	ctx, _ = eventstore.EnsureTraceID(ctx) // every call's errors name a trace
	j, refused := n.prepare(msg, false, false, ctx)
	if refused != nil {
		return refused
	}
	defer n.done()
	rctx, cancel := n.requestContext(ctx, j.opts)
	defer cancel()
	if d, ok := ctx.Deadline(); ok {
		var c2 context.CancelFunc
		rctx, c2 = context.WithDeadline(rctx, d)
		defer c2()
	}
	stop := context.AfterFunc(ctx, cancel) // the caller went away
	defer stop()
	return n.run(rctx, j)
}

// unary serves req through Node.Serve and unwraps the reply: its result,
// or its Error as a status error (see wire.ErrorToConnect).
func unary[Req any, Res any](ctx context.Context, n *Node, req *connect.Request[Req],
	result func(proto.Message) *Res) (*connect.Response[Res], error) {
	reply := n.Serve(callContext(ctx, req.Header()), any(req.Msg).(proto.Message))
	if e := replyError(reply); e != nil {
		return nil, wire.ErrorToConnect(e)
	}
	if e, ok := reply.(*messages.Error); ok { // cannot happen for a typed request
		return nil, wire.ErrorToConnect(e)
	}
	res := result(reply)
	if res == nil {
		return nil, connect.NewError(connect.CodeInternal, errors.New("actorstore: empty reply"))
	}
	return connect.NewResponse(res), nil
}

// callContext carries the caller's trace: the W3C traceparent (and
// tracestate) header as the remote parent of the node's spans, and the
// actorstore-trace-id header, else the trace ID of traceparent, as the
// request's trace ID (RequestOptions.trace_id still wins over both).
func callContext(ctx context.Context, h interface{ Get(string) string }) context.Context {
	carrier := propagation.HeaderCarrier{}
	for _, k := range []string{"traceparent", "tracestate"} {
		if v := h.Get(k); v != "" {
			carrier.Set(k, v)
		}
	}
	ctx = propagation.TraceContext{}.Extract(ctx, carrier)
	if id := h.Get(actors.HeaderTraceID); id != "" {
		return eventstore.WithTraceID(ctx, id)
	}
	return ctx // eventstore.TraceID falls back to traceparent's trace ID
}

func (s *connectService) Append(ctx context.Context, r *connect.Request[messages.AppendRequest]) (*connect.Response[messages.AppendResult], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.AppendResult {
		return m.(*messages.AppendReply).GetResult()
	})
}

func (s *connectService) Transact(ctx context.Context, r *connect.Request[messages.TransactRequest]) (*connect.Response[messages.TransactResult], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.TransactResult {
		return m.(*messages.TransactReply).GetResult()
	})
}

func (s *connectService) ReadStream(ctx context.Context, r *connect.Request[messages.ReadStreamRequest]) (*connect.Response[messages.ReadResult], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.ReadResult {
		return m.(*messages.ReadReply).GetResult()
	})
}

func (s *connectService) ReadAll(ctx context.Context, r *connect.Request[messages.ReadAllRequest]) (*connect.Response[messages.ReadResult], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.ReadResult {
		return m.(*messages.ReadReply).GetResult()
	})
}

func (s *connectService) Head(ctx context.Context, r *connect.Request[messages.HeadRequest]) (*connect.Response[messages.StreamHead], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.StreamHead {
		return m.(*messages.HeadReply).GetResult()
	})
}

func (s *connectService) Status(ctx context.Context, r *connect.Request[messages.StatusRequest]) (*connect.Response[messages.NodeStatus], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.NodeStatus {
		return m.(*messages.StatusReply).GetResult()
	})
}

func (s *connectService) Health(ctx context.Context, r *connect.Request[messages.HealthRequest]) (*connect.Response[messages.HealthReport], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.HealthReport {
		return m.(*messages.HealthReply).GetResult()
	})
}

func (s *connectService) Execute(ctx context.Context, r *connect.Request[messages.ExecuteRequest]) (*connect.Response[messages.ExecuteResult], error) {
	return unary(ctx, s.n, r, func(m proto.Message) *messages.ExecuteResult {
		return m.(*messages.ExecuteReply).GetResult()
	})
}
