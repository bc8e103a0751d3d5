package wire

import (
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// abortedOp prefixes the Operation of a transaction member that was
// aborted because another member failed (the error is that member's).
const abortedOp = "transaction aborted: "

// ErrorToProto converts an error to its wire form: its code
// (eventstore.CodeOf, the same number as messages.ErrorCode), the fields
// of its typed error, the trace ID attached to it (eventstore.TraceIDOf),
// and retryable as the code says. Errors of packages built on eventstore
// are converted by their registered ErrorCodec; errors of no known type
// travel with their code (CodeInternal unless they match a sentinel) and
// their text. It returns nil for a nil error.
func ErrorToProto(err error) *messages.Error {
	if err == nil {
		return nil
	}
	d := encodeError(err)
	m := d.toProto()
	m.TraceId = valid(eventstore.TraceIDOf(err))
	if m.TraceId != "" {
		m.Message = strings.Replace(m.Message, " [trace "+m.TraceId+"]", "", 1)
	}
	return m
}

func encodeError(err error) Detail {
	var ae *eventstore.AbortedError
	if errors.As(err, &ae) {
		// An aborted transaction member reports the cause's code and
		// fields, with its own stream in Operation.
		d := encodeError(ae.Cause)
		d.Operation = abortedOp + ae.Stream
		d.Message = err.Error()
		return d
	}
	d := Detail{Code: eventstore.CodeOf(err), Message: err.Error()}
	if encodeEntityError(err, &d) {
		return d
	}
	for _, c := range registered() {
		if c.Encode != nil && c.Encode(err, &d) {
			return d
		}
	}
	var (
		ce *eventstore.ConcurrencyError
		nf *eventstore.StreamNotFoundError
		ie *eventstore.InputError
		de *eventstore.DuplicateEventError
		xe *eventstore.ConnectionError
	)
	switch {
	case errors.As(err, &ce):
		d.Stream, d.Actual = ce.Stream, ce.Actual
		d.Expected = &ce.Expected
	case errors.As(err, &nf):
		d.Stream = nf.Stream
	case errors.As(err, &ie):
		d.Stream = ie.Stream
		d.Fields = []FieldError{{Path: ie.Field, Rule: ie.Rule, Message: ie.Message}}
	case errors.As(err, &de):
		d.Stream, d.EventID, d.ExistingStream = de.Stream, de.EventID, de.ExistingStream
		// The same problem as a field, for peers that predate EventID.
		d.Fields = []FieldError{{Path: "event_id", Rule: "unique", Message: de.EventID.String() + " in " + de.ExistingStream}}
	case errors.As(err, &xe):
		d.Operation, d.Stream = xe.Op, xe.Stream
	}
	return d
}

// ErrorFromProto turns a wire error back into the typed error the embedded
// API returns for the same failure, so that errors.As, errors.Is, CodeOf
// and IsRetryable give the same answers for peers. A trace ID on the wire
// is attached (eventstore.TraceIDOf reads it). Codes of registered
// ErrorCodecs are rebuilt by them; codes with no richer Go type become a
// *RemoteError. It returns nil for a nil message.
func ErrorFromProto(m *messages.Error) error {
	if m == nil {
		return nil
	}
	return eventstore.AttachTraceID(decodeError(detailFromProto(m)), m.GetTraceId())
}

func decodeError(d *Detail) error {
	if err := decodeEntityError(d); err != nil {
		return err
	}
	for _, c := range registered() {
		if c.Code == d.Code && c.Decode != nil {
			if err := c.Decode(d); err != nil {
				return err
			}
		}
	}
	switch d.Code {
	case eventstore.CodeConcurrency:
		ce := &eventstore.ConcurrencyError{Stream: d.Stream, Actual: d.Actual}
		if d.Expected != nil {
			ce.Expected = *d.Expected
		}
		return ce
	case eventstore.CodeStreamNotFound:
		return &eventstore.StreamNotFoundError{Stream: d.Stream}
	case eventstore.CodeInvalidInput:
		ie := &eventstore.InputError{Stream: d.Stream, Message: d.Message}
		if len(d.Fields) > 0 {
			ie.Field, ie.Rule, ie.Message = d.Fields[0].Path, d.Fields[0].Rule, d.Fields[0].Message
		}
		return ie
	case eventstore.CodeDuplicateEvent:
		return &eventstore.DuplicateEventError{EventID: d.EventID, Stream: d.Stream, ExistingStream: d.ExistingStream}
	case eventstore.CodeUnavailable:
		// The peer's message is the cause, without its own prefix (it names
		// the peer's host and attempts, which Host and Attempts cannot).
		return &eventstore.ConnectionError{Op: d.Operation, Stream: d.Stream,
			Err: errors.New(strings.TrimPrefix(d.Message, "store unavailable: "))}
	}
	return &RemoteError{Code: d.Code, Message: d.Message}
}

// RemoteError is a wire error with no richer Go type: a timeout that
// names no stream, a shutdown, a validation error when the schemas package
// is not linked in, an internal failure, or a code this version does not
// know. Its code is Code; errors.Is matches the sentinel of that code
// (ErrTimeout, ErrClosed, ...).
type RemoteError struct {
	Code    eventstore.Code
	Message string
}

func (e *RemoteError) Error() string { return e.Message }

// ErrorCode returns e.Code: CodeOf(e) is the code the peer sent.
func (e *RemoteError) ErrorCode() eventstore.Code { return e.Code }

// Is matches the sentinel of the error's code.
func (e *RemoteError) Is(target error) bool {
	s, ok := sentinels[e.Code]
	return ok && target == s
}

var sentinels = map[eventstore.Code]error{
	eventstore.CodeConcurrency:    eventstore.ErrConcurrency,
	eventstore.CodeStreamNotFound: eventstore.ErrStreamNotFound,
	eventstore.CodeInvalidInput:   eventstore.ErrInvalidInput,
	eventstore.CodeUnavailable:    eventstore.ErrUnavailable,
	eventstore.CodeTimeout:        eventstore.ErrTimeout,
	eventstore.CodeDuplicateEvent: eventstore.ErrDuplicateEvent,
	eventstore.CodeClosed:         eventstore.ErrClosed,
	eventstore.CodeLeaseHeld:      eventstore.ErrLeaseHeld,
	eventstore.CodeLeaseLost:      eventstore.ErrLeaseLost,
	eventstore.CodeLocked:         eventstore.ErrLocked,
}

func detailFromProto(m *messages.Error) *Detail {
	d := &Detail{Code: eventstore.Code(m.GetCode()), Message: m.GetMessage(), Stream: m.GetStream(),
		Operation: m.GetOperation(), Actual: m.GetActualVersion(), ExistingStream: m.GetExistingStream(),
		Streams: m.GetStreams()}
	if e, err := ExpectedVersionFromProto("expected", m.GetExpected()); err == nil {
		d.Expected = &e
	}
	if id, err := uuid.FromBytes(m.GetEventId()); err == nil {
		d.EventID = id
	}
	for _, f := range m.GetFields() {
		d.Fields = append(d.Fields, FieldError{Path: f.GetPath(), Rule: f.GetRule(), Message: f.GetMessage()})
	}
	return d
}

func (d *Detail) toProto() *messages.Error {
	m := &messages.Error{Code: messages.ErrorCode(d.Code), Message: valid(d.Message), Stream: valid(d.Stream),
		Operation: valid(d.Operation), ActualVersion: d.Actual, Retryable: d.Code.Retryable(),
		ExistingStream: valid(d.ExistingStream)}
	for _, s := range d.Streams {
		m.Streams = append(m.Streams, valid(s))
	}
	if d.Expected != nil {
		m.Expected = ExpectedVersionToProto(*d.Expected)
	}
	if d.EventID != uuid.Nil {
		m.EventId = d.EventID[:]
	}
	for _, f := range d.Fields {
		m.Fields = append(m.Fields, &messages.FieldError{Path: valid(f.Path), Rule: valid(f.Rule), Message: valid(f.Message)})
	}
	return m
}

// valid makes s valid UTF-8, as protobuf strings must be (error text may
// quote a payload or a stream ID byte for byte).
func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
