package subscriptions

import (
	"context"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// liveBatch carries live events from the hub to a subscription actor:
// contiguous in position (all-stream subscriptions) or in version (the
// events of one stream). The slice is shared and must not be changed.
type liveBatch struct{ events []eventstore.RecordedEvent }

// subStats is a subscription actor's answer to statsRequest (tests, metrics).
type subStats struct {
	Credits  int    // credits left
	Sent     uint64 // credited messages sent (the last sequence number)
	Queued   int    // matching events examined but not sent yet
	Pending  int    // live events held while catching up
	Live     bool
	Next     uint64 // next position (version) to examine
	Acked    uint64 // durable: the newest acknowledged position
	Stored   uint64 // durable: the newest stored checkpoint
	InFlight int    // durable: events being parked
	Leased   bool   // durable: this subscription holds its lease (delivers)
}

// subActor is one subscription. It catches up from the store in pages
// (reads run on goroutines, the result comes back as a message), then
// delivers live events from the hub, always in order and once: every event
// is examined exactly when its position (version) equals next, and any
// doubt (a gap, a lost buffer) sends it back to the store. See flow.go.
type subActor struct {
	sh  *shared
	sp  spec
	who *actors.PID // the subscriber

	ctx    context.Context // ends when the actor stops: cancels its reads
	cancel context.CancelFunc

	resolved bool   // the start position is known
	next     uint64 // next position (version) to examine
	seen     uint64 // newest position (version) seen on the live feed
	queue    []eventstore.RecordedEvent
	pending  []eventstore.RecordedEvent
	live     bool
	reading  bool
	credits  int
	seq      uint64 // sequence number of the last credited message
	signal   uint64 // position of the last event or Checkpoint sent
	bufLimit int
	quiet    bool // stopping was asked for: no SubscriptionDropped
	dropErr  error
	dur      *durable // nil unless durable
	lease    *lease   // nil unless durable on a store that keeps leases
	gauge    flowGauge
}

func newSubActor(sh *shared, sp spec) *subActor {
	ctx, cancel := context.WithCancel(sh.ctx)
	a := &subActor{
		sh: sh, sp: sp, who: PIDOf(sp.subscriber), ctx: ctx, cancel: cancel,
		credits: sp.window, bufLimit: max(sp.window*sh.cfg.BufferFactor, 16),
	}
	if sp.durable != "" {
		a.dur = newDurable(sp.durable)
		a.lease = newLease(sh, sp)
	}
	return a
}

func (a *subActor) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started:
		a.sh.flows.Store(&a.gauge, struct{}{})
		c.Watch(a.who)
		c.Send(a.who, &messages.Subscribed{SubscriptionId: a.sp.id, Subscription: RefOf(c.Self())})
		if a.lease != nil {
			a.acquire(c) // stand by until this is the one owner (lease.go)
		} else {
			a.startRead(c, readJob{resolve: true})
		}
	case leaseTry, leaseTick, *leaseResult:
		a.onLease(c, m)
	case *liveBatch:
		a.onLive(c, m.events)
	case *readDone:
		a.onRead(c, m)
	case *messages.Credit:
		a.credits = min(a.credits+int(m.GetN()), a.sh.cfg.MaxWindow)
		a.flush(c)
		a.pump(c)
	case *messages.Ack, *messages.Nack, *parkDone, *storeDone, ackTick:
		a.onDurable(c, m)
	case *actors.Terminated:
		if actors.SamePID(m.Who, a.who) {
			a.quiet = true
			c.Stop(c.Self())
		}
	case *messages.Unsubscribe:
		a.quiet = true
		c.Stop(c.Self())
	case statsRequest:
		c.Respond(a.stats())
	case *actors.Restarting:
		a.sh.flows.Delete(&a.gauge)
		return
	case *actors.Stopping:
		a.sh.flows.Delete(&a.gauge)
		a.stopping(c)
		return
	}
	a.publishFlow()
}

// drop ends the subscription because of err, telling the subscriber.
func (a *subActor) drop(c actors.Context, err error) {
	a.sh.cfg.Logger.Warn().Err(err).Str("subscription", a.sp.id).Msg("subscription dropped")
	a.dropErr = err
	c.Stop(c.Self())
}

func (a *subActor) stopping(c actors.Context) {
	a.cancel()
	a.lease.stopTimer()
	if a.dur != nil {
		a.dur.final(a)
	}
	if a.quiet {
		return
	}
	err := a.dropErr
	if err == nil {
		err = eventstore.ErrClosed
	}
	c.Send(a.who, &messages.SubscriptionDropped{SubscriptionId: a.sp.id, Error: wire.ErrorToProto(err)})
}

func (a *subActor) stats() subStats {
	s := subStats{Credits: a.credits, Sent: a.seq, Queued: len(a.queue), Pending: len(a.pending),
		Live: a.live, Next: a.next}
	if a.dur != nil {
		s.Acked, s.Stored, s.InFlight = a.dur.acked, a.dur.stored, len(a.dur.parking)
		s.Leased = a.lease == nil || a.lease.held
	}
	return s
}
