package streams

import (
	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// takeBatch picks the units of the next group commit from the queue, in
// order: as many as fit maxEvents and maxBytes (the first unit always
// goes, however large), skipping a unit that would put a stream twice into
// the batch or repeat an event ID (the store would reject the whole batch).
// Skipped units keep their place for the next batch.
func takeBatch(queue []*unit, maxEvents, maxBytes int) (batch, rest []*unit) {
	n := min(len(queue), maxEvents) // sized once: the maps hold a batch's streams and IDs
	streams := make(map[string]struct{}, n)
	ids := make(map[uuid.UUID]struct{}, n)
	events, bytes := 0, 0
	for i, u := range queue {
		full := len(batch) > 0 && (events+u.events > maxEvents || bytes+u.bytes > maxBytes)
		if full {
			return batch, append(rest, queue[i:]...)
		}
		if len(batch) > 0 && clashes(u, streams, ids) {
			rest = append(rest, u)
			for j := range u.reqs { // later units of its streams wait too, keeping their order
				streams[u.reqs[j].Stream] = struct{}{}
			}
			continue
		}
		markUnit(u, streams, ids)
		batch = append(batch, u)
		events += u.events
		bytes += u.bytes
	}
	return batch, rest
}

func clashes(u *unit, streams map[string]struct{}, ids map[uuid.UUID]struct{}) bool {
	for i := range u.reqs {
		if _, dup := streams[u.reqs[i].Stream]; dup {
			return true
		}
		for j := range u.reqs[i].Events {
			if _, dup := ids[u.reqs[i].Events[j].ID]; dup {
				return true
			}
		}
	}
	return false
}

func markUnit(u *unit, streams map[string]struct{}, ids map[uuid.UUID]struct{}) {
	for i := range u.reqs {
		streams[u.reqs[i].Stream] = struct{}{}
		for j := range u.reqs[i].Events {
			ids[u.reqs[i].Events[j].ID] = struct{}{}
		}
	}
}

func byPosition(a, b eventstore.RecordedEvent) int {
	switch {
	case a.Position < b.Position:
		return -1
	case a.Position > b.Position:
		return 1
	}
	return 0
}
