package eventstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeoutError reports a call that got no reply before its deadline (the
// caller's context, or the default request timeout). The message may still
// be handled later, so the outcome is unknown: make requests idempotent.
// For an append, retry with the same event IDs; an append that did commit
// then returns its original result.
//
// A plain actor request names its Target. actors.OnStream adds the operation on one
// stream (Op, Stream, Expected), actors.OnTransaction the streams of a
// transaction (Op "transact", Streams): that is what callers of the stream
// API, embedded or over the wire, see. It matches ErrTimeout, so its code
// is CodeTimeout and it is retryable.
type TimeoutError struct {
	// Op is the operation on Stream: "append" or "read", or "transact" on
	// Streams; empty for a request that is not a stream operation.
	Op     string
	Stream string
	// Streams are the streams of a transaction (Op "transact"), in the
	// order of its requests.
	Streams []string
	// Expected is the append's expected version (Op "append" only).
	Expected ExpectedVersion
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

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// ErrorCode implements Coder: CodeTimeout.
func (e *TimeoutError) ErrorCode() Code { return CodeTimeout }
