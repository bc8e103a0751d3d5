package streams

import (
	"context"
	"errors"
	"slices"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Deletes go through the stream actor like appends (docs/lifecycle.md): a
// delete waits until every append, transaction and entity command accepted
// before it is answered, runs alone (the store checks its expectation under
// the stream's lock), and everything routed to the stream after it waits
// until it is answered. So an append is wholly before a delete or wholly
// after it, and a read sees the stream before or after it, never half.

// deleteCmd deletes the stream; the reply is a deleteReply.
type deleteCmd struct {
	req   eventstore.DeleteRequest
	trace string
}

// deleteReply answers a deleteCmd.
type deleteReply struct {
	res eventstore.DeleteResult
	err error
}

// deleteDone carries the store's answer to a delete back to the actor.
type deleteDone struct {
	to  *actors.PID
	res eventstore.DeleteResult
	err error
}

// deleteState is the stream actor's part of deletes.
type deleteState struct {
	// barrier holds a delete waiting for its turn (first) and every
	// routed message that arrived after it, in arrival order.
	barrier []envelope
	// running: the first delete of barrier is in the store.
	running bool
	// hidden is the newest version a delete hid (0 when none); tombstone
	// is set by a hard delete. Both come from the store on load.
	hidden    eventstore.Version
	tombstone bool
}

// quiet reports that no delete waits or runs.
func (d *deleteState) quiet() bool { return len(d.barrier) == 0 && !d.running }

// deleteFirst takes the messages a delete decides: a delete itself, and
// every routed message while one waits (they go after it). Requests of a
// hard-deleted stream are answered at once. It reports whether it took msg.
func (s *streamActor) deleteFirst(c actors.Context, msg any) bool {
	e := envelope{msg: msg, sender: c.Sender()}
	switch m := msg.(type) {
	case *deleteDone:
		s.onDeleteDone(c, m)
		return true
	case *deleteCmd:
		s.del.barrier = append(s.del.barrier, e)
		return true
	case *appendCmd, *readCmd, *reserveCmd, *executeCmd:
		if len(s.del.barrier) > 0 {
			s.del.barrier = append(s.del.barrier, e)
			return true
		}
		return s.refuseDeleted(c, e)
	}
	return false
}

// refuseDeleted answers a request of a hard-deleted stream with a
// *StreamDeletedError, and a read of a stream whose every event is
// deleted with a *StreamNotFoundError. It reports whether it answered.
func (s *streamActor) refuseDeleted(c actors.Context, e envelope) bool {
	if !s.ready {
		return false
	}
	if !s.del.tombstone {
		if _, read := e.msg.(*readCmd); read && s.del.hidden > 0 && s.del.hidden == s.committed &&
			s.cell.inflight == nil && s.tx == nil {
			c.Send(e.sender, &readReply{hit: true, err: &eventstore.StreamNotFoundError{Stream: s.stream}})
			return true
		}
		return false
	}
	err := &eventstore.StreamDeletedError{Stream: s.stream}
	switch e.msg.(type) {
	case *readCmd:
		c.Send(e.sender, &readReply{hit: true, err: err})
	case *executeCmd:
		c.Send(e.sender, &executeReply{err: err})
	default:
		s.answerEnvelope(c, e, err)
	}
	return true
}

// pumpDelete starts the first waiting delete once nothing accepted before
// it is pending, and lets the messages after it through once it is
// answered. It runs after every message the actor handles.
func (s *streamActor) pumpDelete(c actors.Context) {
	for len(s.del.barrier) > 0 && !s.del.running {
		first := s.del.barrier[0]
		if m, ok := first.msg.(*deleteCmd); ok {
			if !s.ready || !s.quietForDelete() {
				return
			}
			s.startDelete(c, first.sender, m)
			return
		}
		s.del.barrier = s.del.barrier[1:]
		s.redeliverAfterDelete(c, first)
	}
}

// quietForDelete reports that every append, transaction and entity
// command accepted before the delete is answered.
func (s *streamActor) quietForDelete() bool {
	return s.cell.inflight == nil && len(s.queue) == 0 && s.tx == nil && len(s.reserves) == 0 &&
		len(s.held) == 0 && len(s.reads) == 0 && (s.ent == nil || (s.ent.running == nil && !s.ent.loading))
}

// startDelete runs a delete in the store, off the mailbox.
func (s *streamActor) startDelete(c actors.Context, to *actors.PID, m *deleteCmd) {
	sd, ok := s.sh.store.(persistence.StreamDeleter)
	if !ok {
		s.del.barrier = s.del.barrier[1:]
		c.Send(to, &deleteReply{err: &eventstore.InputError{Field: "store", Rule: "supported",
			Stream: s.stream, Message: "the store does not support deletes"}})
		return
	}
	s.del.running = true
	self, sh, req := c.Self(), s.sh, m.req
	ctx := eventstore.WithTraceID(sh.ctx, m.trace)
	sh.goIO(func() {
		ctx, cancel := context.WithTimeout(ctx, sh.cfg.RequestTimeout)
		defer cancel()
		res, err := sd.DeleteStream(ctx, req)
		sh.sys.Send(self, &deleteDone{to: to, res: res, err: err})
	})
}

// onDeleteDone answers the delete and takes its effect: the deleted events
// leave the cache, the entity's state is dropped (its next command loads
// it again, from after the deleted versions), a tombstone refuses what
// comes next. A conflict naming another version than the actor's, or a
// failure, reloads the head.
func (s *streamActor) onDeleteDone(c actors.Context, m *deleteDone) {
	if !s.del.running {
		// The answer to a delete of an earlier incarnation, whose caller
		// was told the outcome is unknown: the head may have changed.
		s.reload(c)
		return
	}
	s.del.running = false
	s.del.barrier = s.del.barrier[1:]
	c.Send(m.to, &deleteReply{res: m.res, err: forCaller(m.err, s.stream)})
	var ce *eventstore.ConcurrencyError
	switch {
	case m.err == nil:
		s.applyDelete(m.res)
	case errors.As(m.err, &ce) && ce.Actual == s.committed:
	case errors.Is(m.err, eventstore.ErrStreamDeleted):
		s.del.tombstone = true
	default:
		s.reload(c)
	}
}

func (s *streamActor) applyDelete(res eventstore.DeleteResult) {
	s.del.hidden, s.del.tombstone = res.Version, res.Hard
	if res.Version != s.committed {
		// Another writer moved the stream (shared writers): load it again.
		s.committed = max(s.committed, res.Version)
	}
	s.cache.reset(s.committed)
	if s.ent != nil {
		s.dropEntityState()
		s.ent.snapVer = 0
	}
	if f := s.sh.cfg.OnDelete; f != nil {
		f(res)
	}
}

// redeliverAfterDelete handles a message that waited behind a delete.
func (s *streamActor) redeliverAfterDelete(c actors.Context, e envelope) {
	if s.refuseDeleted(c, e) {
		return
	}
	switch m := e.msg.(type) {
	case *appendCmd:
		s.onAppend(c, envelope{msg: m, sender: e.sender, at: e.at})
	case *readCmd:
		s.onRead(c, e)
	case *reserveCmd:
		s.onReserve(c, e)
	case *executeCmd:
		if s.ent == nil {
			s.ent = &entityState{kind: m.kind}
		}
		s.ent.cmds = append(s.ent.cmds, &entityCmd{m: m, sender: e.sender})
	}
}

// failDeletes answers the deletes and the messages waiting behind them when
// the incarnation goes: a delete in the store with ErrOutcomeUnknown, the
// others with err (nothing done).
func (s *streamActor) failDeletes(c actors.Context, err error) {
	for i, e := range s.del.barrier {
		if _, ok := e.msg.(*deleteCmd); !ok {
			s.answerEnvelope(c, e, err)
			continue
		}
		derr := error(s.streamErr("delete", ErrNotWritten))
		if i == 0 && s.del.running {
			derr = s.streamErr("delete", ErrOutcomeUnknown)
		}
		c.Send(e.sender, &deleteReply{err: derr})
	}
	s.del.barrier = slices.Delete(s.del.barrier, 0, len(s.del.barrier))
	s.del.running = false
}

// loadRecent reads the newest events of a stream that has a head. When
// none is visible (its events are deleted) it returns what the deletes did
// instead.
func loadRecent(ctx context.Context, store persistence.Store, stream string, window int) (
	[]eventstore.RecordedEvent, persistence.Deletion, error) {
	recent, err := store.ReadStream(ctx, eventstore.StreamRead{
		Stream: stream, From: eventstore.End, Direction: eventstore.Backward, Limit: window})
	sd, ok := store.(persistence.StreamDeleter)
	if !ok || !(errors.Is(err, eventstore.ErrStreamNotFound) || errors.Is(err, eventstore.ErrStreamDeleted)) {
		return recent, persistence.Deletion{}, err
	}
	d, err := sd.Deletion(ctx, stream)
	return nil, d, err
}
