package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"
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
		{&StreamNotFoundError{Stream: "s"}, ErrStreamNotFound, `stream "s" not found`},
		{&InputError{Field: "requests[0].stream", Message: "empty", Stream: "s"}, ErrInvalidInput,
			`invalid input: requests[0].stream: empty (stream "s")`},
		{&DuplicateEventError{EventID: uuid.Nil, Stream: "a", ExistingStream: "b"}, ErrDuplicateEvent,
			`stream "a": event ID 00000000-0000-0000-0000-000000000000 is already stored in stream "b"`},
		{&ConnectionError{Host: "h:1", Op: "read", Attempts: 2, Err: errors.New("x")}, ErrUnavailable,
			`store unavailable: read on h:1 failed after 2 attempt(s): x`},
		{&AbortedError{Stream: "a", Cause: cause}, ErrAborted, `stream "a": transaction aborted: stream "b"`},
		{&ConnectionError{Host: "h:1", Op: "append", Attempts: 1, Err: errors.New("x"), Stream: "s-1"}, ErrUnavailable,
			`store unavailable: append on h:1 (stream "s-1") failed after 1 attempt(s): x`},
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
}

func TestAttachTraceID(t *testing.T) {
	shared := &ConcurrencyError{Stream: "s", Expected: Exact(1), Actual: 2}
	first := AttachTraceID(fmt.Errorf("op: %w", shared), "t-1")
	var ce *ConcurrencyError
	if TraceIDOf(first) != "t-1" || !errors.As(first, &ce) || ce != shared || !errors.Is(first, ErrConcurrency) ||
		CodeOf(first) != CodeConcurrency {
		t.Fatalf("attached error hides its cause or trace: %#v", first)
	}
	if !strings.HasSuffix(first.Error(), "[trace t-1]") || strings.Contains(shared.Error(), "trace") {
		t.Errorf("texts: attached %q, shared %q", first.Error(), shared.Error())
	}
	if again := AttachTraceID(first, "t-2"); again != first || TraceIDOf(again) != "t-1" {
		t.Errorf("a second AttachTraceID replaced trace t-1: %v", again)
	}
	// The shared error itself is never modified: another caller gets its own trace.
	if other := AttachTraceID(shared, "t-3"); TraceIDOf(other) != "t-3" || TraceIDOf(shared) != "" {
		t.Errorf("shared error modified: %v / %v", other, shared)
	}
	plain := errors.New("plain")
	if AttachTraceID(plain, "") != plain || AttachTraceID(nil, "t") != nil {
		t.Error("AttachTraceID wrapped a nil error or an empty trace")
	}
	if TraceIDOf(plain) != "" || TraceIDOf(nil) != "" {
		t.Error("TraceIDOf found a trace in an error without one")
	}
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

// TestEnsureTraceIDUntraced: without tracing, an operation still gets a
// new OpenTelemetry-format trace ID (or keeps the one it has, from
// WithTraceID or its span), which TraceID finds; no span context is made.
func TestEnsureTraceIDUntraced(t *testing.T) {
	ctx, id := EnsureTraceIDUntraced(context.Background())
	if _, err := trace.TraceIDFromHex(id); err != nil || TraceID(ctx) != id {
		t.Fatalf("EnsureTraceIDUntraced: %q (%v), ctx has %q", id, err, TraceID(ctx))
	}
	if trace.SpanContextFromContext(ctx).HasTraceID() {
		t.Fatal("a span context was made")
	}
	if _, again := EnsureTraceIDUntraced(ctx); again != id {
		t.Fatalf("second call replaced %q with %q", id, again)
	}
	if _, mine := EnsureTraceIDUntraced(WithTraceID(context.Background(), "mine")); mine != "mine" {
		t.Fatalf("replaced an existing trace ID: %q", mine)
	}
	tid := NewTraceID()
	spanCtx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid}))
	if _, fromSpan := EnsureTraceIDUntraced(spanCtx); fromSpan != tid.String() {
		t.Fatalf("did not keep the span's trace ID: %q", fromSpan)
	}
}

// TestWithTraceIDUntraced: the trace ID is what TraceID finds (an
// OpenTelemetry-format one and any other string alike), and no span
// context is made from it, where WithTraceID makes one; a span context
// ctx already has stays.
func TestWithTraceIDUntraced(t *testing.T) {
	id := NewTraceID().String()
	ctx := WithTraceIDUntraced(context.Background(), id)
	if TraceID(ctx) != id {
		t.Fatalf("TraceID = %q, want %q", TraceID(ctx), id)
	}
	if trace.SpanContextFromContext(ctx).HasTraceID() {
		t.Fatal("a span context was made from the trace ID")
	}
	if !trace.SpanContextFromContext(WithTraceID(context.Background(), id)).HasTraceID() {
		t.Fatal("WithTraceID made no span context: the comparison above says nothing")
	}
	if got := TraceID(WithTraceIDUntraced(context.Background(), "mine")); got != "mine" {
		t.Fatalf("TraceID = %q, want mine", got)
	}
	other := NewTraceID()
	spanCtx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: other}))
	if sc := trace.SpanContextFromContext(WithTraceIDUntraced(spanCtx, id)); sc.TraceID() != other {
		t.Fatalf("the span context of ctx was replaced: %v", sc.TraceID())
	}
}
