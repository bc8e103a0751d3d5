package actors

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/wire"
)

// Sentinel errors of this package.
var (
	// ErrTimeout: a request got no reply within its deadline. It also
	// matches eventstore.ErrTimeout.
	ErrTimeout = errors.New("actor request timed out")
	// ErrDeadLetter: the target actor does not exist (any more).
	ErrDeadLetter = errors.New("actor not found")
)

// TimeoutError reports a call that got no reply before its deadline (the
// caller's context, or the default request timeout). The message may still
// be handled later, so the outcome is unknown: make requests idempotent.
// For an append, retry with the same event IDs; an append that did commit
// then returns its original result.
//
// A plain Request names its Target. OnStream adds the operation on one
// stream (Op, Stream, Expected), OnTransaction the streams of a
// transaction (Op "transact", Streams): that is what callers of the stream
// API, embedded or over the wire, see. It matches ErrTimeout and
// eventstore.ErrTimeout, so its code is eventstore.CodeTimeout and it is
// retryable.
type TimeoutError struct {
	// Op is the operation on Stream: "append" or "read", or "transact" on
	// Streams; empty for a request that is not a stream operation.
	Op     string
	Stream string
	// Streams are the streams of a transaction (Op "transact"), in the
	// order of its requests.
	Streams []string
	// Expected is the append's expected version (Op "append" only).
	Expected eventstore.ExpectedVersion
	// Target is the PID (or cluster kind/identity) the request went to;
	// empty for an error that came over the wire.
	Target string
	// Timeout is how long the caller waited (0 when not known, as for an
	// error that came over the wire).
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	var b strings.Builder
	named := e.Stream != "" || len(e.Streams) > 0
	switch {
	case len(e.Streams) > 0:
		fmt.Fprintf(&b, "%s on streams ", e.Op)
		for i, s := range e.Streams {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(s))
		}
		b.WriteString(" timed out")
	case e.Stream == "":
		fmt.Fprintf(&b, "request to %s timed out", e.Target)
	default:
		fmt.Fprintf(&b, "%s on stream %q", e.Op, e.Stream)
		if e.Op == "append" {
			fmt.Fprintf(&b, " expecting version %s", e.Expected)
		}
		b.WriteString(" timed out")
	}
	if e.Timeout > 0 {
		fmt.Fprintf(&b, " after %v", e.Timeout.Round(time.Millisecond))
	}
	switch {
	case e.Op == "execute": // an entity command: its events get new IDs when decided again
		b.WriteString(": outcome unknown (the command may have been applied)")
	case named:
		b.WriteString(": outcome unknown, retry with the same event IDs")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrTimeout) and errors.Is(err,
// eventstore.ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == eventstore.ErrTimeout
}

// OnStream returns err as a caller of a stream operation should see it
// when err is a *TimeoutError (which names only the PID waited on): a copy
// that names the operation, the stream and the append's expected version,
// with err's trace ID (eventstore.TraceIDOf) attached. Other errors are returned unchanged.
func OnStream(err error, op, stream string, expected eventstore.ExpectedVersion) error {
	var te *TimeoutError
	if !errors.As(err, &te) {
		return err
	}
	cp := *te
	cp.Op, cp.Stream, cp.Expected = op, stream, expected
	return eventstore.AttachTraceID(&cp, eventstore.TraceIDOf(err))
}

// OnTransaction returns err as a caller of a transaction over streams
// should see it when err is a *TimeoutError: a copy with Op "transact" and
// the streams, with err's trace ID attached. Other errors are returned
// unchanged.
func OnTransaction(err error, streams []string) error {
	var te *TimeoutError
	if !errors.As(err, &te) {
		return err
	}
	cp := *te
	cp.Op, cp.Stream, cp.Streams = "transact", "", streams
	return eventstore.AttachTraceID(&cp, eventstore.TraceIDOf(err))
}

func init() {
	wire.RegisterError(wire.ErrorCodec{Encode: encodeTimeout, Code: eventstore.CodeTimeout, Decode: decodeTimeout})
}

// encodeTimeout is the wire form of a *TimeoutError on a stream or a
// transaction: code TIMEOUT with the operation, the stream (or the
// transaction's streams) and an append's expected version.
func encodeTimeout(err error, d *wire.Detail) bool {
	var te *TimeoutError
	if !errors.As(err, &te) || (te.Stream == "" && len(te.Streams) == 0) {
		return false
	}
	d.Operation, d.Stream, d.Streams = te.Op, te.Stream, te.Streams
	if te.Op == "append" {
		d.Expected = &te.Expected
	}
	return true
}

// decodeTimeout rebuilds a *TimeoutError from a TIMEOUT that names a
// stream or streams.
func decodeTimeout(d *wire.Detail) error {
	if d.Stream == "" && len(d.Streams) == 0 {
		return nil
	}
	te := &TimeoutError{Op: d.Operation, Stream: d.Stream, Streams: d.Streams}
	if d.Expected != nil {
		te.Expected = *d.Expected
	}
	return te
}
