package eventstore

import (
	"context"
	crand "crypto/rand"
	"errors"

	"go.opentelemetry.io/otel/trace"
)

type traceKey struct{}

// WithTraceID returns a context that carries the trace ID of an operation.
// Errors produced for that operation carry it in their TraceID field.
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

// NewTraceID returns a random, valid OpenTelemetry trace ID.
func NewTraceID() trace.TraceID {
	var tid trace.TraceID
	for !tid.IsValid() {
		_, _ = crand.Read(tid[:])
	}
	return tid
}

// AttachTraceID sets traceID on the typed error inside err when it has no
// trace ID yet, and returns err. Errors of other types are returned as they are.
func AttachTraceID(err error, traceID string) error {
	if err == nil || traceID == "" {
		return err
	}
	var ae *AbortedError
	if errors.As(err, &ae) {
		setIfEmpty(&ae.TraceID, traceID)
		AttachTraceID(ae.Cause, traceID)
		return err
	}
	var (
		ce *ConcurrencyError
		nf *StreamNotFoundError
		ie *InputError
		de *DuplicateEventError
		xe *ConnectionError
		te *TimeoutError
	)
	switch {
	case errors.As(err, &ce):
		setIfEmpty(&ce.TraceID, traceID)
	case errors.As(err, &nf):
		setIfEmpty(&nf.TraceID, traceID)
	case errors.As(err, &ie):
		setIfEmpty(&ie.TraceID, traceID)
	case errors.As(err, &de):
		setIfEmpty(&de.TraceID, traceID)
	case errors.As(err, &xe):
		setIfEmpty(&xe.TraceID, traceID)
	case errors.As(err, &te):
		setIfEmpty(&te.TraceID, traceID)
	}
	return err
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// TraceIDOf returns the trace ID carried by the typed error in err (the
// field its wire form carries), or "".
func TraceIDOf(err error) string {
	var (
		ae *AbortedError
		ce *ConcurrencyError
		nf *StreamNotFoundError
		ie *InputError
		de *DuplicateEventError
		xe *ConnectionError
		te *TimeoutError
	)
	switch {
	case errors.As(err, &ae) && ae.TraceID != "":
		return ae.TraceID
	case errors.As(err, &ce):
		return ce.TraceID
	case errors.As(err, &nf):
		return nf.TraceID
	case errors.As(err, &ie):
		return ie.TraceID
	case errors.As(err, &de):
		return de.TraceID
	case errors.As(err, &te):
		return te.TraceID
	case errors.As(err, &xe):
		return xe.TraceID
	}
	return ""
}
