package wire

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// ErrorToProto converts an error to its wire form with a stable code and
// the fields of its typed error. It returns nil for a nil error. Errors of
// unknown types travel as ERROR_CODE_INTERNAL with their text.
func ErrorToProto(err error) *messages.Error {
	if err == nil {
		return nil
	}
	m := &messages.Error{Message: err.Error(), Retryable: eventstore.IsRetryable(err)}
	var (
		ce *eventstore.ConcurrencyError
		nf *eventstore.StreamNotFoundError
		ie *eventstore.InputError
		de *eventstore.DuplicateEventError
		xe *eventstore.ConnectionError
		te *eventstore.TimeoutError
		ae *eventstore.AbortedError
	)
	switch {
	case errors.As(err, &ae):
		// An aborted transaction member reports the cause's code, with the
		// member's stream in Operation so the client can tell them apart.
		inner := ErrorToProto(ae.Cause)
		inner.Operation = "transaction aborted: " + ae.Stream
		inner.Message = err.Error()
		if inner.TraceId == "" {
			inner.TraceId = ae.TraceID
		}
		return inner
	case errors.As(err, &ce):
		m.Code = messages.ErrorCode_ERROR_CODE_CONCURRENCY
		m.Stream, m.ActualVersion, m.TraceId = ce.Stream, ce.Actual, ce.TraceID
		m.Expected = ExpectedVersionToProto(ce.Expected)
	case errors.As(err, &nf):
		m.Code = messages.ErrorCode_ERROR_CODE_STREAM_NOT_FOUND
		m.Stream, m.TraceId = nf.Stream, nf.TraceID
	case errors.As(err, &ie):
		m.Code = messages.ErrorCode_ERROR_CODE_INVALID_INPUT
		m.Stream, m.TraceId = ie.Stream, ie.TraceID
		m.Fields = []*messages.FieldError{{Path: ie.Field, Rule: ie.Rule, Message: ie.Message}}
	case errors.As(err, &de):
		m.Code = messages.ErrorCode_ERROR_CODE_DUPLICATE_EVENT
		m.Stream, m.TraceId = de.Stream, de.TraceID
		m.Fields = []*messages.FieldError{{Path: "event_id", Rule: "unique",
			Message: de.EventID.String() + " in " + de.ExistingStream}}
	case errors.As(err, &te):
		m.Code = messages.ErrorCode_ERROR_CODE_TIMEOUT
		m.Operation, m.Stream, m.TraceId = te.Op, te.Stream, te.TraceID
		if te.Op == "append" {
			m.Expected = ExpectedVersionToProto(te.Expected)
		}
	case errors.As(err, &xe):
		m.Code = messages.ErrorCode_ERROR_CODE_UNAVAILABLE
		m.Operation, m.Stream, m.TraceId = xe.Op, xe.Stream, xe.TraceID
	case errors.Is(err, eventstore.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		m.Code = messages.ErrorCode_ERROR_CODE_TIMEOUT
	case errors.Is(err, eventstore.ErrClosed):
		m.Code = messages.ErrorCode_ERROR_CODE_CLOSED
	default:
		m.Code = messages.ErrorCode_ERROR_CODE_INTERNAL
	}
	return m
}

// ErrorFromProto turns a wire error back into the typed error the embedded
// API returns for the same failure, so errors.As and errors.Is work the same
// for peers. It returns nil for a nil message.
func ErrorFromProto(m *messages.Error) error {
	if m == nil {
		return nil
	}
	switch m.GetCode() {
	case messages.ErrorCode_ERROR_CODE_CONCURRENCY:
		return &eventstore.ConcurrencyError{Stream: m.GetStream(), Expected: ExpectedVersionFromProto(m.GetExpected()),
			Actual: m.GetActualVersion(), TraceID: m.GetTraceId()}
	case messages.ErrorCode_ERROR_CODE_STREAM_NOT_FOUND:
		return &eventstore.StreamNotFoundError{Stream: m.GetStream(), TraceID: m.GetTraceId()}
	case messages.ErrorCode_ERROR_CODE_INVALID_INPUT:
		ie := &eventstore.InputError{Stream: m.GetStream(), TraceID: m.GetTraceId(), Message: m.GetMessage()}
		if f := m.GetFields(); len(f) > 0 {
			ie.Field, ie.Rule, ie.Message = f[0].GetPath(), f[0].GetRule(), f[0].GetMessage()
		}
		return ie
	case messages.ErrorCode_ERROR_CODE_DUPLICATE_EVENT:
		de := &eventstore.DuplicateEventError{Stream: m.GetStream(), TraceID: m.GetTraceId()}
		if f := m.GetFields(); len(f) > 0 {
			idText, existing, _ := strings.Cut(f[0].GetMessage(), " in ")
			if id, err := uuid.Parse(idText); err == nil {
				de.EventID, de.ExistingStream = id, existing
			}
		}
		return de
	case messages.ErrorCode_ERROR_CODE_UNAVAILABLE:
		return &eventstore.ConnectionError{Op: m.GetOperation(), Err: errors.New(m.GetMessage()), Stream: m.GetStream(),
			TraceID: m.GetTraceId()}
	case messages.ErrorCode_ERROR_CODE_TIMEOUT:
		if m.GetStream() != "" {
			return &eventstore.TimeoutError{Op: m.GetOperation(), Stream: m.GetStream(),
				Expected: ExpectedVersionFromProto(m.GetExpected()), Err: errors.New(m.GetMessage()), TraceID: m.GetTraceId()}
		}
		return &RemoteError{Code: m.GetCode(), Message: m.GetMessage(), TraceID: m.GetTraceId(), kind: eventstore.ErrTimeout}
	case messages.ErrorCode_ERROR_CODE_CLOSED:
		return &RemoteError{Code: m.GetCode(), Message: m.GetMessage(), TraceID: m.GetTraceId(), kind: eventstore.ErrClosed}
	}
	return &RemoteError{Code: m.GetCode(), Message: m.GetMessage(), TraceID: m.GetTraceId()}
}

// RemoteError is a wire error with no richer Go type: timeouts, shutdown,
// internal failures. errors.Is matches ErrTimeout or ErrClosed where the
// code says so.
type RemoteError struct {
	Code    messages.ErrorCode
	Message string
	TraceID string
	kind    error
}

func (e *RemoteError) Error() string {
	return e.Message + traceSuffix(e.TraceID)
}

func traceSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " [trace " + id + "]"
}

// Is matches the sentinel of the error's code.
func (e *RemoteError) Is(target error) bool { return e.kind != nil && target == e.kind }
