package actors

import (
	"context"
	"slices"
)

// signalTopologyLocked wakes every attempt waiting for a topology change.
// cl.mu must be held for writing.
func (cl *Cluster) signalTopologyLocked() {
	if cl.changed != nil {
		close(cl.changed)
	}
	cl.changed = make(chan struct{})
}

// topology returns the current members and a channel closed at the next
// change.
func (cl *Cluster) topology() ([]string, <-chan struct{}) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.changed == nil {
		cl.changed = make(chan struct{})
	}
	return cl.members, cl.changed
}

// cancelIfDeparted cancels an attempt to a member at address as soon as a
// topology without that member arrives: a request in flight to a member that
// was killed then fails over at once, instead of waiting out its
// AttemptTimeout (issue 18, finding 6: failover took the 3 s attempt, not
// the ~1 refresh in which the topology drops a member). The returned
// function stops watching; call it when the attempt ends.
func (cl *Cluster) cancelIfDeparted(ctx context.Context, address string, cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			members, changed := cl.topology()
			if len(members) > 0 && !slices.Contains(members, address) {
				cancel()
				return
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}
