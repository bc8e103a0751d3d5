package node

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// Tracing and logs of the node's requests: every request runs with the
// trace of its peer (message header, else RequestOptions.trace_id, else a
// new one), in a server span when Config.TracerProvider is set; every log
// line about it carries the trace ID in the field trace_id.

const scopeName = "github.com/actorstore/actorstore/node"

// withTrace gives ctx the span context and trace ID found in from (the
// trace of a request's message header, context.Background() when it had
// none).
func (n *Node) withTrace(ctx, from context.Context) context.Context {
	if from == nil || from == context.Background() {
		return ctx
	}
	if sc := trace.SpanContextFromContext(from); sc.HasTraceID() {
		ctx = trace.ContextWithSpanContext(ctx, sc)
	}
	if id := eventstore.TraceID(from); id != "" {
		if n.spanless {
			ctx = eventstore.WithTraceIDUntraced(ctx, id)
		} else {
			ctx = eventstore.WithTraceID(ctx, id)
		}
	}
	return ctx
}

// run runs a job in its span and logs it: at debug level when it
// succeeds, at info level when the peer's request failed for a reason of
// its own (conflict, bad input), at warn level otherwise.
func (n *Node) run(ctx context.Context, j job) proto.Message {
	var span trace.Span
	if n.tracer != nil {
		ctx, span = n.tracer.Start(ctx, "actorstore.node."+j.name, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("rpc.system", "protoactor"),
				attribute.String("rpc.method", j.name)))
	}
	reply := j.run(ctx)
	e := replyError(reply)
	if span != nil {
		if e != nil {
			span.SetStatus(codes.Error, e.GetCode().String())
			span.SetAttributes(attribute.String("error.type", e.GetCode().String()))
		}
		span.End()
	}
	if e != nil {
		if e.TraceId == "" { // errors the node made itself; the Store's carry it already
			e.TraceId = eventstore.TraceID(ctx)
		}
		n.logFailure(j.name, e)
		return reply
	}
	n.log.Debug().Str("trace_id", eventstore.TraceID(ctx)).Str("op", j.name).Msg("request served")
	return reply
}

func replyError(reply proto.Message) *messages.Error {
	if r, ok := reply.(interface{ GetError() *messages.Error }); ok {
		return r.GetError()
	}
	return nil
}

// logFailure logs a request answered with e.
func (n *Node) logFailure(op string, e *messages.Error) {
	ev := n.log.Warn()
	switch e.GetCode() {
	case messages.ErrorCode_ERROR_CODE_CONCURRENCY, messages.ErrorCode_ERROR_CODE_INVALID_INPUT,
		messages.ErrorCode_ERROR_CODE_STREAM_NOT_FOUND, messages.ErrorCode_ERROR_CODE_DUPLICATE_EVENT,
		messages.ErrorCode_ERROR_CODE_VALIDATION:
		ev = n.log.Info()
	}
	ev.Str("trace_id", e.GetTraceId()).Str("op", op).Str("code", e.GetCode().String()).
		Str("stream", e.GetStream()).Str("error", e.GetMessage()).Msg("request failed")
}

// healthJob answers a HealthRequest with Config.Health.
func (n *Node) healthJob() runFunc {
	return func(ctx context.Context) proto.Message {
		if n.cfg.Health == nil {
			return failHealth(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_INTERNAL,
				Message: "node: no health checks configured"})
		}
		return &messages.HealthReply{Outcome: &messages.HealthReply_Result{Result: healthProto(n.cfg.Health(ctx))}}
	}
}
