package streams

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Deletes and metadata writes go through the stream actor like appends
// (docs/lifecycle.md): one waits until every append, transaction and
// entity command accepted before it is answered, runs alone (the store
// checks its expectation under the stream's lock), and everything routed to
// the stream after it waits until it is answered. So an append is wholly
// before a delete or wholly after it, and a read sees the stream before or
// after a delete or a new retention, never half.

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

// metadataCmd sets the stream's metadata; the reply is a metadataReply.
type metadataCmd struct {
	req   eventstore.MetadataRequest
	trace string
}

// metadataReply answers a metadataCmd.
type metadataReply struct {
	res eventstore.MetadataResult
	err error
}

// lifecycleDone carries the store's answer to a delete (del set) or a
// metadata write back to the actor.
type lifecycleDone struct {
	to  *actors.PID
	del bool
	res eventstore.DeleteResult
	md  eventstore.MetadataResult
	err error
}

// deleteState is the stream actor's part of deletes and metadata.
type deleteState struct {
	// barrier holds a delete or metadata write waiting for its turn
	// (first) and every routed message that arrived after it, in order.
	barrier []envelope
	// running: the first command of barrier is in the store.
	running bool
	// ret is what deletes and metadata hide; from the store on load.
	ret persistence.Retention
}

// quiet reports that no delete or metadata write waits or runs.
func (d *deleteState) quiet() bool { return len(d.barrier) == 0 && !d.running }

func isLifecycle(msg any) bool {
	switch msg.(type) {
	case *deleteCmd, *metadataCmd:
		return true
	}
	return false
}

// deleteFirst takes the messages a delete or metadata write decides: the
// command itself, and every routed message while one waits (they go after
// it). Requests of a hard-deleted stream are answered at once. It reports
// whether it took msg.
func (s *streamActor) deleteFirst(c actors.Context, msg any) bool {
	e := envelope{msg: msg, sender: c.Sender(), at: time.Now()}
	switch m := msg.(type) {
	case *lifecycleDone:
		s.onLifecycleDone(c, m)
		return true
	case *deleteCmd, *metadataCmd:
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
// *StreamDeletedError. It reports whether it answered.
func (s *streamActor) refuseDeleted(c actors.Context, e envelope) bool {
	if !s.ready || !s.del.ret.Tombstone {
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

// pumpDelete starts the first waiting delete or metadata write once
// nothing accepted before it is pending, and lets the messages after it
// through once it is answered. It runs after every message the actor
// handles.
func (s *streamActor) pumpDelete(c actors.Context) {
	for len(s.del.barrier) > 0 && !s.del.running {
		first := s.del.barrier[0]
		if isLifecycle(first.msg) {
			if !s.ready || !s.quietForDelete() {
				return
			}
			s.startLifecycle(c, first)
			continue
		}
		s.del.barrier = s.del.barrier[1:]
		s.redeliverAfterDelete(c, first)
	}
}

// quietForDelete reports that every append, transaction and entity
// command accepted before the delete is answered.
func (s *streamActor) quietForDelete() bool {
	return !s.writing() && len(s.queue) == 0 && s.tx == nil && len(s.reserves) == 0 &&
		len(s.held) == 0 && len(s.reads) == 0 && (s.ent == nil || (s.ent.running == nil && !s.ent.loading))
}

// startLifecycle runs a delete or metadata write in the store, off the
// mailbox (a store without persistence.StreamDeleter answers at once).
func (s *streamActor) startLifecycle(c actors.Context, e envelope) {
	sd, ok := s.sh.store.(persistence.StreamDeleter)
	if !ok {
		s.del.barrier = s.del.barrier[1:]
		err := &eventstore.InputError{Field: "store", Rule: "supported", Stream: s.stream,
			Message: "the store does not support deletes and stream metadata"}
		if _, del := e.msg.(*deleteCmd); del {
			c.Send(e.sender, &deleteReply{err: err})
		} else {
			c.Send(e.sender, &metadataReply{err: err})
		}
		return
	}
	s.del.running = true
	self, sh, to := c.Self(), s.sh, e.sender
	var run func(ctx context.Context) *lifecycleDone
	var trace string
	switch m := e.msg.(type) {
	case *deleteCmd:
		trace = m.trace
		run = func(ctx context.Context) *lifecycleDone {
			res, err := sd.DeleteStream(ctx, m.req)
			return &lifecycleDone{to: to, del: true, res: res, err: err}
		}
	case *metadataCmd:
		trace = m.trace
		run = func(ctx context.Context) *lifecycleDone {
			md, err := sd.SetStreamMetadata(ctx, m.req)
			return &lifecycleDone{to: to, md: md, err: err}
		}
	}
	ctx := eventstore.WithTraceID(sh.ctx, trace)
	sh.goIO(func() {
		ctx, cancel := context.WithTimeout(ctx, sh.cfg.RequestTimeout)
		defer cancel()
		sh.sys.Send(self, run(ctx))
	})
}

// onLifecycleDone answers the delete or metadata write and takes its
// effect. A conflict naming another version than the actor's, or a
// failure, reloads the head.
func (s *streamActor) onLifecycleDone(c actors.Context, m *lifecycleDone) {
	if !s.del.running {
		// The answer to a command of an earlier incarnation, whose caller
		// was told the outcome is unknown: the head may have changed.
		s.reload(c)
		return
	}
	s.del.running = false
	s.del.barrier = s.del.barrier[1:]
	// The caller is answered once the effect is taken: the subscriptions
	// must hide what the delete or retention hides from the moment the
	// call returns (TestSubscribersWithinTheRetention caught a reply
	// sent before applyMetadata).
	var ce *eventstore.ConcurrencyError
	switch {
	case m.err == nil && m.del:
		s.applyDelete(m.res)
	case m.err == nil:
		s.applyMetadata(m.md)
	case errors.As(m.err, &ce) && (ce.Actual == s.committed || !m.del):
	case errors.Is(m.err, eventstore.ErrStreamDeleted):
		s.del.ret.Tombstone = true
	default:
		s.reload(c)
	}
	err := forCaller(m.err, s.stream)
	if m.del {
		c.Send(m.to, &deleteReply{res: m.res, err: err})
	} else {
		c.Send(m.to, &metadataReply{res: m.md, err: err})
	}
}

// applyDelete takes a committed delete's effect: the deleted events leave
// the cache, the entity's state is dropped (its next command loads it
// again, from after the deleted versions), a tombstone refuses what comes
// next, and the subscriptions drop the deleted events they hold.
func (s *streamActor) applyDelete(res eventstore.DeleteResult) {
	s.del.ret.Through, s.del.ret.Tombstone = res.Version, res.Hard
	// Another writer may have moved the stream (shared writers).
	s.committed = max(s.committed, res.Version)
	s.cache.reset(s.committed)
	if s.ent != nil {
		s.dropEntityState()
		s.ent.snapVer = 0
	}
	s.retentionChanged()
}

// applyMetadata takes a new retention: the cache serves only what it
// keeps, and the subscriptions drop the events outside it that they hold.
func (s *streamActor) applyMetadata(md eventstore.MetadataResult) {
	s.del.ret.Meta, s.del.ret.MetaVersion = md.Metadata, md.Version
	s.retentionChanged()
}

func (s *streamActor) retentionChanged() {
	if f := s.sh.cfg.OnRetention; f != nil {
		f(s.stream, s.del.ret, s.committed)
	}
}

// entityFloor is the version an entity loaded from the store stands at:
// past the events deletes and the retention hide.
func (s *streamActor) entityFloor(v eventstore.Version) eventstore.Version {
	if s.del.ret.Meta.MaxAge > 0 && v < s.committed {
		return s.committed // the expired events were not folded
	}
	return max(v, s.del.ret.Low(s.committed)-1)
}

// redeliverAfterDelete handles a message that waited behind a delete.
func (s *streamActor) redeliverAfterDelete(c actors.Context, e envelope) {
	if s.refuseDeleted(c, e) {
		return
	}
	switch m := e.msg.(type) {
	case *appendCmd:
		s.onAppend(c, e)
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

// failDeletes answers the commands and the messages waiting behind them
// when the incarnation goes: a command in the store with ErrOutcomeUnknown,
// the others with err (nothing done).
func (s *streamActor) failDeletes(c actors.Context, err error) {
	for i, e := range s.del.barrier {
		if !isLifecycle(e.msg) {
			s.answerEnvelope(c, e, err)
			continue
		}
		lerr := error(s.streamErr("delete", ErrNotWritten))
		if i == 0 && s.del.running {
			lerr = s.streamErr("delete", ErrOutcomeUnknown)
		}
		if _, del := e.msg.(*deleteCmd); del {
			c.Send(e.sender, &deleteReply{err: lerr})
		} else {
			c.Send(e.sender, &metadataReply{err: lerr})
		}
	}
	s.del.barrier = slices.Delete(s.del.barrier, 0, len(s.del.barrier))
	s.del.running = false
}

// loadHead reads a stream's head and, when the store keeps them, what
// deletes and metadata hide of it, in one read.
func loadHead(ctx context.Context, store persistence.Store, stream string) (
	eventstore.StreamHead, persistence.Retention, error) {
	if sd, ok := store.(persistence.StreamDeleter); ok {
		return sd.HeadRetention(ctx, stream)
	}
	h, err := store.Head(ctx, stream)
	return h, persistence.Retention{}, err
}

// loadRecent reads the newest visible events of a stream that has a head
// (none when deletes or the retention hide them all).
func loadRecent(ctx context.Context, store persistence.Store, stream string, window int) (
	[]eventstore.RecordedEvent, error) {
	recent, err := store.ReadStream(ctx, eventstore.StreamRead{
		Stream: stream, From: eventstore.End, Direction: eventstore.Backward, Limit: window})
	if errors.Is(err, eventstore.ErrStreamNotFound) || errors.Is(err, eventstore.ErrStreamDeleted) {
		return nil, nil
	}
	return recent, err
}
