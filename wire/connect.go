package wire

import (
	"errors"

	"connectrpc.com/connect"

	"github.com/actorstore/actorstore/messages"
)

// The errors of the gRPC/Connect API (messages/service.proto): a status
// code that gRPC tools understand, and the actorstore Error in the status
// details, so that a client gets back the same typed error as a peer.

// Headers (gRPC trailers) of a failed gRPC/Connect call, for callers that
// do not decode the status details (curl).
const (
	HeaderErrorCode = "actorstore-error-code" // ERROR_CODE_CONCURRENCY, ...
	HeaderTraceID   = "actorstore-trace-id"
)

// connectCodes maps each actorstore code to the gRPC status code whose
// meaning is closest (https://grpc.io/docs/guides/status-codes/).
var connectCodes = map[messages.ErrorCode]connect.Code{
	// A conflict of a read-modify-write sequence: the caller re-reads and
	// decides (gRPC's advice for optimistic concurrency).
	messages.ErrorCode_ERROR_CODE_CONCURRENCY:      connect.CodeAborted,
	messages.ErrorCode_ERROR_CODE_STREAM_NOT_FOUND: connect.CodeNotFound,
	messages.ErrorCode_ERROR_CODE_INVALID_INPUT:    connect.CodeInvalidArgument,
	messages.ErrorCode_ERROR_CODE_UNAVAILABLE:      connect.CodeUnavailable,
	messages.ErrorCode_ERROR_CODE_TIMEOUT:          connect.CodeDeadlineExceeded,
	messages.ErrorCode_ERROR_CODE_DUPLICATE_EVENT:  connect.CodeAlreadyExists,
	messages.ErrorCode_ERROR_CODE_CLOSED:           connect.CodeUnavailable,
	messages.ErrorCode_ERROR_CODE_VALIDATION:       connect.CodeInvalidArgument,
	messages.ErrorCode_ERROR_CODE_INTERNAL:         connect.CodeInternal,
	messages.ErrorCode_ERROR_CODE_LEASE_HELD:       connect.CodeFailedPrecondition,
	messages.ErrorCode_ERROR_CODE_LEASE_LOST:       connect.CodeAborted,
	messages.ErrorCode_ERROR_CODE_LOCKED:           connect.CodeUnavailable,
	// Deleted for good: nothing the caller retries changes it.
	messages.ErrorCode_ERROR_CODE_STREAM_DELETED: connect.CodeFailedPrecondition,
}

// ConnectCode is the gRPC status code of an actorstore error code
// (CodeUnknown for codes this version does not know). A request over the
// size limit (INVALID_INPUT with rule max_size on field "request") is
// ResourceExhausted, as when the transport refuses it.
func ConnectCode(e *messages.Error) connect.Code {
	if e.GetCode() == messages.ErrorCode_ERROR_CODE_INVALID_INPUT {
		for _, f := range e.GetFields() {
			if f.GetRule() == "max_size" {
				return connect.CodeResourceExhausted
			}
		}
	}
	if c, ok := connectCodes[e.GetCode()]; ok {
		return c
	}
	return connect.CodeUnknown
}

// ErrorToConnect is e as a gRPC/Connect status error: the code of
// ConnectCode, e's message, e itself in the details, and the headers
// HeaderErrorCode and HeaderTraceID.
func ErrorToConnect(e *messages.Error) *connect.Error {
	ce := connect.NewError(ConnectCode(e), errors.New(e.GetMessage()))
	if d, err := connect.NewErrorDetail(e); err == nil {
		ce.AddDetail(d)
	}
	ce.Meta().Set(HeaderErrorCode, e.GetCode().String())
	if e.GetTraceId() != "" {
		ce.Meta().Set(HeaderTraceID, e.GetTraceId())
	}
	return ce
}

// ErrorFromConnect turns an error of a gRPC/Connect call to a node back
// into the typed error the node reported (see ErrorFromProto): a
// *eventstore.ConcurrencyError for a conflict, and so on, with its trace
// ID. An error without an actorstore Error in its details (the transport
// failed, the call was cancelled) is returned as it is: a *connect.Error,
// or nil for nil.
func ErrorFromConnect(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if m, ok := v.(*messages.Error); ok {
			return ErrorFromProto(m)
		}
	}
	return err
}
