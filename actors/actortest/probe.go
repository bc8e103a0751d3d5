// Package actortest has test helpers for actors: a Probe is a PID whose
// messages arrive on a Go channel, so tests wait on messages, never on
// sleeps. Probes are safe for concurrent use.
package actortest

import (
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors"
)

// Probe is a PID that records every message sent to it.
type Probe struct {
	mb *actors.Mailbox
}

// NewProbe registers a probe with room for 1024 unread messages (a sender
// blocks beyond that) and removes it when the test ends.
func NewProbe(t testing.TB, sys *actors.System) *Probe {
	t.Helper()
	p := &Probe{mb: sys.NewMailbox(1024)}
	t.Cleanup(p.mb.Close)
	return p
}

// PID is the probe's address: pass it as a sender, a watcher or a hook target.
func (p *Probe) PID() *actors.PID { return p.mb.PID() }

// Watch makes the probe receive *actors.Terminated when pid stops.
func (p *Probe) Watch(pid *actors.PID) { p.mb.Watch(pid) }

// ExpectMsg returns the next message, failing the test after timeout.
func (p *Probe) ExpectMsg(t testing.TB, timeout time.Duration) any {
	t.Helper()
	select {
	case m := <-p.mb.C():
		return m
	case <-time.After(timeout):
		t.Fatalf("probe %s: no message within %v", p.PID(), timeout)
		return nil
	}
}

// ExpectNoMsg fails the test if a message arrives within d.
func (p *Probe) ExpectNoMsg(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case m := <-p.mb.C():
		t.Fatalf("probe %s: unexpected message %T %+v", p.PID(), m, m)
	case <-time.After(d):
	}
}

// ExpectMsgType returns the next message as a T, failing the test if it is
// of another type or none arrives within timeout.
func ExpectMsgType[T any](t testing.TB, p *Probe, timeout time.Duration) T {
	t.Helper()
	m := p.ExpectMsg(t, timeout)
	v, ok := m.(T)
	if !ok {
		var zero T
		t.Fatalf("probe %s: got %T %+v, want %T", p.PID(), m, m, zero)
	}
	return v
}

// ExpectTerminated waits for the *actors.Terminated of pid (after Watch).
func (p *Probe) ExpectTerminated(t testing.TB, pid *actors.PID, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m := <-p.mb.C():
			if term, ok := m.(*actors.Terminated); ok && actors.SamePID(term.Who, pid) {
				return
			}
		case <-deadline:
			t.Fatalf("probe %s: %s did not terminate within %v", p.PID(), pid, timeout)
		}
	}
}
