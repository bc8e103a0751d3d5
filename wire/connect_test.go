package wire_test

import (
	"errors"
	"testing"

	"connectrpc.com/connect"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// TestEveryCodeHasAStatus: each actorstore code maps to a gRPC status
// other than Unknown (a new code needs its line in wire/connect.go), and
// the Error travels in the details and comes back as the typed error.
func TestEveryCodeHasAStatus(t *testing.T) {
	for n, name := range messages.ErrorCode_name {
		code := messages.ErrorCode(n)
		if code == messages.ErrorCode_ERROR_CODE_UNSPECIFIED {
			continue
		}
		e := &messages.Error{Code: code, Message: "m", TraceId: "trace-1", Stream: "s-1"}
		ce := wire.ErrorToConnect(e)
		if ce.Code() == connect.CodeUnknown {
			t.Errorf("%s has no gRPC status", name)
		}
		if got := ce.Meta().Get(wire.HeaderErrorCode); got != name {
			t.Errorf("%s: header %q", name, got)
		}
		back := wire.ErrorFromConnect(ce)
		if eventstore.TraceIDOf(back) != "trace-1" || int32(eventstore.CodeOf(back)) != n {
			t.Errorf("%s: came back as %v (code %v)", name, back, eventstore.CodeOf(back))
		}
	}
	if err := wire.ErrorFromConnect(connect.NewError(connect.CodeUnavailable, errors.New("no route"))); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("a transport error without details changed: %v", err)
	}
}
