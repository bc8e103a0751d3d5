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
	// from and to are the first and last versions of the append that wrote
	// the event; 0 when unknown (events loaded from the store).
	from, to eventstore.Version
}

func newIDWindow(max int) *idWindow {
	return &idWindow{max: max, refs: make(map[uuid.UUID]idRef)}
}

// add remembers committed events, forgetting the oldest beyond max.
// appended says that evs are exactly one append (known boundaries).
func (w *idWindow) add(evs []eventstore.RecordedEvent, appended bool) {
	if w.max <= 0 || len(evs) == 0 {
		return
	}
	var from, to eventstore.Version
	if appended {
		from, to = evs[0].Version, evs[len(evs)-1].Version
	}
	for i := range evs {
		w.refs[evs[i].ID] = idRef{version: evs[i].Version, position: evs[i].Position, from: from, to: to}
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
	retryKnown                         // the same append as before: its original result
	retryDuplicate                     // a partial or reordered repeat of one append
	retryToStore                       // vaguely known (boundaries or IDs missing): the store decides
)

// retry classifies an append by its IDs. For retryKnown it returns the
// original result, for retryDuplicate a *DuplicateEventError.
func (w *idWindow) retry(stream string, evs []eventstore.EventData) (eventstore.AppendResult, retryOutcome, error) {
	if !w.knows(evs) {
		return eventstore.AppendResult{}, retryNone, nil
	}
	first, ok := w.refs[evs[0].ID]
	for i := range evs {
		ref, found := w.refs[evs[i].ID]
		switch {
		case !ok || !found || ref.from == 0:
			return eventstore.AppendResult{}, retryToStore, nil
		case ref.version != first.version+eventstore.Version(i) || ref.from != first.from:
			return eventstore.AppendResult{}, retryDuplicate, &eventstore.DuplicateEventError{
				EventID: evs[i].ID, Stream: stream, ExistingStream: stream}
		}
	}
	last := w.refs[evs[len(evs)-1].ID]
	if first.version != first.from || last.version != first.to {
		return eventstore.AppendResult{}, retryDuplicate, &eventstore.DuplicateEventError{
			EventID: evs[0].ID, Stream: stream, ExistingStream: stream}
	}
	return eventstore.AppendResult{Stream: stream, FirstVersion: first.version, LastVersion: last.version,
		FirstPosition: first.position, LastPosition: last.position, Idempotent: true}, retryKnown, nil
}
