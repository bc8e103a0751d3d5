package streams

import (
	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// idWindow remembers the newest committed event IDs of one stream (at
// least max, at most twice as many) with their version and position, so a
// retry is answered without the store.
// It is owned by one stream actor and not safe for concurrent use.
type idWindow struct {
	max   int
	order []uuid.UUID // oldest first
	refs  map[uuid.UUID]idRef
}

type idRef struct {
	version  eventstore.Version
	position eventstore.Position
}

func newIDWindow(max int) *idWindow {
	return &idWindow{max: max, refs: make(map[uuid.UUID]idRef)}
}

// add remembers committed events, forgetting the oldest beyond max.
func (w *idWindow) add(evs []eventstore.RecordedEvent) {
	if w.max <= 0 || len(evs) == 0 {
		return
	}
	for i := range evs {
		w.refs[evs[i].ID] = idRef{version: evs[i].Version, position: evs[i].Position}
		w.order = append(w.order, evs[i].ID)
	}
	// Forget in bulk, once twice max are kept: amortised O(1) per event.
	if over := len(w.order) - w.max; over >= w.max {
		for _, id := range w.order[:over] {
			delete(w.refs, id)
		}
		w.order = append([]uuid.UUID(nil), w.order[over:]...)
	}
}

// knows reports whether any of the events' IDs is remembered.
func (w *idWindow) knows(evs []eventstore.EventData) bool {
	for i := range evs {
		if _, ok := w.refs[evs[i].ID]; ok {
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
	first, ok := w.refs[evs[0].ID]
	// The same rule as the store's (persistence.Store.AppendBatch): IDs
	// stored at contiguous versions in the same order are a retry, whether
	// they are one whole earlier append or a part of one or of several
	// (docs/invariants.md, "partial repeats"). Append boundaries do not
	// matter: the store does not keep them, and the answer must not depend
	// on which of the two answers.
	for i := range evs {
		ref, found := w.refs[evs[i].ID]
		switch {
		case !ok || !found: // some IDs not remembered (new, or forgotten): the store decides
			return eventstore.AppendResult{}, retryToStore, nil
		case ref.version != first.version+eventstore.Version(i):
			return eventstore.AppendResult{}, retryDuplicate, &eventstore.DuplicateEventError{
				EventID: evs[i].ID, Stream: stream, ExistingStream: stream}
		}
	}
	last := w.refs[evs[len(evs)-1].ID]
	return eventstore.AppendResult{Stream: stream, FirstVersion: first.version, LastVersion: last.version,
		FirstPosition: first.position, LastPosition: last.position, Idempotent: true}, retryKnown, nil
}
