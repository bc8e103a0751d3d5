package streams

import (
	"encoding/binary"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// idWindow remembers the newest committed event IDs of one stream (at
// least max, at most twice as many) with their version and position, so a
// retry is answered without the store.
// It is owned by one stream actor and not safe for concurrent use.
//
// The entries are kept in order in a slice and found through a map keyed
// by 64 bits of the ID (idKey): a map with a uint64 key takes the
// runtime's fast path, and an insert (one per committed event) costs about
// half as much as with the 16-byte UUID key. Two remembered IDs with the
// same key keep the newer one; the older is then not remembered, which is
// safe (its retry goes to the store, as one beyond the window does).
type idWindow struct {
	max   int
	order []idEntry         // oldest first
	first uint64            // sequence number of order[0]
	refs  map[uint64]uint64 // idKey -> sequence number of the entry
}

type idEntry struct {
	id       uuid.UUID
	version  eventstore.Version
	position eventstore.Position
}

type idRef struct {
	version  eventstore.Version
	position eventstore.Position
}

func newIDWindow(max int) *idWindow {
	return &idWindow{max: max, refs: make(map[uint64]uint64)}
}

// idKey folds an ID into 64 bits (both halves: time-ordered IDs differ
// mostly in their second half).
func idKey(id uuid.UUID) uint64 {
	return binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])
}

// add remembers committed events, forgetting the oldest beyond max.
func (w *idWindow) add(evs []eventstore.RecordedEvent) {
	if w.max <= 0 || len(evs) == 0 {
		return
	}
	for i := range evs {
		w.refs[idKey(evs[i].ID)] = w.first + uint64(len(w.order))
		w.order = append(w.order, idEntry{id: evs[i].ID, version: evs[i].Version, position: evs[i].Position})
	}
	// Forget in bulk, once twice max are kept: amortised O(1) per event.
	if over := len(w.order) - w.max; over >= w.max {
		for k := range w.order[:over] {
			key := idKey(w.order[k].id)
			if w.refs[key] == w.first+uint64(k) { // not taken over by a newer ID with the same key
				delete(w.refs, key)
			}
		}
		w.order = append([]idEntry(nil), w.order[over:]...)
		w.first += uint64(over)
	}
}

// get returns what is remembered of id.
func (w *idWindow) get(id uuid.UUID) (idRef, bool) {
	seq, ok := w.refs[idKey(id)]
	if !ok {
		return idRef{}, false
	}
	e := &w.order[seq-w.first]
	if e.id != id {
		return idRef{}, false
	}
	return idRef{version: e.version, position: e.position}, true
}

// knows reports whether any of the events' IDs is remembered.
func (w *idWindow) knows(evs []eventstore.EventData) bool {
	for i := range evs {
		if _, ok := w.get(evs[i].ID); ok {
			return true
		}
	}
	return false
}

// retryOutcome says how to answer an append whose IDs may be remembered.
type retryOutcome uint8

const (
	retryNone      retryOutcome = iota // no ID remembered: a new append
	retryKnown                         // stored IDs, contiguous and in order: the stored events' result
	retryDuplicate                     // a reordered or gapped repeat of stored IDs
	retryToStore                       // some IDs not remembered: the store decides
)

// retry classifies an append by its IDs. For retryKnown it returns the
// original result, for retryDuplicate a *DuplicateEventError.
func (w *idWindow) retry(stream string, evs []eventstore.EventData) (eventstore.AppendResult, retryOutcome, error) {
	if !w.knows(evs) {
		return eventstore.AppendResult{}, retryNone, nil
	}
	first, ok := w.get(evs[0].ID)
	// The same rule as the store's (persistence.Store.AppendBatch): IDs
	// stored at contiguous versions in the same order are a retry, whether
	// they are one whole earlier append or a part of one or of several
	// (docs/invariants.md, "partial repeats"). Append boundaries do not
	// matter: the store does not keep them, and the answer must not depend
	// on which of the two answers.
	for i := range evs {
		ref, found := w.get(evs[i].ID)
		switch {
		case !ok || !found: // some IDs not remembered (new, or forgotten): the store decides
			return eventstore.AppendResult{}, retryToStore, nil
		case ref.version != first.version+eventstore.Version(i):
			return eventstore.AppendResult{}, retryDuplicate, &eventstore.DuplicateEventError{
				EventID: evs[i].ID, Stream: stream, ExistingStream: stream}
		}
	}
	last, _ := w.get(evs[len(evs)-1].ID)
	return eventstore.AppendResult{Stream: stream, FirstVersion: first.version, LastVersion: last.version,
		FirstPosition: first.position, LastPosition: last.position, Idempotent: true}, retryKnown, nil
}
