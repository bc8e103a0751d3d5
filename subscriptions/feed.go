package subscriptions

import (
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// feed turns the commits handed to Publish and the store's notifications
// into one feed of events contiguous in position, so that subscriptions
// seldom need to read the store once live.
//
// A published batch that continues the feed (its first position is head+1)
// is fanned out at once. A gap (commits of another process, or a batch
// that overtook a notification) makes the hub read the missing range from
// the store, off its mailbox; batches that arrive meanwhile are held
// (bounded) and applied after the read. A notification beyond head that no
// Publish explains within RemoteGrace also triggers a read: that is how
// commits of other processes reach subscribers, without polling.
type feed struct {
	head    eventstore.Position // last position fanned out
	known   eventstore.Position // newest position known to be committed
	reading bool
	held    [][]eventstore.RecordedEvent // batches published during a read
	nHeld   int
	timer   *time.Timer
}

func (f *feed) onPublished(c actors.Context, h *hubActor, events []eventstore.RecordedEvent) {
	f.known = max(f.known, events[len(events)-1].Position)
	if f.reading {
		if f.nHeld+len(events) <= 4*h.sh.cfg.PageSize {
			f.held = append(f.held, events)
			f.nHeld += len(events)
		}
		return
	}
	f.apply(c, h, events)
}

// apply fans out the part of events that continues the feed and starts a
// read when events do not.
func (f *feed) apply(c actors.Context, h *hubActor, events []eventstore.RecordedEvent) {
	i := 0
	for i < len(events) && events[i].Position <= f.head {
		i++
	}
	j := i
	for j < len(events) && events[j].Position == f.head+1+uint64(j-i) {
		j++
	}
	if j > i {
		h.fanout(c, events[i:j])
		f.head = events[j-1].Position
	}
	if j < len(events) {
		f.startRead(c, h)
	}
}

func (f *feed) onNotified(c actors.Context, h *hubActor, pos eventstore.Position) {
	f.known = max(f.known, pos)
	if pos > f.head && !f.reading && f.timer == nil {
		f.timer = h.sh.timeAfter(h.sh.cfg.RemoteGrace, c.Self(), checkHead{})
	}
}

func (f *feed) onCheckHead(c actors.Context, h *hubActor) {
	f.timer = nil
	if f.known > f.head && !f.reading {
		f.startRead(c, h)
	}
}

func (f *feed) startRead(c actors.Context, h *hubActor) {
	if f.reading {
		return
	}
	f.reading = true
	self, sh, from := c.Self(), h.sh, f.head+1
	sh.goIO(func() {
		// The store retries (doc.go, Retries); a read that still fails is
		// tried again after retryAfter.
		evs, err := sh.store.ReadAll(sh.ctx, eventstore.AllRead{From: from, Limit: sh.cfg.PageSize})
		sh.sys.Send(self, &feedRead{events: evs, err: err})
	})
}

func (f *feed) onRead(c actors.Context, h *hubActor, m *feedRead) {
	f.reading = false
	held := f.held
	f.held, f.nHeld = nil, 0
	if m.err != nil {
		h.sh.cfg.Logger.Warn().Err(m.err).Msg("subscription hub: reading new commits failed")
		if f.timer == nil && h.sh.ctx.Err() == nil {
			f.timer = h.sh.timeAfter(h.retryAfter(), c.Self(), checkHead{})
		}
		return
	}
	i := 0
	for i < len(m.events) && m.events[i].Position <= f.head {
		i++
	}
	if i < len(m.events) { // the store is the truth, even across a hole
		h.fanout(c, m.events[i:])
		f.head = m.events[len(m.events)-1].Position
	}
	for _, b := range held {
		if f.reading {
			break
		}
		f.apply(c, h, b)
	}
	switch {
	case f.reading || f.known <= f.head:
	case len(m.events) > 0:
		f.startRead(c, h)
	case f.timer == nil && h.sh.ctx.Err() == nil:
		f.timer = h.sh.timeAfter(h.retryAfter(), c.Self(), checkHead{})
	}
}

func (f *feed) stop() {
	if f.timer != nil {
		f.timer.Stop()
	}
}
