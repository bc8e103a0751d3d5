package wire_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/wire"
)

// overTheWire is what a peer gets for err: its wire form, marshalled,
// unmarshalled and turned back into a Go error.
func overTheWire(t *testing.T, err error) (error, *messages.Error) {
	t.Helper()
	raw, merr := proto.Marshal(wire.ErrorToProto(err))
	if merr != nil {
		t.Fatal(merr)
	}
	var m messages.Error
	if err := proto.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return wire.ErrorFromProto(&m), &m
}

// TestCodeAndRetryableAgreeOverTheWire: for every code, errors of that code
// have the same CodeOf and IsRetryable in process and after the trip to a
// peer, and the wire's code and retryable flag say the same. The
// streams.StreamError cases are the confirmed bug: a stream actor that
// failed before writing (ErrNotWritten) is retryable in process and was
// INTERNAL, not retryable, for a peer.
func TestCodeAndRetryableAgreeOverTheWire(t *testing.T) {
	conn := &eventstore.ConnectionError{Host: "db:5432", Op: "append", Attempts: 5, Err: errors.New("refused"), Stream: "s"}
	ve := &schemas.ValidationError{Stream: "s", Events: []schemas.EventProblems{{Index: 0, Type: "t", Version: 1,
		Problems: []schemas.Problem{{Path: "/a", Rule: "type", Message: "want string"}}}}}
	cases := []struct {
		name string
		err  error
		code eventstore.Code
	}{
		{"concurrency", &eventstore.ConcurrencyError{Stream: "s", Expected: eventstore.Exact(1), Actual: 2}, eventstore.CodeConcurrency},
		{"stream not found", &eventstore.StreamNotFoundError{Stream: "s"}, eventstore.CodeStreamNotFound},
		{"invalid input", &eventstore.InputError{Field: "stream", Rule: "required", Message: "empty"}, eventstore.CodeInvalidInput},
		{"unavailable store", conn, eventstore.CodeUnavailable},
		{"stream actor failed before writing", &streams.StreamError{Stream: "s", Op: "append", Err: streams.ErrNotWritten}, eventstore.CodeUnavailable},
		{"stream actor stopped while committing", &streams.StreamError{Stream: "s", Op: "append", Err: streams.ErrOutcomeUnknown}, eventstore.CodeUnavailable},
		{"aborted by an unavailable store", &eventstore.AbortedError{Stream: "b", Cause: conn}, eventstore.CodeUnavailable},
		{"stream timeout", &eventstore.TimeoutError{Op: "append", Stream: "s", Expected: eventstore.Exact(3), Target: "$1"}, eventstore.CodeTimeout},
		{"request timeout", &eventstore.TimeoutError{Target: "$1"}, eventstore.CodeTimeout},
		{"transaction timeout", &eventstore.TimeoutError{Op: "transact", Streams: []string{"a", "b"}}, eventstore.CodeTimeout},
		{"deadline", fmt.Errorf("append: %w", context.DeadlineExceeded), eventstore.CodeTimeout},
		{"statement timeout", &eventstore.ConnectionError{Host: "db", Op: "append", Err: context.DeadlineExceeded, Stream: "s"}, eventstore.CodeTimeout},
		{"duplicate event", &eventstore.DuplicateEventError{EventID: uuid.New(), Stream: "a", ExistingStream: "b"}, eventstore.CodeDuplicateEvent},
		{"closed", eventstore.ErrClosed, eventstore.CodeClosed},
		{"stream node closed", &streams.StreamError{Op: "call", Err: streams.ErrClosed}, eventstore.CodeClosed},
		{"validation", ve, eventstore.CodeValidation},
		{"aborted by validation", &eventstore.AbortedError{Stream: "b", Cause: ve}, eventstore.CodeValidation},
		{"lease held", &persistence.LeaseHeldError{Name: "subscription/x", Owner: "h:1:a"}, eventstore.CodeLeaseHeld},
		{"lease lost", fmt.Errorf("dropped: %w", &persistence.LeaseLostError{Name: "subscription/x", Token: 3}), eventstore.CodeLeaseLost},
		{"embedded store locked", &sqlite.LockedError{Path: "/d/actorstore.db", PID: 7}, eventstore.CodeLocked},
		{"stream deleted", &eventstore.StreamDeletedError{Stream: "s"}, eventstore.CodeStreamDeleted},
		{"internal", errors.New("boom"), eventstore.CodeInternal},
		{"cancelled", context.Canceled, eventstore.CodeInternal},
	}
	seen := map[eventstore.Code]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := eventstore.AttachTraceID(tc.err, "trace-"+tc.name)
			got, m := overTheWire(t, err)
			if c := eventstore.CodeOf(err); c != tc.code {
				t.Fatalf("in process: CodeOf = %v, want %v", c, tc.code)
			}
			if c := eventstore.CodeOf(got); c != tc.code {
				t.Fatalf("over the wire: CodeOf = %v, want %v (%T %v)", c, tc.code, got, got)
			}
			if in, out := eventstore.IsRetryable(err), eventstore.IsRetryable(got); in != out || in != tc.code.Retryable() {
				t.Fatalf("IsRetryable in process %v, over the wire %v, code %v says %v", in, out, tc.code, tc.code.Retryable())
			}
			if eventstore.Code(m.GetCode()) != tc.code || m.GetRetryable() != tc.code.Retryable() {
				t.Fatalf("wire form: code %v retryable %v", m.GetCode(), m.GetRetryable())
			}
			if id := eventstore.TraceIDOf(got); id != "trace-"+tc.name {
				t.Fatalf("trace ID over the wire %q", id)
			}
		})
		seen[tc.code] = true
	}
	for c := eventstore.Code(1); int(c) < eventstore.NumCodes; c++ {
		if !seen[c] {
			t.Errorf("no case for code %v", c)
		}
	}
}

// TestCodesAreTheWireEnum: every Code has the number and name of the wire's
// ErrorCode, and every ErrorCode is a Code.
func TestCodesAreTheWireEnum(t *testing.T) {
	if len(messages.ErrorCode_name) != eventstore.NumCodes {
		t.Fatalf("%d wire codes, %d Go codes", len(messages.ErrorCode_name), eventstore.NumCodes)
	}
	for n, name := range messages.ErrorCode_name {
		want := strings.ToLower(strings.TrimPrefix(name, "ERROR_CODE_"))
		if got := eventstore.Code(n).String(); got != want {
			t.Errorf("code %d: Go name %q, wire name %q", n, got, want)
		}
	}
}

// TestUnknownCodeIsNotRetryable: a code from a newer peer keeps its number
// and is not retryable, whatever the peer's retryable flag says.
func TestUnknownCodeIsNotRetryable(t *testing.T) {
	err := wire.ErrorFromProto(&messages.Error{Code: 42, Message: "new", Retryable: true})
	if eventstore.CodeOf(err) != 42 || eventstore.IsRetryable(err) || err.Error() != "new" {
		t.Fatalf("unknown code: %v %v %v", eventstore.CodeOf(err), eventstore.IsRetryable(err), err)
	}
}

// TestTimeoutsKeepWhatTheyName: a timeout on a stream keeps its operation,
// stream and expected version over the wire, and a transaction's timeout
// its streams.
func TestTimeoutsKeepWhatTheyName(t *testing.T) {
	got, _ := overTheWire(t, &eventstore.TimeoutError{Op: "append", Stream: "s", Expected: eventstore.Exact(3), Target: "$1"})
	var te *eventstore.TimeoutError
	if !errors.As(got, &te) || te.Op != "append" || te.Stream != "s" || te.Expected != eventstore.Exact(3) {
		t.Fatalf("stream timeout over the wire: %#v", got)
	}
	got, _ = overTheWire(t, &eventstore.TimeoutError{Op: "transact", Streams: []string{"a", "b"}})
	if !errors.As(got, &te) || te.Op != "transact" || len(te.Streams) != 2 || te.Streams[0] != "a" || te.Streams[1] != "b" {
		t.Fatalf("transaction timeout over the wire: %#v", got)
	}
}
