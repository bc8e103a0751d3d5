package actors

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/asynkron/protoactor-go/actor"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HeaderTraceID is the message header that carries an operation's trace
// ID to another process, next to the W3C trace context headers
// (traceparent, tracestate) when the operation has a span.
const HeaderTraceID = "actorstore-trace-id"

var propagator = propagation.TraceContext{}

// headerCarrier adapts a protoactor message header to a propagation
// carrier.
type headerCarrier struct{ h actor.ReadonlyMessageHeader }

func (c headerCarrier) Get(key string) string { return c.h.Get(key) }
func (c headerCarrier) Set(string, string)    {}
func (c headerCarrier) Keys() []string        { return c.h.Keys() }

// mapCarrier is a propagation carrier over a header being built.
type mapCarrier map[string]string

func (c mapCarrier) Get(key string) string { return c[key] }
func (c mapCarrier) Set(key, v string)     { c[key] = v }
func (c mapCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// traceHeader is the header that carries ctx's trace to another process:
// its trace ID and, when ctx has a span, the W3C trace context. Nil when
// ctx has no trace.
func traceHeader(ctx context.Context) map[string]string {
	id := eventstore.TraceID(ctx)
	if id == "" {
		return nil
	}
	h := mapCarrier{HeaderTraceID: id}
	if trace.SpanContextFromContext(ctx).IsValid() {
		propagator.Inject(ctx, h)
	}
	return h
}

// sendRequest sends msg to pid with sender as its sender. A request to
// another process carries ctx's trace in its message header; local ones
// go without (no header to allocate on the hot path).
func (s *System) sendRequest(ctx context.Context, pid *PID, msg any, sender *PID) {
	if pid.Address == s.as.Address() {
		s.root.RequestWithCustomSender(pid, msg, sender)
		return
	}
	h := traceHeader(ctx)
	if h == nil {
		s.root.RequestWithCustomSender(pid, msg, sender)
		return
	}
	s.root.Send(pid, &actor.MessageEnvelope{Header: h, Message: msg, Sender: sender})
}

// TraceContext returns ctx with the trace that the message c is handling
// carries in its header (see HeaderTraceID): the remote span context as
// the parent of the spans started from it, and the trace ID for errors
// and logs. Without such a header it returns ctx unchanged.
func TraceContext(ctx context.Context, c Context) context.Context {
	hc, ok := c.(headerContext)
	if !ok {
		return ctx
	}
	h := hc.MessageHeader()
	if h == nil || h.Length() == 0 {
		return ctx
	}
	ctx = propagator.Extract(ctx, headerCarrier{h})
	if id := h.Get(HeaderTraceID); id != "" {
		ctx = eventstore.WithTraceID(ctx, id)
	}
	return ctx
}
