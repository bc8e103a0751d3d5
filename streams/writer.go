package streams

import (
	"errors"
	"slices"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// writerActor is the runtime's group-commit writer: it gathers flushes from
// stream actors and transactions and commits as many as fit the caps in
// one Store.AppendBatch, the next batch starting as soon as the previous
// commit returns. The commit runs in the writer's commit goroutine
// (commitLoop); its result comes back as a *batchDone. Its state lives in
// writerState, which survives restarts so that no flush in flight is
// forgotten.
type writerActor struct{ st *writerState }

type writerState struct {
	sh       *shared
	queue    []*unit
	inflight []*unit                  // the batch being committed (nil: none)
	streams  map[string]int           // queued and in-flight units per stream
	idle     map[string][]*actors.PID // awaitIdle callers per stream
	drainers []*actors.PID
	// jobs feeds the commit goroutine (started by the first kick; one
	// batch at a time, so it never holds more than one).
	jobs chan commitJob
	// While finish answers a batch (finishing), a batch it starts that the
	// commit goroutine answers itself waits for finished, closed when
	// finish is done (ADR 0031).
	finishing bool
	finished  chan struct{}
}

// commitJob is one batch for the commit goroutine.
type commitJob struct {
	self   *actors.PID
	batch  []*unit
	reqs   []eventstore.AppendRequest
	events int
	prev   <-chan struct{} // closed once the previous batch is answered (nil: it is)
}

// sender is what answers are sent with: the writer's actor context, or
// the actor system from the commit goroutine.
type sender interface {
	Send(pid *actors.PID, msg any)
}

// unit is what the writer commits atomically for one sender: a stream
// actor's flush, or a transaction's requests.
type unit struct {
	flush   *flushReq
	tx      *txFlush
	replyTo *actors.PID
	reqs    []eventstore.AppendRequest
	events  int
	bytes   int
	one     [1]eventstore.AppendRequest // reqs of a flush
	done    flushDone                   // the answer to flush, sent once committed (no allocation of its own)
	own     bool                        // reqs carry the callers' own expectations again (retryOwn)
	// Where its requests are in the batch being committed (buildBatch),
	// whether it was merged with another unit (takeBatch, buildBatch),
	// and whether it is to be committed alone (a merged batch failed).
	slots  []slot
	slot0  [1]slot // slots of a flush
	merged bool
	tie    uint64 // the group of the merged units it commits with
	alone  bool
	// Its share of the committed batch's results and whether every
	// request of the batch it touches was freshly committed (shareResults:
	// computed once per batch).
	rs    []eventstore.AppendResult
	clean bool
}

func newWriterState(sh *shared) *writerState {
	return &writerState{sh: sh, streams: make(map[string]int), idle: make(map[string][]*actors.PID)}
}

func (w *writerActor) Receive(c actors.Context) {
	st := w.st
	switch m := c.Message().(type) {
	case *flushReq:
		u := &unit{flush: m}
		u.one[0] = m.req
		u.reqs = u.one[:] // no allocation of its own
		st.enqueue(u)
	case *txFlush:
		st.enqueue(&unit{tx: m, replyTo: c.Sender(), reqs: m.reqs})
		for _, pid := range m.pids { // each stream pipes the transaction (ADR 0025)
			c.Send(pid, m)
		}
	case *awaitIdle:
		if st.streams[m.stream] == 0 {
			c.Respond(&idleNow{})
		} else {
			st.idle[m.stream] = append(st.idle[m.stream], c.Sender())
		}
	case *drainCmd:
		st.drainers = append(st.drainers, c.Sender())
	case *batchDone:
		st.finish(c, m)
	}
	st.kick(c)
	st.checkDrained(c)
}

func (st *writerState) enqueue(u *unit) {
	for i := range u.reqs {
		st.streams[u.reqs[i].Stream]++
		u.events += len(u.reqs[i].Events)
		u.bytes += eventsSize(u.reqs[i].Events)
	}
	st.queue = append(st.queue, u)
}

// kick starts the next commit when none is running.
func (st *writerState) kick(c actors.Context) {
	if st.inflight != nil || len(st.queue) == 0 {
		return
	}
	batch, rest := takeBatch(st.queue, st.sh.cfg.MaxBatchEvents, st.sh.cfg.MaxBatchBytes)
	st.queue, st.inflight = rest, batch
	n, events := 0, 0
	for _, u := range batch {
		n += len(u.reqs)
		events += u.events
	}
	j := commitJob{self: c.Self(), batch: batch, reqs: buildBatch(batch, n), events: events}
	if st.finishing && answersItself(batch) {
		if st.finished == nil {
			st.finished = make(chan struct{})
		}
		j.prev = st.finished
	}
	if st.jobs == nil {
		st.jobs = make(chan commitJob, 1)
		jobs, sh := st.jobs, st.sh
		sh.goIO(func() { commitLoop(sh, jobs) })
	}
	st.jobs <- j // never blocks: the goroutine took the previous batch before answering it
}

// commitLoop is the writer's commit goroutine: one for the runtime's
// life, instead of one per batch (a new goroutine grew its stack again
// for every commit). It commits each batch and sends the writer its
// batchDone; a batch of one stream actor's flush it answers itself first
// (answerFlush), which spares that answer the hop through the writer.
func commitLoop(sh *shared, jobs <-chan commitJob) {
	for {
		select {
		case <-sh.ctx.Done():
			return
		case j := <-jobs:
			results, err := sh.commit(j.batch, j.reqs, j.events)
			m := &batchDone{results: results, err: err}
			if answersItself(j.batch) {
				if j.prev != nil {
					select { // the previous batch's answers and OnCommit first
					case <-j.prev:
					case <-sh.ctx.Done():
						return
					}
				}
				answerFlush(sh, j.batch[0], m)
			}
			sh.sys.Send(j.self, m)
		}
	}
}

// answersItself reports whether the commit goroutine answers the batch
// itself: one stream actor's flush, which nothing puts back in the queue
// (only merged units and transactions go back, see finish).
func answersItself(batch []*unit) bool {
	return len(batch) == 1 && batch[0].flush != nil && !batch[0].merged
}

// answerFlush answers a batch of one flush from the commit goroutine as
// finish would (its flushDone, then OnCommit), and marks m answered, so
// that finish only counts it and forgets the unit. Every answer and
// OnCommit of the batch is done before the writer hears of it, so before
// the next batch starts: ADR 0028's order holds.
func answerFlush(sh *shared, u *unit, m *batchDone) {
	var rec recorder
	if m.err == nil {
		rec.all = make([]eventstore.RecordedEvent, 0, u.events)
	}
	var rs []eventstore.AppendResult
	if m.err == nil {
		rs, _ = u.results(m.results)
	}
	reply(sh.sys, u, rs, m.err, time.Now().UTC(), &rec)
	m.answered, m.appended, m.requests = true, len(rec.all), rec.requests
	if sh.cfg.OnCommit != nil && len(rec.all) > 0 {
		sh.cfg.OnCommit(rec.all) // one request: in position order
	}
}

// finish hands each unit of the committed batch its outcome, then the
// committed events to OnCommit in position order. The events are built
// once, into one array: each stream actor gets its part of it with its
// flushDone or txDone, and OnCommit gets the whole (recorded events are
// never changed once built; see recordCommitted).
func (st *writerState) finish(c actors.Context, m *batchDone) {
	batch := st.inflight
	st.inflight = nil
	if m.answered {
		for _, u := range batch {
			st.done(c, u)
		}
		if m.err == nil {
			st.sh.stats.batch(m.appended, m.requests)
		}
		return
	}
	st.finishing = true
	defer st.endFinish() // the commit goroutine may wait for it
	at := time.Now().UTC()
	var rec recorder
	if m.err == nil {
		total := 0
		for _, u := range batch {
			total += u.events
		}
		rec.all = make([]eventstore.RecordedEvent, 0, total)
	}
	// First the units that go back to the queue, then the next commit
	// starts, then the answers: the writer is not idle while it answers
	// (the next batch's results come in a later message, so every unit of
	// this batch is answered before any of the next).
	var again []*unit
	back := make([]bool, len(batch))
	shareResults(batch, m)
	failed := failedTies(batch, m)
	for k, u := range batch {
		switch {
		case m.err != nil: // a failure of the whole batch is answered
		case u.merged && failed[u.tie]:
			// Merged units commit together or each again alone: the store
			// decided the merged requests as one, so its answer need not
			// be this unit's own (ADR 0028).
			u.alone = true
			again, back[k] = append(again, u), true
		case u.tx != nil && u.tx.orig != nil && !u.own:
			if retryOwn(u, u.rs) {
				again, back[k] = append(again, u), true
			}
		}
	}
	if len(again) > 0 {
		// Ahead of everything queued: every unit of their streams queued
		// now came after them (per-stream order, ADR 0028).
		st.queue = append(again, st.queue...)
	}
	st.kick(c) // units going back may be in it: they are not touched below
	for k, u := range batch {
		if back[k] {
			continue
		}
		reply(c, u, u.rs, m.err, at, &rec)
		st.done(c, u)
	}
	// Counted once committed: a failed commit, a refused request and an
	// idempotent retry append nothing.
	if m.err == nil {
		st.sh.stats.batch(len(rec.all), rec.requests)
	}
	if st.sh.cfg.OnCommit != nil && len(rec.all) > 0 {
		committed := rec.all
		if !slices.IsSortedFunc(committed, byPosition) { // the store assigns positions in request order
			committed = slices.Clone(committed)
			slices.SortFunc(committed, byPosition)
		}
		st.sh.cfg.OnCommit(committed)
	}
}

// endFinish ends finish: a batch it started that the commit goroutine
// answers itself may now be answered.
func (st *writerState) endFinish() {
	st.finishing = false
	if st.finished != nil {
		close(st.finished)
		st.finished = nil
	}
}

// reply sends u its outcome: from the writer (c its context) or, for a
// batch of one flush, from the commit goroutine (answerFlush).
func reply(c sender, u *unit, rs []eventstore.AppendResult, err error, at time.Time, rec *recorder) {
	if u.flush != nil {
		d := &u.done
		*d = flushDone{seq: u.flush.seq, err: err, committed: at}
		if err == nil {
			d.res = rs[0]
			d.events = rec.record(&u.reqs[0], rs[0], at)
		}
		c.Send(u.flush.pid, d)
		return
	}
	for j, pid := range u.tx.pids {
		d := &txDone{tx: u.tx.tx, req: u.reqs[j], err: err, committed: at}
		if err == nil {
			d.res = rs[j]
			d.events = rec.record(&u.reqs[j], rs[j], at)
		}
		c.Send(pid, d)
	}
	c.Send(u.replyTo, &txResult{results: rs, err: err})
}

// shareResults gives each unit of a committed batch its share of the
// results (none when the whole batch failed). Its slots are this batch's:
// it is in no other.
func shareResults(batch []*unit, m *batchDone) {
	for _, u := range batch {
		u.rs, u.clean = nil, false
		if m.err == nil {
			u.rs, u.clean = u.results(m.results)
		}
	}
}

// failedTies are the groups of merged units (buildBatch) of which some
// request was not freshly committed (after shareResults): each of their
// units is committed again alone.
func failedTies(batch []*unit, m *batchDone) map[uint64]bool {
	if m.err != nil {
		return nil
	}
	var failed map[uint64]bool
	for _, u := range batch {
		if !u.merged {
			continue
		}
		if !u.clean {
			if failed == nil {
				failed = make(map[uint64]bool)
			}
			failed[u.tie] = true
		}
	}
	return failed
}

// results is the unit's share of the batch's results, and whether every
// request of the batch it touches was freshly committed (clean). A merged
// request's result is split by events: a fresh commit gives the events of
// one request contiguous versions and positions, in order.
func (u *unit) results(all []eventstore.AppendResult) (rs []eventstore.AppendResult, clean bool) {
	if !u.merged {
		first := u.slots[0].at // a unit that is not merged has its requests in a row
		rs = all[first : first+len(u.reqs)]
		return rs, true
	}
	rs = make([]eventstore.AppendResult, len(u.reqs))
	clean = true
	for j, sl := range u.slots {
		r := all[sl.at]
		if r.Err != nil || r.Idempotent {
			clean = false
			rs[j] = r
			continue
		}
		off, n := eventstore.Version(sl.offset), eventstore.Version(len(u.reqs[j].Events))
		r.FirstVersion += off
		r.LastVersion = r.FirstVersion + n - 1
		r.FirstPosition += off
		r.LastPosition = r.FirstPosition + n - 1
		rs[j] = r
	}
	return rs, clean
}

// retryOwn decides whether a transaction whose expectations were made
// exact from its grants (ADR 0028) goes to the store again with its
// callers' own expectations, and if so, makes its requests carry them: the
// store refused one of the exact ones with a conflict, so the stream was
// not at the version it was granted at (a piped predecessor failed, or
// another writer wrote), which says nothing yet about the caller's own
// expectation. Nothing of the transaction was written (a group is all or
// nothing), and it is retried once.
func retryOwn(u *unit, rs []eventstore.AppendResult) bool {
	if u.tx == nil || u.tx.orig == nil || u.own || rs == nil {
		return false
	}
	conflict := false
	for j := range rs {
		if u.tx.orig[j] != nil && errors.Is(rs[j].Err, eventstore.ErrConcurrency) {
			conflict = true
			break
		}
	}
	if !conflict {
		return false
	}
	reqs := slices.Clone(u.tx.reqs) // the *txFlush is shared with the stream actors: never changed
	for j, own := range u.tx.orig {
		if own != nil {
			reqs[j].Expected = *own
		}
	}
	u.reqs, u.own = reqs, true
	return true
}

// done forgets a finished unit and answers awaitIdle callers of streams
// with nothing left in the writer.
func (st *writerState) done(c actors.Context, u *unit) {
	for i := range u.reqs {
		s := u.reqs[i].Stream
		if st.streams[s]--; st.streams[s] > 0 {
			continue
		}
		delete(st.streams, s)
		for _, pid := range st.idle[s] {
			c.Send(pid, &idleNow{})
		}
		delete(st.idle, s)
	}
}

func (st *writerState) checkDrained(c actors.Context) {
	if len(st.drainers) == 0 || st.inflight != nil || len(st.queue) > 0 {
		return
	}
	for _, d := range st.drainers {
		c.Send(d, &drainedReply{pid: c.Self()})
	}
	st.drainers = nil
}

// recorder builds the recorded events of one committed batch into one
// array (all, with room for every event of the batch, so that it is never
// reallocated and the parts handed out stay views of it).
type recorder struct {
	all      []eventstore.RecordedEvent
	requests int // requests that appended events
}

// record appends the events req committed with result r and returns them
// (nil when it appended none: refused, idempotent, or positions that do
// not match its events). The part returned has no spare capacity, so
// nobody appends into the shared array. Recorded events are immutable:
// stream actors copy them into their caches, OnCommit's receiver keeps
// them, and nobody changes them.
func (rec *recorder) record(req *eventstore.AppendRequest, r eventstore.AppendResult,
	at time.Time) []eventstore.RecordedEvent {
	if r.Err != nil || r.Idempotent || r.LastPosition-r.FirstPosition+1 != eventstore.Position(len(req.Events)) {
		return nil
	}
	start := len(rec.all)
	rec.all = appendRecorded(rec.all, req.Stream, req.Events, r, at)
	rec.requests++
	return rec.all[start:len(rec.all):len(rec.all)]
}
