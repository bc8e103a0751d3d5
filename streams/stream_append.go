package streams

import (
	"slices"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// onAppend accepts or answers an append: a retry of a queued or in-flight
// append joins it; a retry of a remembered append gets its original
// result; otherwise the expectation is checked against the version the
// stream will have after everything accepted before it. A mismatch is
// answered at once when nothing is pending; otherwise the append waits
// (deferred) until the appends before it are resolved, because the
// version it would report is not yet committed (linearizability).
func (s *streamActor) onAppend(c actors.Context, e envelope) {
	m := e.msg.(*appendCmd)
	switch {
	case !s.ready:
		s.waiting = append(s.waiting, e)
		return
	case s.tx != nil || s.reservedBefore(e.at):
		s.held = append(s.held, e)
		return
	}
	w := waiter{to: e.sender, reply: m.reply, expected: m.expected, trace: m.trace}
	span := s.appendSpan(m, &w)
	defer endSpan(span)
	if s.joinPending(c, m, w) {
		return
	}
	res, outcome, err := s.ids.retry(s.stream, m.events)
	switch outcome {
	case retryKnown:
		w.answer(c, &appendReply{res: res})
		return
	case retryDuplicate:
		w.answer(c, &appendReply{err: forCaller(err, s.stream)})
		return
	}
	p := &pending{events: m.events, first: [1]waiter{w}, toStore: outcome == retryToStore, arrived: e.at}
	p.waiters = p.first[:]
	p.solo = p.toStore
	if outcome == retryNone && !m.expected.Satisfied(s.projected()) {
		if !s.writing() && len(s.queue) == 0 && s.fresh(p.arrived) {
			s.answerConflict(c, p, s.committed)
			return
		}
		p.deferred = true
	}
	s.queue = append(s.queue, p)
	s.track(p)
	s.maybeFlush(c)
}

// joinPending attaches a retry to the queued or in-flight append with the
// same event IDs, or answers a partial overlap with a *DuplicateEventError.
func (s *streamActor) joinPending(c actors.Context, m *appendCmd, w waiter) bool {
	p, ok := s.byID[m.events[0].ID]
	if ok && sameIDs(p.events, m.events) {
		p.waiters = append(p.waiters, w)
		return true
	}
	for i := range m.events {
		if _, dup := s.byID[m.events[i].ID]; dup {
			err := &eventstore.DuplicateEventError{EventID: m.events[i].ID, Stream: s.stream, ExistingStream: s.stream}
			w.answer(c, &appendReply{err: forCaller(err, s.stream)})
			return true
		}
	}
	return false
}

// track and untrack index the event IDs of queued and in-flight appends.
func (s *streamActor) track(p *pending) {
	for i := range p.events {
		s.byID[p.events[i].ID] = p
	}
}

func (s *streamActor) untrack(p *pending) {
	for i := range p.events {
		delete(s.byID, p.events[i].ID)
	}
}

// projected is the version the stream will have once every accepted
// append is committed.
func (s *streamActor) projected() eventstore.Version {
	v := s.projectedInflight()
	for _, p := range s.queue {
		v += contribution(p)
	}
	return v
}

// contribution is how many versions p is expected to add (a probable
// retry, or an append whose expectation fails, is expected to add none).
func contribution(p *pending) eventstore.Version {
	if p.toStore || p.deferred {
		return 0
	}
	return eventstore.Version(len(p.events))
}

// maybeFlush sends the next flush when none is in flight: the queued
// appends up to the batch caps (an append marked solo goes alone).
func (s *streamActor) maybeFlush(c actors.Context) {
	if !s.ready || s.cell.inflight != nil || s.tx != nil {
		return
	}
	if !s.resolveHead(c) || len(s.queue) == 0 {
		return
	}
	n := s.takeFlush()
	appends := s.queue[:n:n]
	if n == len(s.queue) {
		s.queue, s.spare = s.spare, nil // the array of the last flush answered, if any
	} else {
		s.queue = slices.Clone(s.queue[n:])
	}
	events := appends[0].events // one append: its events as they are (nobody changes them)
	if len(appends) > 1 {
		events = nil
		for _, p := range appends {
			events = append(events, p.events...)
		}
	}
	s.cell.seq++
	inf := &inflightFlush{seq: s.cell.seq, appends: appends, sentAt: time.Now()}
	inf.req = flushReq{pid: c.Self(), seq: s.cell.seq, spans: s.flushSpans(appends),
		// Behind piped transactions: the version once they commit (ADR 0025).
		req: eventstore.AppendRequest{Stream: s.stream, Expected: eventstore.Exact(s.committed + s.pipedVersions()),
			Events: events}}
	s.cell.inflight = inf
	c.Send(s.writer, &inf.req)
}

// takeFlush returns how many queued appends the next flush carries.
func (s *streamActor) takeFlush() int {
	if s.queue[0].solo {
		return 1
	}
	events, bytes := 0, 0
	for i, p := range s.queue {
		if p.solo || p.deferred {
			return i
		}
		events += len(p.events)
		bytes += eventsSize(p.events)
		if i > 0 && (events > s.sh.cfg.MaxBatchEvents || bytes > s.sh.cfg.MaxBatchBytes) {
			return i
		}
	}
	return len(s.queue)
}

// recheck re-checks the queued appends against the versions projected
// from the committed one: an append whose expectation fails is deferred
// (it adds nothing), one whose expectation now holds is accepted again.
func (s *streamActor) recheck() {
	v := s.projectedInflight()
	for _, p := range s.queue {
		if !p.toStore {
			p.deferred = !p.waiters[0].expected.Satisfied(v)
		}
		v += contribution(p)
	}
}

// resolveHead answers the deferred appends at the head of the queue with
// a conflict: nothing is in flight, so the committed version is the
// version they are checked against (with piped transactions it reports
// false: they wait for their outcomes). When that version may be older than
// an append (Config.VerifyConflicts), it reloads the head instead and
// reports false: the appends are checked again once it is loaded.
func (s *streamActor) resolveHead(c actors.Context) bool {
	s.recheck()
	for len(s.queue) > 0 && s.queue[0].deferred {
		p := s.queue[0]
		if len(s.piped) > 0 {
			return false
		}
		if !s.fresh(p.arrived) {
			s.reload(c)
			return false
		}
		s.queue = slices.Delete(s.queue, 0, 1)
		s.untrack(p)
		s.answerConflict(c, p, s.committed)
	}
	return true
}

// fresh reports whether a conflict may be answered to a request that
// arrived at t: always, unless Config.VerifyConflicts asks for a head
// loaded or committed after t (other processes write the stream too).
func (s *streamActor) fresh(t time.Time) bool {
	return !s.sh.cfg.VerifyConflicts || !s.freshAt.Before(t)
}

func (s *streamActor) projectedInflight() eventstore.Version {
	v := s.committed + s.pipedVersions()
	if inf := s.cell.inflight; inf != nil {
		for _, p := range inf.appends {
			v += contribution(p)
		}
	}
	return v
}

func (s *streamActor) answerConflict(c actors.Context, p *pending, actual eventstore.Version) {
	for _, w := range p.waiters {
		err := &eventstore.ConcurrencyError{Stream: s.stream, Expected: w.expected, Actual: actual}
		s.logConflict(err, w.trace)
		w.answer(c, &appendReply{err: err})
	}
}

// answerAll gives every waiter of appends the error err.
func (s *streamActor) answerAll(c actors.Context, appends []*pending, err error) {
	for _, p := range appends {
		s.untrack(p)
		for _, w := range p.waiters {
			w.answer(c, &appendReply{err: forCaller(err, s.stream)})
		}
	}
}

// onRead serves a read from the cache, or tells the caller to read the
// store. Either answer waits while a flush is in flight or a transaction
// holds the stream or is piped (ADR 0025): the store may then already hold
// events this actor has not acknowledged. So every answer is given when the cache and the store
// agree, and every read of the stream (ReadStream, Head, from the cache or
// the store) sees the store's state at one moment within its call:
// linearizable with each other and with appends (docs/invariants.md).
func (s *streamActor) onRead(c actors.Context, e envelope) {
	if !s.ready {
		s.waiting = append(s.waiting, e)
		return
	}
	if s.writing() || s.tx != nil {
		s.reads = append(s.reads, e)
		return
	}
	m := e.msg.(*readCmd)
	evs, ok, err := s.cache.read(m.read)
	if ok {
		s.sh.stats.hits.Add(1)
	} else {
		s.sh.stats.misses.Add(1)
	}
	r := &readReply{events: evs, err: err, hit: ok}
	if m.reply.Valid() {
		m.reply.Reply(r)
		return
	}
	c.Send(e.sender, r)
}

// serveReads answers the reads that waited for the flush in flight.
func (s *streamActor) serveReads(c actors.Context) {
	reads := s.reads
	s.reads = nil
	for _, e := range reads {
		s.onRead(c, e)
	}
}

// answer gives the waiter its reply: straight into the caller's reply
// slot when the caller is a local Request, else to its PID.
func (w *waiter) answer(c actors.Context, r *appendReply) {
	if w.reply.Valid() {
		w.reply.Reply(r)
		return
	}
	c.Send(w.to, r)
}

func sameIDs(a, b []eventstore.EventData) bool {
	return slices.EqualFunc(a, b, func(x, y eventstore.EventData) bool { return x.ID == y.ID })
}

func eventsSize(evs []eventstore.EventData) int {
	n := 0
	for i := range evs {
		n += len(evs[i].Data) + len(evs[i].Type)
		for k, v := range evs[i].Metadata {
			n += len(k) + len(v)
		}
	}
	return n
}
