package actors

import (
	"errors"

	"github.com/actorstore/actorstore/eventstore"
)

// Sentinel errors of this package.
var (
	// ErrDeadLetter: the target actor does not exist (any more).
	ErrDeadLetter = errors.New("actor not found")
)

// OnStream returns err as a caller of a stream operation should see it
// when err is a *eventstore.TimeoutError (which names only the PID waited on): a copy
// that names the operation, the stream and the append's expected version,
// with err's trace ID (eventstore.TraceIDOf) attached. Other errors are returned unchanged.
func OnStream(err error, op, stream string, expected eventstore.ExpectedVersion) error {
	if err == nil {
		return nil // without allocating the target of errors.As
	}
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) {
		return err
	}
	cp := *te
	cp.Op, cp.Stream, cp.Expected = op, stream, expected
	return eventstore.AttachTraceID(&cp, eventstore.TraceIDOf(err))
}

// OnTransaction returns err as a caller of a transaction over streams
// should see it when err is a *eventstore.TimeoutError: a copy with Op "transact" and
// the streams, with err's trace ID attached. Other errors are returned
// unchanged.
func OnTransaction(err error, streams []string) error {
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) {
		return err
	}
	cp := *te
	cp.Op, cp.Stream, cp.Streams = "transact", "", streams
	return eventstore.AttachTraceID(&cp, eventstore.TraceIDOf(err))
}
