package wire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// TestUnavailableOverTheWireNamesItsOperation: a store failure reaches a
// peer as an unavailable error that names the operation and keeps the
// node's text, never "on  failed after 0 attempt(s)" (issue 18, finding 4).
func TestUnavailableOverTheWireNamesItsOperation(t *testing.T) {
	err := &eventstore.ConnectionError{Host: "/d/store.db", Op: "read all", Attempts: 1, Err: errors.New("too many SQL variables")}
	got, _ := overTheWire(t, err)
	msg := got.Error()
	for _, bad := range []string{"on  ", "0 attempt", "store unavailable: store unavailable"} {
		if strings.Contains(msg, bad) {
			t.Errorf("%q contains %q", msg, bad)
		}
	}
	for _, want := range []string{"read all", "/d/store.db", "after 1 attempt(s)", "too many SQL variables"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not say %q", msg, want)
		}
	}
	if !eventstore.IsRetryable(got) {
		t.Error("not retryable over the wire")
	}
}
