package subscriptions

import (
	"context"
	"testing"

	"github.com/actorstore/actorstore/actors"
)

// subscriptionPIDs returns the hub's subscription actors.
func subscriptionPIDs(t testing.TB, hub *Hub) []*actors.PID {
	t.Helper()
	reply, err := actors.Request(context.Background(), hub.sh.sys, hub.pid, childrenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return reply.([]*actors.PID)
}

// subLive reports whether all n subscriptions of hub are live.
func subLive(t testing.TB, hub *Hub, n int) bool {
	pids := subscriptionPIDs(t, hub)
	if len(pids) != n {
		return false
	}
	for _, pid := range pids {
		if !statsOf(t, hub, pid).Live {
			return false
		}
	}
	return true
}

func statsOf(t testing.TB, hub *Hub, pid *actors.PID) subStats {
	t.Helper()
	reply, err := actors.Request(context.Background(), hub.sh.sys, pid, statsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return reply.(subStats)
}
