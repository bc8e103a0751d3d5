package streams

import (
	"time"

	"context"
	"slices"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// start begins an incarnation: it waits until the writer has nothing of
// this stream in flight (a previous incarnation's flush or a transaction),
// then loads the head.
func (s *streamActor) start(c actors.Context) {
	if !s.cell.started {
		s.cell.started = true
		s.sh.stats.activations.Add(1)
	}
	s.reload(c)
}

// reload forgets the in-memory head and loads it again once the writer has
// nothing of this stream in flight. Appends and reads wait meanwhile.
func (s *streamActor) reload(c actors.Context) {
	s.ready = false
	s.epoch++
	c.Request(s.writer, &awaitIdle{stream: s.stream})
}

// load reads the head and the newest events in a goroutine; the result
// comes back as a *loaded message.
func (s *streamActor) load(c actors.Context) {
	if s.ready {
		return
	}
	if inf := s.cell.inflight; inf != nil {
		// Its flushDone was lost with a failed incarnation: the outcome is unknown.
		s.cell.inflight = nil
		s.answerAll(c, inf.appends, s.streamErr("append", ErrOutcomeUnknown))
	}
	self, epoch, stream, sh := c.Self(), s.epoch, s.stream, s.sh
	window := max(sh.cfg.IdempotencyWindow, 1)
	sh.goIO(func() {
		ctx, cancel := context.WithTimeout(sh.ctx, sh.cfg.RequestTimeout)
		defer cancel()
		m := &loaded{epoch: epoch}
		done, err := sh.loadTurn(ctx)
		if err != nil {
			m.err = err
			sh.sys.Send(self, m)
			return
		}
		defer done()
		m.start = time.Now()
		m.head, m.ret, m.err = loadHead(ctx, sh.store, stream)
		if m.err == nil && m.head.Exists() {
			m.recent, m.err = loadRecent(ctx, sh.store, stream, window)
		}
		sh.sys.Send(self, m)
	})
}

// onLoaded installs a loaded head. A load failure is a failure of the
// actor: it panics with the (typed) error so that the supervisor decides
// (transient: restart after backoff).
func (s *streamActor) onLoaded(c actors.Context, m *loaded) {
	if m.epoch != s.epoch || s.ready {
		return
	}
	if m.err != nil {
		panic(m.err)
	}
	recent := slices.Clone(m.recent)
	slices.Reverse(recent) // oldest first
	s.committed = m.head.Version
	s.del.ret = m.ret
	s.cache.ret = &s.del.ret
	if len(recent) > 0 {
		// The read is newer than the head if a commit landed in between.
		s.committed = recent[len(recent)-1].Version
	}
	s.cache.reset(s.committed - eventstore.Version(len(recent)))
	s.cache.add(recent)
	s.ids.add(recent)
	s.ready = true
	s.freshAt = m.start
	s.recheck() // appends queued again after a conflict meet the new head
	waiting := s.waiting
	s.waiting = nil
	for _, e := range waiting {
		s.redeliver(c, e)
	}
	s.maybeFlush(c)
	s.maybeGrant(c)
}

// redeliver handles a message that was deferred (already counted in seen).
func (s *streamActor) redeliver(c actors.Context, e envelope) {
	switch e.msg.(type) {
	case *appendCmd:
		s.onAppend(c, e)
	case *readCmd:
		s.onRead(c, e)
	case *reserveCmd:
		s.onReserve(c, e)
	}
}

// failAll answers every caller that is still waiting, before this
// incarnation goes: appends not yet sent get err (nothing written); when
// stopping for good, the flush in flight gets ErrOutcomeUnknown (on restart
// the next incarnation answers it).
func (s *streamActor) failAll(c actors.Context, err error, stopping bool) {
	nw := s.streamErr("append", err)
	if s.cur.msg != nil {
		s.answerEnvelope(c, s.cur, nw)
	}
	for _, list := range [][]envelope{s.waiting, s.held, s.reserves, s.reads} {
		for _, e := range list {
			s.answerEnvelope(c, e, nw)
		}
	}
	s.answerAll(c, s.queue, nw)
	s.failDeletes(c, nw)
	s.waiting, s.held, s.reserves, s.reads, s.queue = nil, nil, nil, nil, nil
	s.failEntity(c, err)
	if stopping && s.cell.inflight != nil {
		s.answerAll(c, s.cell.inflight.appends, s.streamErr("append", ErrOutcomeUnknown))
		s.cell.inflight = nil
	}
	for _, d := range s.drainers {
		c.Send(d, &drainedReply{pid: c.Self()})
	}
	s.drainers = nil
}

// answerEnvelope gives a deferred request the error err in its own reply type.
func (s *streamActor) answerEnvelope(c actors.Context, e envelope, err error) {
	if e.sender == nil {
		return
	}
	switch e.msg.(type) {
	case *appendCmd:
		c.Send(e.sender, &appendReply{err: forCaller(err, s.stream)})
	case *readCmd:
		c.Send(e.sender, &readReply{hit: false})
	case *reserveCmd:
		c.Send(e.sender, &reserveReply{err: forCaller(err, s.stream)})
	case *executeCmd:
		c.Send(e.sender, &executeReply{err: forCaller(err, s.stream)})
	}
}

func (s *streamActor) streamErr(op string, err error) *StreamError {
	return &StreamError{Stream: s.stream, Op: op, Err: err}
}
