package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestIsRetryable(t *testing.T) {
	conn := &ConnectionError{Host: "db:5432", Op: "append", Attempts: 5, Err: errors.New("connection refused")}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
		{"connection", conn, true},
		{"wrapped connection", fmt.Errorf("flush: %w", conn), true},
		{"connection timeout", &ConnectionError{Err: context.DeadlineExceeded}, true},
		{"connection canceled", &ConnectionError{Err: context.Canceled}, false},
		{"deadline", context.DeadlineExceeded, true},
		{"canceled", context.Canceled, false},
		{"unavailable sentinel", ErrUnavailable, true},
		{"timeout sentinel", ErrTimeout, true},
		{"concurrency", &ConcurrencyError{Stream: "s", Expected: Exact(1), Actual: 2}, false},
		{"input", &InputError{Field: "x"}, false},
		{"duplicate", &DuplicateEventError{EventID: uuid.New()}, false},
		{"not found", &StreamNotFoundError{Stream: "s"}, false},
		{"closed", ErrClosed, false},
		{"aborted by concurrency", &AbortedError{Stream: "s", Cause: &ConcurrencyError{}}, false},
		{"aborted by connection", &AbortedError{Stream: "s", Cause: conn}, true},
	}
	for _, c := range cases {
		if got := IsRetryable(c.err); got != c.want {
			t.Errorf("%s: IsRetryable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

func TestErrorsMatchSentinels(t *testing.T) {
	cause := &ConcurrencyError{Stream: "b", Expected: NoStream(), Actual: 3}
	cases := []struct {
		err      error
		sentinel error
		text     string
	}{
		{cause, ErrConcurrency, `stream "b": wrong expected version: expected no-stream, actual 3`},
		{&StreamNotFoundError{Stream: "s", TraceID: "t1"}, ErrStreamNotFound, `stream "s" not found [trace t1]`},
		{&InputError{Field: "requests[0].stream", Message: "empty", Stream: "s"}, ErrInvalidInput,
			`invalid input: requests[0].stream: empty (stream "s")`},
		{&DuplicateEventError{EventID: uuid.Nil, Stream: "a", ExistingStream: "b"}, ErrDuplicateEvent,
			`stream "a": event ID 00000000-0000-0000-0000-000000000000 is already stored in stream "b"`},
		{&ConnectionError{Host: "h:1", Op: "read", Attempts: 2, Err: errors.New("x")}, ErrUnavailable,
			`store unavailable: read on h:1 failed after 2 attempt(s): x`},
		{&AbortedError{Stream: "a", Cause: cause}, ErrAborted, `stream "a": transaction aborted: stream "b"`},
		{&ConnectionError{Host: "h:1", Op: "append", Attempts: 1, Err: errors.New("x"), Stream: "s-1"}, ErrUnavailable,
			`store unavailable: append on h:1 (stream "s-1") failed after 1 attempt(s): x`},
		{&TimeoutError{Op: "append", Stream: "s-2", Expected: Exact(7), Timeout: 1500 * time.Millisecond, TraceID: "t9"},
			ErrTimeout, `append on stream "s-2" expecting version 7 timed out after 1.5s: outcome unknown, retry with the same event IDs [trace t9]`},
		{&TimeoutError{Op: "read", Stream: "s-3"}, ErrTimeout, `read on stream "s-3" timed out: outcome unknown`},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.sentinel) {
			t.Errorf("errors.Is(%v, %v) is false", c.err, c.sentinel)
		}
		if !strings.HasPrefix(c.err.Error(), c.text) {
			t.Errorf("Error() = %q, want prefix %q", c.err.Error(), c.text)
		}
	}
	var ce *ConcurrencyError
	if ab := (&AbortedError{Stream: "a", Cause: cause}); !errors.As(ab, &ce) || ce != cause || !errors.Is(ab, ErrConcurrency) {
		t.Error("AbortedError does not unwrap to its cause")
	}
	if errors.Is(&ConnectionError{Err: errors.New("x")}, ErrTimeout) {
		t.Error("a ConnectionError without a deadline is ErrTimeout")
	}
	if !errors.Is(&ConnectionError{Err: context.DeadlineExceeded}, ErrTimeout) {
		t.Error("a ConnectionError with a deadline is not ErrTimeout")
	}
	pidTimeout := errors.New("request to $1/$4 timed out")
	te := &TimeoutError{Op: "append", Stream: "s", Err: pidTimeout}
	if !IsRetryable(te) || errors.Is(te, ErrUnavailable) || !errors.Is(te, pidTimeout) {
		t.Errorf("TimeoutError: retryable %v, unavailable %v, unwraps to its cause %v",
			IsRetryable(te), errors.Is(te, ErrUnavailable), errors.Is(te, pidTimeout))
	}
}

func TestAttachTraceID(t *testing.T) {
	typed := []error{
		&ConcurrencyError{}, &StreamNotFoundError{}, &InputError{}, &DuplicateEventError{}, &ConnectionError{},
	}
	for _, err := range typed {
		wrapped := fmt.Errorf("op: %w", err)
		if got := AttachTraceID(wrapped, "t-1"); got != wrapped {
			t.Errorf("AttachTraceID returned another error: %v", got)
		}
		if got := traceOf(err); got != "t-1" {
			t.Errorf("%T: trace %q after AttachTraceID, want t-1", err, got)
		}
		AttachTraceID(err, "t-2")
		if got := traceOf(err); got != "t-1" {
			t.Errorf("%T: AttachTraceID replaced trace t-1 by %q", err, got)
		}
		if !strings.Contains(err.Error(), "[trace t-1]") {
			t.Errorf("%T: Error() %q lacks the trace", err, err.Error())
		}
	}
	plain := errors.New("plain")
	if AttachTraceID(plain, "t") != plain || AttachTraceID(nil, "t") != nil {
		t.Error("AttachTraceID changed an untyped or nil error")
	}
	ie := &InputError{}
	AttachTraceID(ie, "")
	if ie.TraceID != "" {
		t.Error("AttachTraceID set an empty trace")
	}
}

func traceOf(err error) string {
	switch e := err.(type) {
	case *ConcurrencyError:
		return e.TraceID
	case *StreamNotFoundError:
		return e.TraceID
	case *InputError:
		return e.TraceID
	case *DuplicateEventError:
		return e.TraceID
	case *ConnectionError:
		return e.TraceID
	}
	return ""
}

func TestTraceContext(t *testing.T) {
	ctx := context.Background()
	if TraceID(ctx) != "" {
		t.Fatal("background ctx has a trace ID")
	}
	ctx2, id := EnsureTraceID(ctx)
	if id == "" || TraceID(ctx2) != id {
		t.Fatalf("EnsureTraceID: %q, ctx has %q", id, TraceID(ctx2))
	}
	ctx3, id3 := EnsureTraceID(WithTraceID(ctx, "mine"))
	if id3 != "mine" || TraceID(ctx3) != "mine" {
		t.Fatalf("EnsureTraceID replaced an existing trace ID: %q", id3)
	}
}
