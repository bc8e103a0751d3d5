package streams

import (
	"errors"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// onFlushDone answers the callers of the flush in flight with its outcome
// and sends the next flush.
func (s *streamActor) onFlushDone(c actors.Context, m *flushDone) {
	inf := s.cell.inflight
	if inf == nil || inf.seq != m.seq {
		return
	}
	s.cell.inflight = nil
	switch {
	case m.err != nil:
		// The whole batch failed; after a timeout the outcome may be unknown.
		s.answerAll(c, inf.appends, m.err)
		if s.ready {
			s.reload(c)
		}
	case m.res.Err == nil:
		if !m.res.Idempotent { // the store checked the stream's version when it committed
			s.freshAt = inf.sentAt
		}
		s.onCommitted(c, inf.appends, m.res, m.committed, m.events)
	default:
		s.onRejected(c, inf.appends, m.res.Err)
	}
	// Nothing refers to the flush's array of appends any more (a rejected
	// flush was queued again as a copy): the next queue reuses it.
	clear(inf.appends)
	s.spare = inf.appends[:0]
	if s.ready {
		s.serveReads(c)
		s.maybeFlush(c)
		s.maybeGrant(c)
	}
}

// onCommitted answers each append of a committed (or idempotent) flush
// with its share of the result and remembers the events: recorded, built
// once by the writer, read here, never changed.
func (s *streamActor) onCommitted(c actors.Context, appends []*pending, res eventstore.AppendResult, at time.Time,
	recorded []eventstore.RecordedEvent) {
	contiguous := res.LastPosition-res.FirstPosition+1 == res.LastVersion-res.FirstVersion+1
	offset := eventstore.Version(0)
	for _, p := range appends {
		s.untrack(p)
		r := splitResult(res, offset, len(p.events), contiguous)
		p.reply = appendReply{res: r}
		for _, w := range p.waiters {
			w.answer(c, &p.reply)
		}
		if s.ready && !res.Idempotent && contiguous {
			evs := recordedPart(recorded, offset, s.stream, p.events, r, at)
			s.cache.add(evs)
			s.ids.add(evs)
		}
		offset += eventstore.Version(len(p.events))
	}
	if res.Idempotent {
		return
	}
	if s.ready && !contiguous {
		s.cache.reset(res.LastVersion)
	}
	s.committed = res.LastVersion
}

// splitResult is the share of a flush's result of the append whose events
// start offset events into the flush. Positions are split only when the
// store assigned the flush contiguous positions.
func splitResult(res eventstore.AppendResult, offset eventstore.Version, n int, contiguous bool) eventstore.AppendResult {
	r := res
	r.FirstVersion = res.FirstVersion + offset
	r.LastVersion = r.FirstVersion + eventstore.Version(n) - 1
	if contiguous {
		r.FirstPosition = res.FirstPosition + offset
		r.LastPosition = r.FirstPosition + eventstore.Version(n) - 1
	}
	return r
}

// recordedEvents builds the committed form of events appended with result r.
func recordedEvents(stream string, events []eventstore.EventData, r eventstore.AppendResult,
	at time.Time) []eventstore.RecordedEvent {
	return appendRecorded(make([]eventstore.RecordedEvent, 0, len(events)), stream, events, r, at)
}

// appendRecorded appends the committed form of events appended with result
// r to out.
func appendRecorded(out []eventstore.RecordedEvent, stream string, events []eventstore.EventData,
	r eventstore.AppendResult, at time.Time) []eventstore.RecordedEvent {
	for i := range events {
		out = append(out, eventstore.RecordedEvent{EventData: events[i], Stream: stream,
			Version: r.FirstVersion + eventstore.Version(i), Position: r.FirstPosition + eventstore.Position(i), Created: at})
	}
	return out
}

// recordedPart is the part of a flush's recorded events (built once by
// the writer) that belongs to the append whose events start offset events
// into the flush, or, when the writer built none that fit, the append's
// events recorded here.
func recordedPart(recorded []eventstore.RecordedEvent, offset eventstore.Version, stream string,
	events []eventstore.EventData, r eventstore.AppendResult, at time.Time) []eventstore.RecordedEvent {
	end := int(offset) + len(events)
	if end <= len(recorded) {
		return recorded[offset:end:end]
	}
	return recordedEvents(stream, events, r, at)
}

// onRejected handles a flush the store rejected (nothing was written). A
// conflict means another writer wrote the stream: the appends go back to
// the queue and the head is reloaded; they are then checked against the
// store's version (those that fail get a conflict naming it). A duplicate
// ID in a flush of several appends is found by flushing them one by one.
func (s *streamActor) onRejected(c actors.Context, appends []*pending, err error) {
	switch {
	case errors.Is(err, eventstore.ErrConcurrency):
		s.queue = append(append([]*pending(nil), appends...), s.queue...)
		if s.ready {
			s.reload(c)
		}
	case errors.Is(err, eventstore.ErrDuplicateEvent) && len(appends) > 1:
		for _, p := range appends {
			p.solo = true
		}
		s.queue = append(append([]*pending(nil), appends...), s.queue...)
	default:
		s.del.ret.Tombstone = s.del.ret.Tombstone || errors.Is(err, eventstore.ErrStreamDeleted)
		s.answerAll(c, appends, err)
	}
}
