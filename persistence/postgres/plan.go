package postgres

import (
	"sort"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// storedEvent is where an event ID of a batch is already stored.
type storedEvent struct {
	stream   string
	version  uint64
	position uint64
}

// appendPlan is the pure decision part of AppendBatch: given the locked
// stream heads and the batch's event IDs already stored, it decides the
// result of every request and which requests are written.
type appendPlan struct {
	reqs    []eventstore.AppendRequest
	streams []string      // every stream of the batch, sorted: the lock order
	ids     []pgtype.UUID // every event ID of the batch
	events  int
	// sent holds the requests an earlier attempt of this call tried to
	// commit. When such an attempt failed with its outcome unknown and
	// the next attempt finds the events stored, they are this call's own
	// commit: the result is the original one, not an idempotent retry.
	sent map[int]bool
	// untyped is set when pgx sends parameters without the statement's
	// parameter types (StatementCacheMode exec or simple): it then finds
	// an encoder by the Go type alone, which it knows only for its own
	// slices, so the write statements get those (writeSet.args).
	untyped bool
}

// markSent records the requests this attempt is about to commit and
// returns those not recorded before.
func (p *appendPlan) markSent(writes []int) (added []int) {
	if p.sent == nil {
		p.sent = make(map[int]bool, len(writes))
	}
	for _, i := range writes {
		if !p.sent[i] {
			p.sent[i] = true
			added = append(added, i)
		}
	}
	return added
}

// unmarkSent forgets requests markSent added, when the attempt is known
// not to have committed them.
func (p *appendPlan) unmarkSent(added []int) {
	for _, i := range added {
		delete(p.sent, i)
	}
}

// ownCommits clears Idempotent on results that an earlier attempt of this
// call committed (its acknowledgement was lost).
func (p *appendPlan) ownCommits(results []eventstore.AppendResult) {
	for i := range results {
		if p.sent[i] && results[i].Idempotent {
			results[i].Idempotent = false
		}
	}
}

func newAppendPlan(reqs []eventstore.AppendRequest) *appendPlan {
	p := &appendPlan{reqs: reqs, streams: make([]string, 0, len(reqs))}
	for i := range reqs {
		p.streams = append(p.streams, reqs[i].Stream)
		p.events += len(reqs[i].Events)
	}
	sort.Strings(p.streams)
	p.ids = make([]pgtype.UUID, 0, p.events)
	for i := range reqs {
		for j := range reqs[i].Events {
			p.ids = append(p.ids, pgtype.UUID{Bytes: reqs[i].Events[j].ID, Valid: true})
		}
	}
	return p
}

// decide returns one result per request (Err set for failures, versions
// and positions filled in for idempotent retries) and the indexes of the
// requests to write, in request order. heads holds the locked versions.
func (p *appendPlan) decide(heads map[string]uint64, stored map[uuid.UUID]storedEvent) (
	[]eventstore.AppendResult, []int) {
	results := make([]eventstore.AppendResult, len(p.reqs))
	for i := range p.reqs {
		r := &p.reqs[i]
		results[i] = eventstore.AppendResult{Stream: r.Stream}
		if len(stored) > 0 {
			if res, done := idempotency(r, stored); done {
				results[i] = res
				continue
			}
		}
		results[i].Err = r.Expected.Check(r.Stream, heads[r.Stream])
	}
	abortGroups(p.reqs, results)
	var writes []int
	for i := range results {
		if results[i].Err == nil && !results[i].Idempotent {
			writes = append(writes, i)
		}
	}
	return results, writes
}

// idempotency decides a request some of whose event IDs are stored. It
// returns done=false when none are. A request whose IDs are all stored in
// its stream, contiguously and in order, is an idempotent retry; any other
// overlap is a *eventstore.DuplicateEventError.
func idempotency(r *eventstore.AppendRequest, stored map[uuid.UUID]storedEvent) (
	eventstore.AppendResult, bool) {
	res := eventstore.AppendResult{Stream: r.Stream}
	found := 0
	var first storedEvent
	for j := range r.Events {
		se, ok := stored[r.Events[j].ID]
		if !ok {
			continue
		}
		if se.stream != r.Stream {
			res.Err = &eventstore.DuplicateEventError{EventID: r.Events[j].ID, Stream: r.Stream,
				ExistingStream: se.stream}
			return res, true
		}
		if found == 0 {
			first = se
		}
		found++
		if found != j+1 || se.version != first.version+uint64(j) {
			res.Err = &eventstore.DuplicateEventError{EventID: r.Events[j].ID, Stream: r.Stream,
				ExistingStream: se.stream}
			return res, true
		}
	}
	if found == 0 {
		return res, false
	}
	if found != len(r.Events) {
		id := r.Events[0].ID
		res.Err = &eventstore.DuplicateEventError{EventID: id, Stream: r.Stream, ExistingStream: r.Stream}
		return res, true
	}
	last := stored[r.Events[len(r.Events)-1].ID]
	res.FirstVersion, res.LastVersion = first.version, last.version
	res.FirstPosition, res.LastPosition = first.position, last.position
	res.Idempotent = true
	return res, true
}

// abortGroups fails every request of a group in which one request failed:
// the group's first failure becomes the Cause of the others' AbortedError.
func abortGroups(reqs []eventstore.AppendRequest, results []eventstore.AppendResult) {
	causes := map[uint64]error{}
	for i := range reqs {
		if g := reqs[i].Group; g != 0 && results[i].Err != nil && causes[g] == nil {
			causes[g] = results[i].Err
		}
	}
	if len(causes) == 0 {
		return
	}
	for i := range reqs {
		cause := causes[reqs[i].Group]
		if reqs[i].Group == 0 || cause == nil || results[i].Err != nil {
			continue
		}
		results[i] = eventstore.AppendResult{Stream: reqs[i].Stream,
			Err: &eventstore.AbortedError{Stream: reqs[i].Stream, Cause: cause}}
	}
}
