package client

import (
	"strings"
	"testing"

	"github.com/actorstore/actorstore/messages"
)

// TestRemoteErrorNamesTheOperation: an unavailable error the node sends
// without an operation is named after the client's call.
func TestRemoteErrorNamesTheOperation(t *testing.T) {
	err := remoteError("read", &messages.Error{Code: messages.ErrorCode_ERROR_CODE_UNAVAILABLE, Message: "store unavailable: database down"})
	if msg := err.Error(); !strings.HasPrefix(msg, "store unavailable: read failed: database down") || strings.Contains(msg, "attempt") {
		t.Fatalf("error text %q", msg)
	}
}
