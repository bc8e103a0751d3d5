package subscriptions

import (
	"context"
	"errors"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
)

// Messages of a durable subscription to itself.
type (
	parkDone struct {
		pos uint64
		err error
	}
	storeDone struct {
		pos uint64
		err error
	}
	ackTick struct{}
)

// durable is the checkpoint state of a durable subscription. The stored
// checkpoint is the newest acknowledged position below every event still
// being parked, so a crash never skips an event that was neither processed
// nor parked (at-least-once).
type durable struct {
	name    string
	acked   uint64          // newest Ack'ed position (version)
	stored  uint64          // newest stored checkpoint
	parking map[uint64]bool // Nack'ed positions whose parking is in flight
	acks    int             // acknowledgements since the last store
	storing bool
	timer   *time.Timer
}

func newDurable(name string) *durable {
	return &durable{name: name, parking: map[uint64]bool{}}
}

// safe is the checkpoint that may be stored now.
func (d *durable) safe() uint64 {
	s := d.acked
	for p := range d.parking {
		if p <= s {
			s = p - 1
		}
	}
	return s
}

func (a *subActor) onDurable(c actors.Context, msg any) {
	d := a.dur
	if d == nil {
		return // not durable: acknowledgements mean nothing
	}
	switch m := msg.(type) {
	case *messages.Ack:
		d.acked = max(d.acked, m.GetPosition())
		d.acks++
	case *messages.Nack:
		d.parking[m.GetPosition()] = true
		d.acked = max(d.acked, m.GetPosition())
		a.park(c, m.GetPosition(), m.GetReason())
	case *parkDone:
		delete(d.parking, m.pos)
		if m.err != nil && a.ctx.Err() == nil {
			a.drop(c, m.err)
			return
		}
		d.acks++
	case *storeDone:
		d.storing = false
		if m.err == nil {
			d.stored = max(d.stored, m.pos)
		} else if errors.Is(m.err, persistence.ErrLeaseLost) {
			a.drop(c, m.err) // another owner took over: stop at once
			return
		} else {
			a.sh.cfg.Logger.Warn().Err(m.err).Str("subscription", d.name).Msg("storing checkpoint failed")
		}
	case ackTick:
		d.timer = nil
		a.store(c)
		return
	}
	a.maybeStore(c)
}

// maybeStore stores the checkpoint after AckEvery acknowledgements, or
// arms a timer to store it AckInterval after the first one.
func (a *subActor) maybeStore(c actors.Context) {
	d := a.dur
	if d.safe() <= d.stored {
		return
	}
	if d.acks >= a.sh.cfg.AckEvery {
		a.store(c)
		return
	}
	if d.timer == nil {
		d.timer = a.sh.timeAfter(a.sh.cfg.AckInterval, c.Self(), ackTick{})
	}
}

func (a *subActor) store(c actors.Context) {
	d := a.dur
	pos := d.safe()
	if d.storing || pos <= d.stored {
		return
	}
	d.storing, d.acks = true, 0
	self, sh, ctx := c.Self(), a.sh, a.ctx
	sh.goIO(func() {
		err := a.setCheckpoint(ctx, pos) // the store retries (doc.go, Retries)
		sh.sys.Send(self, &storeDone{pos: pos, err: err})
	})
}

// final stores the last safe checkpoint of a stopping subscription, on a
// goroutine bounded by StopTimeout (Hub.Close waits for it).
func (d *durable) final(a *subActor) {
	if d.timer != nil {
		d.timer.Stop()
	}
	pos, sh := d.safe(), a.sh
	if pos <= d.stored && (a.lease == nil || !a.lease.held) {
		return
	}
	sh.goIO(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sh.cfg.StopTimeout)
		defer cancel()
		if pos > d.stored {
			if err := a.setCheckpoint(ctx, pos); err != nil {
				sh.cfg.Logger.Warn().Err(err).Str("subscription", d.name).Msg("storing the last checkpoint failed")
			}
		}
		a.lease.release(ctx) // the next owner need not wait for the expiry
	})
}

// setCheckpoint stores pos, fenced by the lease's token when the
// subscription holds a lease: a former owner's write is refused.
func (a *subActor) setCheckpoint(ctx context.Context, pos uint64) error {
	if l := a.lease; l != nil {
		return l.leaser.SetCheckpointFenced(ctx, checkpointName(a.dur.name), pos, l.name, l.token)
	}
	return a.sh.store.SetCheckpoint(ctx, checkpointName(a.dur.name), pos)
}
