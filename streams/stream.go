package streams

import (
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// streamActor owns one stream: it checks expected versions in memory,
// assigns versions, keeps one flush in flight to the writer and queues the
// appends that arrive meanwhile, answers retries from recent event IDs and
// serves reads from recent events. See doc.go for its guarantees.
type streamActor struct {
	sh     *shared
	writer *actors.PID
	stream string
	cell   *streamCell

	ready bool   // the head is loaded
	epoch uint64 // of the latest load, to ignore stale results

	committed eventstore.Version
	queue     []*pending             // accepted, not yet sent
	spare     []*pending             // an empty array for the next queue (the last flush's)
	byID      map[uuid.UUID]*pending // every event ID of queued and in-flight appends
	waiting   []envelope             // arrived before the head was loaded
	held      []envelope             // appends that arrived while a transaction holds the stream
	reads     []envelope             // reads waiting for the flush in flight before answering "miss"
	reserves  []envelope             // transactions waiting to hold the stream
	tx        *heldTx                // the transaction holding the stream
	piped     []pipedTx              // transactions queued by the writer, in its order (stream_tx.go)
	drainers  []*actors.PID
	cache     *eventCache
	ids       *idWindow
	// freshAt: the store's version of the stream was committed at that
	// time (the start of the last load, or the send of the last flush that
	// committed). With Config.VerifyConflicts a conflict is answered only
	// from a head at least as fresh as the request.
	freshAt time.Time
	cur     envelope     // message being handled (msg nil: none); answered if handling panics
	ent     *entityState // the entity of this stream, once a command came (entity_actor.go)
	del     deleteState  // deletes waiting or running, and what they hid (stream_delete.go)
}

// streamCell is the state that survives a restart of the stream actor (the
// producer of every incarnation gets the same cell): the flush in flight,
// whose callers the next incarnation answers.
type streamCell struct {
	// seen counts routed messages received by every incarnation, the one
	// whose handling failed included (see registry).
	seen     uint64
	seq      uint64
	inflight *inflightFlush
	started  bool
}

type inflightFlush struct {
	seq     uint64
	appends []*pending
	sentAt  time.Time
	req     flushReq // sent to the writer (kept here: one allocation for both)
}

// pending is one accepted append and everyone waiting for its outcome (the
// caller, and callers retrying it with the same event IDs).
type pending struct {
	events  []eventstore.EventData
	waiters []waiter    // first the caller: waiters starts as first[:]
	first   [1]waiter   // so that an append with one caller is one allocation
	reply   appendReply // the committed answer, shared by every waiter (never changed once sent)
	// toStore: some IDs were committed before; the store decides (retry or
	// duplicate), so it is flushed alone and not checked in memory.
	toStore bool
	solo    bool
	// deferred: the expectation fails against the projected version; it
	// is answered with a conflict once everything before it is resolved.
	deferred bool
	arrived  time.Time
}

type waiter struct {
	to       *actors.PID
	reply    actors.Replier // answers straight into the caller's reply slot when valid
	expected eventstore.ExpectedVersion
	trace    string
	span     trace.SpanContext // the stream actor's span of this append (invalid when not tracing)
}

type envelope struct {
	msg    any
	sender *actors.PID
	at     time.Time // when an append or reservation arrived (Config.VerifyConflicts)
}

type heldTx struct {
	id   uint64
	req  eventstore.AppendRequest
	adds eventstore.Version // versions it is expected to add once piped
}

func newStreamActor(sh *shared, writer *actors.PID, stream string, cell *streamCell) *streamActor {
	return &streamActor{
		sh: sh, writer: writer, stream: stream, cell: cell,
		byID:  make(map[uuid.UUID]*pending),
		cache: newEventCache(sh.cfg.CacheBytes),
		ids:   newIDWindow(sh.cfg.IdempotencyWindow),
	}
}

// Receive dispatches one message. Handlers never block on I/O.
func (s *streamActor) Receive(c actors.Context) {
	msg := c.Message()
	if _, ok := msg.(*actors.Stopped); ok {
		s.forget()
		return
	}
	switch msg.(type) {
	case *actors.Restarting, *actors.Stopping:
		// s.cur still names the message whose handling failed, if any.
	case *appendCmd, *readCmd, *reserveCmd, *releaseCmd, *executeCmd, *deleteCmd, *metadataCmd: // routed by the registry
		s.cell.seen++
		s.cur = envelope{msg: msg, sender: c.Sender()}
	default:
		s.cur = envelope{msg: msg, sender: c.Sender()}
	}
	if h := s.sh.cfg.hooks.beforeMessage; h != nil {
		h(s.stream, msg, s.cell.inflight != nil)
	}
	if !s.lifecycle(c, msg) {
		s.handle(c, msg)
	}
	s.cur = envelope{}
	s.pumpEntity(c)
	s.pumpDelete(c)
	s.checkDrained(c)
}

// forget drops everything the stopped actor held (its cache, ID window,
// queues): protoactor's set of a parent's children can keep a removed
// child's PID, and with it this actor, reachable after it stopped
// (PIDSet.Remove does not clear the slot it vacates), so a passivated
// stream would otherwise keep its whole state in memory. Nothing reads
// the actor after Stopped; the cell belongs to the registry.
func (s *streamActor) forget() {
	*s = streamActor{sh: s.sh, stream: s.stream}
}

func (s *streamActor) lifecycle(c actors.Context, msg any) bool {
	switch m := msg.(type) {
	case *actors.Started:
		s.start(c)
		if h := s.sh.cfg.hooks.started; h != nil {
			h(s.stream, s.cache)
		}
	case *actors.Restarting:
		s.sh.stats.restarts.Add(1)
		s.failAll(c, ErrNotWritten, false)
	case *actors.Stopping:
		s.maybeSnapshot(c, true)
		s.failAll(c, ErrNotWritten, true)
	case *checkIdle:
		s.reportIfIdle(c)
	case *idleNow:
		s.load(c)
	case *loaded:
		s.onLoaded(c, m)
	case *drainCmd:
		s.drainers = append(s.drainers, c.Sender())
	default:
		return false
	}
	return true
}

func (s *streamActor) handle(c actors.Context, msg any) {
	if s.deleteFirst(c, msg) {
		return
	}
	switch m := msg.(type) {
	case *appendCmd:
		s.onAppend(c, envelope{msg: m, sender: c.Sender(), at: time.Now()})
	case *readCmd:
		s.onRead(c, envelope{msg: m, sender: c.Sender()})
	case *reserveCmd:
		s.onReserve(c, envelope{msg: m, sender: c.Sender(), at: time.Now()})
	case *releaseCmd:
		s.onRelease(c, m)
	case *flushDone:
		s.onFlushDone(c, m)
	case *txFlush: // the writer queued the transaction holding the stream
		s.onTxQueued(c, m)
	case *txDone:
		s.onTxDone(c, m)
	case *executeCmd:
		s.onExecute(c, m)
	case *appendReply: // of the entity's own append (entity_actor.go)
		s.onEntityAppended(c, m)
	case *entityLoaded:
		s.onEntityLoaded(c, m)
	}
}

// idle reports whether the actor holds no work: it may be passivated.
func (s *streamActor) idle() bool {
	return s.ready && len(s.queue) == 0 && s.cell.inflight == nil && len(s.waiting) == 0 && len(s.reads) == 0 &&
		len(s.held) == 0 && s.tx == nil && len(s.piped) == 0 && len(s.reserves) == 0 && !s.entityBusy() && s.del.quiet()
}

func (s *streamActor) reportIfIdle(c actors.Context) {
	if s.idle() {
		c.Send(c.Parent(), &idleReport{stream: s.stream, pid: c.Self(), seen: s.cell.seen})
	}
}

func (s *streamActor) checkDrained(c actors.Context) {
	if len(s.drainers) == 0 || !(s.idle() || (!s.ready && len(s.waiting) == 0 && s.cell.inflight == nil)) {
		return
	}
	for _, d := range s.drainers {
		c.Send(d, &drainedReply{pid: c.Self()})
	}
	s.drainers = nil
}
