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
// ExecuteRequest, DeleteStreamRequest, SetStreamMetadataRequest,
// GetStreamMetadataRequest, ForgetSubjectRequest, ProjectionStatusRequest,
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
	res, err := serveCall(ctx, n, req.Header(), any(req.Msg).(proto.Message), result)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// serveCall serves msg through Node.Serve with the trace of the call's
// headers h, and unwraps the reply with result: its result, or its Error
// as a *connect.Error (see wire.ErrorToConnect). Both servers of the API
// (Connect's handler, grpc-go's for gRPC) answer through it.
func serveCall[Res any](ctx context.Context, n *Node, h headerGetter, msg proto.Message,
	result func(proto.Message) *Res) (*Res, error) {
	reply := n.Serve(callContext(ctx, h), msg)
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
	return res, nil
}

// headerGetter is the headers of a call: http.Header for Connect, the
// metadata of a grpc-go call (grpcHeader).
type headerGetter interface{ Get(string) string }

// callContext carries the caller's trace: the W3C traceparent (and
// tracestate) header as the remote parent of the node's spans, and the
// actorstore-trace-id header, else the trace ID of traceparent, as the
// request's trace ID (RequestOptions.trace_id still wins over both).
func callContext(ctx context.Context, h headerGetter) context.Context {
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

// The result of each unary method's reply (nil when it has none).
var (
	appendResult            = func(m proto.Message) *messages.AppendResult { return m.(*messages.AppendReply).GetResult() }
	transactResult          = func(m proto.Message) *messages.TransactResult { return m.(*messages.TransactReply).GetResult() }
	readStreamResult        = func(m proto.Message) *messages.ReadResult { return m.(*messages.ReadReply).GetResult() }
	readAllResult           = func(m proto.Message) *messages.ReadResult { return m.(*messages.ReadReply).GetResult() }
	headResult              = func(m proto.Message) *messages.StreamHead { return m.(*messages.HeadReply).GetResult() }
	statusResult            = func(m proto.Message) *messages.NodeStatus { return m.(*messages.StatusReply).GetResult() }
	healthResult            = func(m proto.Message) *messages.HealthReport { return m.(*messages.HealthReply).GetResult() }
	executeResult           = func(m proto.Message) *messages.ExecuteResult { return m.(*messages.ExecuteReply).GetResult() }
	deleteStreamResult      = func(m proto.Message) *messages.DeleteStreamResult { return m.(*messages.DeleteStreamReply).GetResult() }
	setStreamMetadataResult = func(m proto.Message) *messages.StreamMetadataResult {
		return m.(*messages.StreamMetadataReply).GetResult()
	}
	getStreamMetadataResult = func(m proto.Message) *messages.StreamMetadataResult {
		return m.(*messages.StreamMetadataReply).GetResult()
	}
	forgetSubjectResult = func(m proto.Message) *messages.ForgetSubjectResult {
		return m.(*messages.ForgetSubjectReply).GetResult()
	}
	projectionStatusResult = func(m proto.Message) *messages.ProjectionStatusResult {
		return m.(*messages.ProjectionStatusReply).GetResult()
	}
)

func (s *connectService) Append(ctx context.Context, r *connect.Request[messages.AppendRequest]) (*connect.Response[messages.AppendResult], error) {
	return unary(ctx, s.n, r, appendResult)
}

func (s *connectService) Transact(ctx context.Context, r *connect.Request[messages.TransactRequest]) (*connect.Response[messages.TransactResult], error) {
	return unary(ctx, s.n, r, transactResult)
}

func (s *connectService) ReadStream(ctx context.Context, r *connect.Request[messages.ReadStreamRequest]) (*connect.Response[messages.ReadResult], error) {
	return unary(ctx, s.n, r, readStreamResult)
}

func (s *connectService) ReadAll(ctx context.Context, r *connect.Request[messages.ReadAllRequest]) (*connect.Response[messages.ReadResult], error) {
	return unary(ctx, s.n, r, readAllResult)
}

func (s *connectService) Head(ctx context.Context, r *connect.Request[messages.HeadRequest]) (*connect.Response[messages.StreamHead], error) {
	return unary(ctx, s.n, r, headResult)
}

func (s *connectService) Status(ctx context.Context, r *connect.Request[messages.StatusRequest]) (*connect.Response[messages.NodeStatus], error) {
	return unary(ctx, s.n, r, statusResult)
}

func (s *connectService) Health(ctx context.Context, r *connect.Request[messages.HealthRequest]) (*connect.Response[messages.HealthReport], error) {
	return unary(ctx, s.n, r, healthResult)
}

func (s *connectService) Execute(ctx context.Context, r *connect.Request[messages.ExecuteRequest]) (*connect.Response[messages.ExecuteResult], error) {
	return unary(ctx, s.n, r, executeResult)
}

func (s *connectService) DeleteStream(ctx context.Context, r *connect.Request[messages.DeleteStreamRequest]) (*connect.Response[messages.DeleteStreamResult], error) {
	return unary(ctx, s.n, r, deleteStreamResult)
}

func (s *connectService) SetStreamMetadata(ctx context.Context, r *connect.Request[messages.SetStreamMetadataRequest]) (*connect.Response[messages.StreamMetadataResult], error) {
	return unary(ctx, s.n, r, setStreamMetadataResult)
}

func (s *connectService) GetStreamMetadata(ctx context.Context, r *connect.Request[messages.GetStreamMetadataRequest]) (*connect.Response[messages.StreamMetadataResult], error) {
	return unary(ctx, s.n, r, getStreamMetadataResult)
}

func (s *connectService) ForgetSubject(ctx context.Context, r *connect.Request[messages.ForgetSubjectRequest]) (*connect.Response[messages.ForgetSubjectResult], error) {
	return unary(ctx, s.n, r, forgetSubjectResult)
}

func (s *connectService) ProjectionStatus(ctx context.Context, r *connect.Request[messages.ProjectionStatusRequest]) (*connect.Response[messages.ProjectionStatusResult], error) {
	return unary(ctx, s.n, r, projectionStatusResult)
}
