package persistence

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

type traceKey struct{}

// WithTraceID returns a context that carries the trace ID of an operation.
// Errors produced for that operation carry it in their TraceID field.
func WithTraceID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceKey{}, id)
}

// TraceID returns the trace ID in ctx, or "".
func TraceID(ctx context.Context) string {
	id, _ := ctx.Value(traceKey{}).(string)
	return id
}

// EnsureTraceID returns ctx and its trace ID, adding a new random one when
// ctx has none.
func EnsureTraceID(ctx context.Context) (context.Context, string) {
	if id := TraceID(ctx); id != "" {
		return ctx, id
	}
	id := uuid.NewString()
	return WithTraceID(ctx, id), id
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
