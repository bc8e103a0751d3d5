package eventstore

import (
	"context"
	crand "crypto/rand"
	"errors"

	"go.opentelemetry.io/otel/trace"
)

type traceKey struct{}

// WithTraceID returns a context that carries the trace ID of an operation.
// The errors the API returns for that operation carry it (TraceIDOf).
//
// An OpenTelemetry trace ID (32 hex digits) also becomes the trace of the
// spans started from the returned context when ctx has no span of its own,
// so that a trace ID from a peer continues its trace. Other strings are
// kept as they are and name only the errors and logs.
func WithTraceID(ctx context.Context, id string) context.Context {
	if tid, err := trace.TraceIDFromHex(id); err == nil && !trace.SpanContextFromContext(ctx).HasTraceID() {
		ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid}))
	}
	return context.WithValue(ctx, traceKey{}, id)
}

// WithTraceIDUntraced is WithTraceID for a caller from whose context no
// OpenTelemetry span will be started (tracing off on the whole path): the
// trace ID names the operation's errors and log lines, but is not also
// parsed and set as the trace of a span context, which costs about three
// allocations per call that only a span started from the context could
// use (one per append in a node serving many peers).
func WithTraceIDUntraced(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceKey{}, id)
}

// TraceID returns the trace ID of ctx: the one given to WithTraceID, else
// the trace ID of ctx's OpenTelemetry span (context), else "".
func TraceID(ctx context.Context) string {
	if id, _ := ctx.Value(traceKey{}).(string); id != "" {
		return id
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	return ""
}

// EnsureTraceID returns ctx and its trace ID (see TraceID). When ctx has
// none, it adds a new random OpenTelemetry trace ID, which spans started
// from the returned context continue.
func EnsureTraceID(ctx context.Context) (context.Context, string) {
	if id := TraceID(ctx); id != "" {
		return ctx, id
	}
	tid := NewTraceID()
	id := tid.String()
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid}))
	return context.WithValue(ctx, traceKey{}, id), id
}

// EnsureTraceIDUntraced is EnsureTraceID for a caller that starts no
// OpenTelemetry span from the returned context (tracing off): a new trace
// ID names the operation's errors and log lines and travels to other
// processes in the actorstore-trace-id header, but is not also set as
// the trace of an OpenTelemetry span context, which costs two
// allocations that only a span started from the context could use.
func EnsureTraceIDUntraced(ctx context.Context) (context.Context, string) {
	if id := TraceID(ctx); id != "" {
		return ctx, id
	}
	id := NewTraceID().String()
	return context.WithValue(ctx, traceKey{}, id), id
}

// NewTraceID returns a random, valid OpenTelemetry trace ID.
func NewTraceID() trace.TraceID {
	var tid trace.TraceID
	for !tid.IsValid() {
		_, _ = crand.Read(tid[:])
	}
	return tid
}

// TracedError is an error with the trace ID of the operation that failed.
// The API boundaries (the root Store, the node's request handler, the
// client) attach it once with AttachTraceID; error types carry no trace ID
// of their own. errors.As, errors.Is and CodeOf see through it to Err.
type TracedError struct {
	Err     error
	TraceID string
}

func (e *TracedError) Error() string { return e.Err.Error() + " [trace " + e.TraceID + "]" }

// Unwrap returns the error that failed.
func (e *TracedError) Unwrap() error { return e.Err }

// AttachTraceID returns err wrapped in a *TracedError carrying traceID. It
// returns err as it is when err is nil, traceID is empty, or err already
// carries a trace ID (the first one attached wins). err is never modified,
// so an error shared by many callers may be attached to each.
func AttachTraceID(err error, traceID string) error {
	if err == nil || traceID == "" || TraceIDOf(err) != "" {
		return err
	}
	return &TracedError{Err: err, TraceID: traceID}
}

// TraceIDOf returns the trace ID attached to err (see AttachTraceID), or "".
func TraceIDOf(err error) string {
	var te *TracedError
	if errors.As(err, &te) {
		return te.TraceID
	}
	return ""
}
