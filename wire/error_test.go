package wire

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// TestErrorWireRoundTrip checks that every typed error survives the trip to
// a peer: marshalled, unmarshalled and converted back, it matches the same
// sentinel, has the same type and keeps its fields.
func TestErrorWireRoundTrip(t *testing.T) {
	id := uuid.New()
	cases := []struct {
		name     string
		err      error
		sentinel error
		check    func(t *testing.T, got error)
	}{
		{"concurrency", &eventstore.ConcurrencyError{Stream: "s-1", Expected: eventstore.Exact(3), Actual: 5}, eventstore.ErrConcurrency,
			func(t *testing.T, got error) {
				var ce *eventstore.ConcurrencyError
				if !errors.As(got, &ce) || ce.Stream != "s-1" || ce.Actual != 5 || ce.Expected != eventstore.Exact(3) {
					t.Fatalf("got %#v", got)
				}
			}},
		{"not found", eventstore.AttachTraceID(&eventstore.StreamNotFoundError{Stream: "s-2"}, "t2"), eventstore.ErrStreamNotFound,
			func(t *testing.T, got error) {
				var nf *eventstore.StreamNotFoundError
				if !errors.As(got, &nf) || nf.Stream != "s-2" || eventstore.TraceIDOf(got) != "t2" {
					t.Fatalf("got %#v", got)
				}
			}},
		{"input", &eventstore.InputError{Field: "events[0].type", Rule: "required", Message: "empty", Stream: "s"}, eventstore.ErrInvalidInput,
			func(t *testing.T, got error) {
				var ie *eventstore.InputError
				if !errors.As(got, &ie) || ie.Field != "events[0].type" || ie.Rule != "required" || ie.Stream != "s" {
					t.Fatalf("got %#v", got)
				}
			}},
		{"duplicate", &eventstore.DuplicateEventError{EventID: id, Stream: "a", ExistingStream: "b"}, eventstore.ErrDuplicateEvent,
			func(t *testing.T, got error) {
				var de *eventstore.DuplicateEventError
				if !errors.As(got, &de) || de.EventID != id || de.Stream != "a" || de.ExistingStream != "b" {
					t.Fatalf("got %#v", got)
				}
			}},
		{"connection", &eventstore.ConnectionError{Host: "db:5432", Op: "append", Attempts: 5, Err: errors.New("refused")}, eventstore.ErrUnavailable,
			func(t *testing.T, got error) {
				if !eventstore.IsRetryable(got) {
					t.Fatalf("connection error should stay retryable: %v", got)
				}
			}},
		{"connection on a stream", &eventstore.ConnectionError{Host: "db:5432", Op: "append", Attempts: 1, Err: errors.New("x"),
			Stream: "s-5"}, eventstore.ErrUnavailable,
			func(t *testing.T, got error) {
				var xe *eventstore.ConnectionError
				if !errors.As(got, &xe) || xe.Stream != "s-5" || xe.Op != "append" {
					t.Fatalf("got %#v", got)
				}
			}},
		{"timeout", fmt.Errorf("append: %w", context.DeadlineExceeded), eventstore.ErrTimeout, nil},
		{"closed", eventstore.ErrClosed, eventstore.ErrClosed, nil},
		{"unknown kind", &eventstore.UnknownKindError{Stream: "cart-1"}, eventstore.ErrUnknownKind,
			func(t *testing.T, got error) {
				var uk *eventstore.UnknownKindError
				if !errors.As(got, &uk) || uk.Stream != "cart-1" || !errors.Is(got, eventstore.ErrInvalidInput) {
					t.Fatalf("got %#v", got)
				}
			}},
		{"rejected", &eventstore.RejectedError{Stream: "order-1", Command: "*orders.Ship", Reason: errors.New("order is empty")},
			eventstore.ErrRejected,
			func(t *testing.T, got error) {
				var re *eventstore.RejectedError
				if !errors.As(got, &re) || re.Stream != "order-1" || re.Command != "*orders.Ship" ||
					re.Reason == nil || re.Reason.Error() != "order is empty" || eventstore.CodeOf(got) != eventstore.CodeValidation {
					t.Fatalf("got %#v", got)
				}
			}},
		{"entity failed", &eventstore.EntityError{Stream: "order-2", Command: "*orders.Add", Op: "fold", Written: true,
			Err: errors.New("panic: index out of range")}, eventstore.ErrEntityFailed,
			func(t *testing.T, got error) {
				var ee *eventstore.EntityError
				if !errors.As(got, &ee) || ee.Stream != "order-2" || ee.Command != "*orders.Add" || ee.Op != "fold" ||
					!ee.Written || ee.Err.Error() != "panic: index out of range" {
					t.Fatalf("got %#v", got)
				}
			}},
		{"aborted", &eventstore.AbortedError{Stream: "b", Cause: &eventstore.ConcurrencyError{Stream: "a", Expected: eventstore.NoStream(), Actual: 1}}, eventstore.ErrConcurrency,
			func(t *testing.T, got error) {
				var ce *eventstore.ConcurrencyError
				if !errors.As(got, &ce) || ce.Stream != "a" {
					t.Fatalf("aborted member should carry the cause: %#v", got)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := proto.Marshal(ErrorToProto(tc.err))
			if err != nil {
				t.Fatal(err)
			}
			var m messages.Error
			if err := proto.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			got := ErrorFromProto(&m)
			if !errors.Is(got, tc.sentinel) {
				t.Fatalf("ErrorFromProto(%v) = %v, does not match %v", tc.err, got, tc.sentinel)
			}
			if eventstore.IsRetryable(got) != eventstore.IsRetryable(tc.err) {
				t.Fatalf("retryable changed over the wire: %v -> %v", eventstore.IsRetryable(tc.err), eventstore.IsRetryable(got))
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func TestErrorToProtoNil(t *testing.T) {
	if ErrorToProto(nil) != nil || ErrorFromProto(nil) != nil {
		t.Fatal("nil must map to nil both ways")
	}
}
