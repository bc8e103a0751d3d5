package actors

import (
	"github.com/asynkron/protoactor-go/actor"
)

// chanProcess is a protoactor process that delivers every message it
// receives into a Go channel. It backs Request (a one-shot reply) and the
// test probes. A full channel drops the message only when drop is set
// (Request: only the first reply counts); otherwise the sender blocks.
type chanProcess struct {
	ch   chan any
	drop bool
}

var _ actor.Process = (*chanProcess)(nil)

func (p *chanProcess) SendUserMessage(_ *actor.PID, message any) {
	_, msg, _ := actor.UnwrapEnvelope(message)
	p.deliver(msg)
}

func (p *chanProcess) SendSystemMessage(_ *actor.PID, message any) { p.deliver(message) }

func (p *chanProcess) Stop(*actor.PID) {}

func (p *chanProcess) deliver(msg any) {
	if !p.drop {
		p.ch <- msg
		return
	}
	select {
	case p.ch <- msg:
	default:
	}
}

// Mailbox is a PID whose messages arrive on a Go channel. It is the bridge
// from actors to plain goroutines (requests, tests). Close it when done.
type Mailbox struct {
	sys *System
	pid *PID
	ch  chan any
}

// NewMailbox registers a channel-backed PID with room for size messages; a
// sender to a full mailbox blocks until a message is taken.
func (s *System) NewMailbox(size int) *Mailbox {
	return s.newMailbox(size, false)
}

func (s *System) newMailbox(size int, drop bool) *Mailbox {
	p := &chanProcess{ch: make(chan any, size), drop: drop}
	id := s.as.ProcessRegistry.NextId()
	pid, _ := s.as.ProcessRegistry.Add(p, "mailbox"+id)
	return &Mailbox{sys: s, pid: pid, ch: p.ch}
}

// PID is the mailbox's address.
func (m *Mailbox) PID() *PID { return m.pid }

// C is the channel messages arrive on.
func (m *Mailbox) C() <-chan any { return m.ch }

// Watch asks to receive *Terminated when pid stops (at once if it is gone).
func (m *Mailbox) Watch(pid *PID) {
	m.sys.sendSystem(pid, &actor.Watch{Watcher: m.pid})
}

// Close unregisters the mailbox; later messages go to dead letters.
func (m *Mailbox) Close() { m.sys.as.ProcessRegistry.Remove(m.pid) }

// sendSystem delivers a system message (watch) to pid.
func (s *System) sendSystem(pid *PID, msg any) {
	proc, _ := s.as.ProcessRegistry.Get(pid)
	proc.SendSystemMessage(pid, msg)
}
