package streams

import (
	"errors"
	"slices"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// Transactions hold a stream: once its own accepted appends are committed,
// the stream checks the transaction's expectation against its committed
// version and, if it holds, answers the reservation and holds new appends
// until the writer reports the transaction's outcome (txDone) or the
// transaction is released without writing.

func (s *streamActor) onReserve(c actors.Context, e envelope) {
	if !s.ready {
		s.waiting = append(s.waiting, e)
		return
	}
	s.reserves = append(s.reserves, e)
	s.maybeGrant(c)
}

// maybeGrant gives the stream to the first waiting transaction once no
// append of its own is queued or in flight. Appends held by the previous
// transaction that arrived before that one go first (releaseHeld): appends
// and transactions are served in arrival order, so a steady stream of
// transactions cannot starve appends (issue 18: they timed out behind 80
// queued transactions).
func (s *streamActor) maybeGrant(c actors.Context) {
	s.releaseHeld(c)
	for s.ready && s.tx == nil && len(s.reserves) > 0 && s.cell.inflight == nil && len(s.queue) == 0 {
		e := s.reserves[0]
		m := e.msg.(*reserveCmd)
		// A retry of a committed transaction (its IDs are known) is left to
		// the store, which answers it with the original result.
		err := m.req.Expected.Check(s.stream, s.committed)
		if err != nil && !s.ids.knows(m.req.Events) && !s.fresh(e.at) {
			s.reload(c) // the conflict may be stale: check again once loaded
			return
		}
		s.reserves = slices.Delete(s.reserves, 0, 1)
		if err != nil && !s.ids.knows(m.req.Events) {
			c.Send(e.sender, &reserveReply{err: err})
			continue
		}
		s.tx = &heldTx{id: m.tx, req: m.req}
		c.Send(e.sender, &reserveReply{pid: c.Self()})
	}
	s.releaseHeld(c)
}

// onRelease ends a transaction's hold (or its wait) without a write.
func (s *streamActor) onRelease(c actors.Context, m *releaseCmd) {
	if s.tx != nil && s.tx.id == m.tx {
		s.tx = nil
		s.serveReads(c)
		s.maybeGrant(c)
		return
	}
	s.reserves = slices.DeleteFunc(s.reserves, func(e envelope) bool { return e.msg.(*reserveCmd).tx == m.tx })
	ofTx := func(e envelope) bool {
		r, ok := e.msg.(*reserveCmd)
		return ok && r.tx == m.tx
	}
	s.waiting = slices.DeleteFunc(s.waiting, ofTx)
	// A reservation waiting behind a delete goes too: granted later, it
	// would hold the stream for a transaction that has ended.
	s.del.barrier = slices.DeleteFunc(s.del.barrier, ofTx)
	s.maybeGrant(c)
}

// onTxDone applies the outcome of the transaction holding the stream.
func (s *streamActor) onTxDone(c actors.Context, m *txDone) {
	if s.tx == nil || s.tx.id != m.tx {
		// An earlier incarnation held the stream: the head may have moved.
		if s.ready {
			s.reload(c)
		}
		return
	}
	s.tx = nil
	switch {
	case m.err == nil && m.res.Err == nil && !m.res.Idempotent:
		evs := recordedPart(m.events, 0, s.stream, m.req.Events, m.res, m.committed)
		s.cache.add(evs)
		s.ids.add(evs)
		s.committed = m.res.LastVersion
	case m.err != nil, errors.Is(m.res.Err, eventstore.ErrConcurrency):
		s.reload(c) // the outcome may be unknown, or another writer moved the head
	}
	if s.ready {
		s.serveReads(c)
	}
	s.maybeGrant(c)
}

// releaseHeld handles, in arrival order, the appends held during a
// transaction that arrived before every transaction still waiting, once no
// transaction holds the stream; later ones stay held.
func (s *streamActor) releaseHeld(c actors.Context) {
	if s.tx != nil || len(s.held) == 0 || !s.ready {
		return
	}
	n := 0
	for n < len(s.held) && !s.reservedBefore(s.held[n].at) {
		n++
	}
	release := s.held[:n:n]
	s.held = slices.Clone(s.held[n:])
	for _, e := range release {
		s.onAppend(c, e)
	}
}

// reservedBefore reports whether a transaction that arrived before at is
// waiting for the stream (reserves are in arrival order).
func (s *streamActor) reservedBefore(at time.Time) bool {
	return len(s.reserves) > 0 && !s.reserves[0].at.After(at)
}
