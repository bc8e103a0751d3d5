package subscriptions

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// readJob is one store read of a subscription: resolving where it starts,
// or one catch-up page of up to limit events from next.
type readJob struct {
	resolve bool
	next    uint64
	limit   int
}

// readDone is the result of a readJob, sent back to the actor.
type readDone struct {
	job    readJob
	events []eventstore.RecordedEvent
	start  uint64              // resolve: the first position (version) to examine
	last   eventstore.Position // filtered pages: the newest position before the read
	err    error
}

func (a *subActor) startRead(c actors.Context, job readJob) {
	a.reading = true
	self, sh, sp := c.Self(), a.sh, a.sp
	ctx := a.ctx
	sh.goIO(func() {
		var (
			d   readDone
			err error
		)
		if job.resolve { // the store retries transient failures (doc.go, Retries)
			d, err = resolveStart(ctx, sh.store, &sp)
		} else {
			d, err = readPage(ctx, sh.store, &sp, job)
		}
		d.job, d.err = job, err
		sh.sys.Send(self, &d)
	})
}

// resolveStart finds the first position (version) to examine: after the
// stored checkpoint of a durable subscription, else from the spec.
func resolveStart(ctx context.Context, st persistence.Store, sp *spec) (readDone, error) {
	if sp.durable != "" {
		cp, ok, err := st.Checkpoint(ctx, checkpointName(sp.durable))
		if err != nil || ok {
			return readDone{start: cp + 1}, err
		}
	}
	switch {
	case sp.start == FromAt:
		return readDone{start: max(sp.at, 1)}, nil
	case sp.start != FromEnd:
		return readDone{start: 1}, nil
	case sp.stream != "":
		h, err := st.Head(ctx, sp.stream)
		return readDone{start: h.Version + 1}, err
	default:
		p, err := st.LastPosition(ctx)
		return readDone{start: p + 1}, err
	}
}

// readPage reads one catch-up page. Filters run in the store's query;
// a filtered page also reports the newest position committed before it,
// so that a short page lets the subscription skip what cannot match.
func readPage(ctx context.Context, st persistence.Store, sp *spec, job readJob) (readDone, error) {
	if sp.stream != "" {
		evs, err := st.ReadStream(ctx, eventstore.StreamRead{Stream: sp.stream, From: job.next, Limit: job.limit})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return readDone{}, nil
		}
		return readDone{events: evs}, err
	}
	var d readDone
	if !sp.filter.IsZero() {
		last, err := st.LastPosition(ctx)
		if err != nil {
			return d, err
		}
		d.last = last
	}
	evs, err := st.ReadAll(ctx, eventstore.AllRead{From: job.next, Limit: job.limit, Filter: sp.filter})
	d.events = evs
	return d, err
}

func (a *subActor) onRead(c actors.Context, m *readDone) {
	a.reading = false
	if m.err != nil {
		if a.ctx.Err() == nil {
			a.drop(c, m.err)
		}
		return
	}
	if m.job.resolve {
		a.resolved, a.next, a.signal = true, m.start, m.start-1
		a.pump(c)
		return
	}
	for i := range m.events { // the store is the truth: positions may jump
		e := &m.events[i]
		if s := a.sp.seq(e); s >= a.next {
			a.next = s + 1
			if a.sp.matches(e) {
				a.queue = append(a.queue, *e)
			}
		}
	}
	if len(m.events) < m.job.limit && m.last >= a.next {
		a.next = m.last + 1
	}
	a.flush(c)
	if len(m.events) < m.job.limit {
		a.tryLive(c)
	}
	a.pump(c)
}

// pump starts the next catch-up page when the subscription is behind, has
// credits, and has nothing queued: a page never holds more events than the
// subscriber may receive at once.
func (a *subActor) pump(c actors.Context) {
	if !a.resolved || a.reading || a.live || len(a.queue) > 0 || a.credits <= 0 {
		return
	}
	a.startRead(c, readJob{next: a.next, limit: min(a.sh.cfg.PageSize, a.credits)})
}
