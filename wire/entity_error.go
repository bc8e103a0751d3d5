package wire

import (
	"errors"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
)

// The entity errors travel with their code and an operation that names
// them (messages/entities.proto):
//
//   - *UnknownKindError: INVALID_INPUT, operation "execute", field
//     {path "stream", rule "kind"};
//   - *RejectedError: VALIDATION, operation "execute: rejected", field
//     {path: the command's type, rule "rejected", message: the handler's
//     reason};
//   - *EntityError: INTERNAL, operation "execute: <op>" (handle, fold,
//     decode snapshot, encode reply), field {path: the command's type, rule
//     "written" or "not_written", message: the cause}.
//
// Decoded, the reason and the cause are plain errors with the peer's text
// (the handler's own error type does not cross processes).
const (
	executeOp  = "execute"
	rejectedOp = "execute: rejected"
	entityOp   = "execute: "
)

func encodeEntityError(err error, d *Detail) bool {
	var (
		uk *eventstore.UnknownKindError
		re *eventstore.RejectedError
		ee *eventstore.EntityError
	)
	switch {
	case errors.As(err, &uk):
		d.Stream, d.Operation = uk.Stream, executeOp
		d.Fields = []FieldError{{Path: "stream", Rule: "kind", Message: uk.Error()}}
	case errors.As(err, &re):
		d.Stream, d.Operation = re.Stream, rejectedOp
		d.Fields = []FieldError{{Path: re.Command, Rule: "rejected", Message: errText(re.Reason)}}
	case errors.As(err, &ee):
		d.Stream, d.Operation = ee.Stream, entityOp+ee.Op
		rule := "not_written"
		if ee.Written {
			rule = "written"
		}
		d.Fields = []FieldError{{Path: ee.Command, Rule: rule, Message: errText(ee.Err)}}
	default:
		return false
	}
	return true
}

func decodeEntityError(d *Detail) error {
	if len(d.Fields) != 1 {
		return nil
	}
	f := d.Fields[0]
	switch {
	case d.Code == eventstore.CodeInvalidInput && d.Operation == executeOp && f.Rule == "kind":
		return &eventstore.UnknownKindError{Stream: d.Stream}
	case d.Code == eventstore.CodeValidation && d.Operation == rejectedOp:
		return &eventstore.RejectedError{Stream: d.Stream, Command: f.Path, Reason: errors.New(f.Message)}
	case d.Code == eventstore.CodeInternal && strings.HasPrefix(d.Operation, entityOp):
		return &eventstore.EntityError{Stream: d.Stream, Command: f.Path, Op: strings.TrimPrefix(d.Operation, entityOp),
			Written: f.Rule == "written", Err: errors.New(f.Message)}
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
