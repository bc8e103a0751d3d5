package streams

import (
	"errors"
	"slices"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// Transactions hold a stream from the grant until their events are handed
// to the writer, then pipeline (ADR 0025): once its own accepted appends
// are sent, the stream checks the transaction's expectation (against its
// committed version when the writer holds nothing of the stream, else
// against the version the stream will have once what the writer holds
// commits), and if it holds, answers the reservation and holds new appends
// until the writer reports that it has queued the transaction (it sends
// the stream the *txFlush itself) or the transaction is released without
// writing. From then on the transaction is piped: the next transaction and
// the held appends go to the writer behind it, and the writer reports its
// outcome (txDone) in the order it queued the stream's work. Whatever goes
// to the writer behind a piped transaction is fenced by the store: a flush
// carries the exact version it expects the stream to have, and a
// transaction its caller's expectation, which the store checks at commit
// against the stream's real head.

// pipedTx is a transaction of the stream that the writer has queued and
// not yet answered.
type pipedTx struct {
	id   uint64
	adds eventstore.Version // versions it is expected to add (0 for a probable retry)
}

// writing reports whether the writer holds something of the stream: a
// flush or a piped transaction. The committed version is then not the
// version the next write is checked at.
func (s *streamActor) writing() bool { return s.cell.inflight != nil || len(s.piped) > 0 }

// pipedVersions is how many versions the piped transactions are expected
// to add.
func (s *streamActor) pipedVersions() eventstore.Version {
	var v eventstore.Version
	for _, p := range s.piped {
		v += p.adds
	}
	return v
}

func (s *streamActor) onReserve(c actors.Context, e envelope) {
	if !s.ready {
		s.waiting = append(s.waiting, e)
		return
	}
	s.reserves = append(s.reserves, e)
	s.maybeGrant(c)
}

// maybeGrant gives the stream to the first waiting transaction once no
// append of its own is queued. Appends held by the previous transaction
// that arrived before that one go first (releaseHeld): appends and
// transactions are served in arrival order, so a steady stream of
// transactions cannot starve appends (issue 18: they timed out behind 80
// queued transactions).
//
// While the writer holds something of the stream, the expectation is
// checked against the projected version, and a transaction whose
// expectation fails there waits until the writer has answered everything
// (it is then checked against the committed version: a conflict is only
// ever answered against a committed version). No transaction is granted
// into the pipeline while a read waits, so reads are answered once what
// the writer holds is answered.
func (s *streamActor) maybeGrant(c actors.Context) {
	s.releaseHeld(c)
	for s.ready && s.tx == nil && len(s.reserves) > 0 && len(s.queue) == 0 {
		e := s.reserves[0]
		m := e.msg.(*reserveCmd)
		// A retry of a committed transaction (its IDs are known) is left to
		// the store, which answers it with the original result.
		known := s.ids.knows(m.req.Events)
		if s.writing() {
			if len(s.reads) > 0 || (!known && m.req.Expected.Check(s.stream, s.projected()) != nil) {
				return
			}
		} else if err := m.req.Expected.Check(s.stream, s.committed); err != nil && !known {
			if !s.fresh(e.at) {
				s.reload(c) // the conflict may be stale: check again once loaded
				return
			}
			s.reserves = slices.Delete(s.reserves, 0, 1)
			c.Send(e.sender, &reserveReply{err: err})
			continue
		}
		s.reserves = slices.Delete(s.reserves, 0, 1)
		adds := eventstore.Version(len(m.req.Events))
		if known {
			adds = 0
		}
		s.tx = &heldTx{id: m.tx, req: m.req, adds: adds}
		// Nothing of the stream is queued (above) and nothing is sent to
		// the writer until the transaction is queued (F1 of ADR 0025), so
		// the projected version is the one it lands on if all ahead of it
		// commits (ADR 0028).
		c.Send(e.sender, &reserveReply{pid: c.Self(), at: s.projected(), exact: !known})
	}
	s.releaseHeld(c)
}

// onTxQueued pipes the transaction holding the stream: the writer has
// queued it (m is the transaction's own *txFlush, forwarded by the writer
// once queued), so whatever the stream sends the writer from now on is
// queued behind it.
func (s *streamActor) onTxQueued(c actors.Context, m *txFlush) {
	if s.tx == nil || s.tx.id != m.tx {
		return // held by an earlier incarnation: its txDone reloads the head
	}
	s.piped = append(s.piped, pipedTx{id: m.tx, adds: s.tx.adds})
	s.tx = nil
	s.maybeFlush(c)
	s.maybeGrant(c)
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

// onTxDone applies the outcome of a piped transaction (the writer answers
// the stream's work in the order it queued it, so it is the first piped),
// or of the transaction holding the stream.
func (s *streamActor) onTxDone(c actors.Context, m *txDone) {
	switch {
	case len(s.piped) > 0 && s.piped[0].id == m.tx:
		s.piped = slices.Delete(s.piped, 0, 1)
	case s.tx != nil && s.tx.id == m.tx:
		s.tx = nil
	default:
		// An earlier incarnation held the stream: the head may have moved.
		if s.ready {
			s.reload(c)
		}
		return
	}
	switch {
	case m.err == nil && m.res.Err == nil && !m.res.Idempotent:
		evs := recordedPart(m.events, 0, s.stream, m.req.Events, m.res, m.committed)
		s.cache.add(evs)
		s.ids.add(evs)
		s.committed = m.res.LastVersion
	case m.err != nil, errors.Is(m.res.Err, eventstore.ErrConcurrency):
		s.reload(c) // the outcome may be unknown, or another writer moved the head
	case errors.Is(m.res.Err, eventstore.ErrStreamDeleted):
		s.del.ret.Tombstone = true
	}
	if s.ready {
		s.serveReads(c)
		s.maybeFlush(c)
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
