package node_test

import (
	"testing"

	"github.com/actorstore/actorstore/messages"
)

// TestHealthRequest: a HealthRequest is answered with the store's
// readiness report, the same checks as /readyz, all passing.
func TestHealthRequest(t *testing.T) {
	reply, ok := local(t, &messages.HealthRequest{}).(*messages.HealthReply)
	if !ok || reply.GetError() != nil {
		t.Fatalf("reply %v", reply)
	}
	rep := reply.GetResult()
	var names []string
	for _, c := range rep.GetChecks() {
		names = append(names, c.GetName())
		if !c.GetOk() || c.GetError() != "" {
			t.Errorf("check %s failed: %s", c.GetName(), c.GetError())
		}
	}
	if !rep.GetOk() || len(names) != 3 || names[0] != "database" || names[1] != "migrations" || names[2] != "actors" {
		t.Fatalf("health report %v", rep)
	}
}
