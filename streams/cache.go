package streams

import (
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// eventCache keeps the newest committed events of one stream, a contiguous
// run of versions ending at the stream's head, within a byte budget. It is
// owned by one stream actor and not safe for concurrent use.
type eventCache struct {
	budget int
	head   eventstore.Version // the stream's committed version
	events []eventstore.RecordedEvent
	bytes  int
	// ret, when set, is what deletes and metadata hide (docs/lifecycle.md):
	// reads are served within it, or from the store.
	ret *persistence.Retention
}

func newEventCache(budget int) *eventCache { return &eventCache{budget: budget} }

// reset forgets every event and sets the head.
func (c *eventCache) reset(head eventstore.Version) {
	c.head, c.events, c.bytes = head, nil, 0
}

// add appends newly committed events; they must continue the head, or the
// cache starts over from them.
func (c *eventCache) add(evs []eventstore.RecordedEvent) {
	if len(evs) == 0 {
		return
	}
	if evs[0].Version != c.head+1 {
		c.events, c.bytes = nil, 0
	}
	c.head = evs[len(evs)-1].Version
	if c.budget <= 0 {
		return
	}
	for i := range evs {
		c.events = append(c.events, evs[i])
		c.bytes += cachedSize(&evs[i])
	}
	c.evict()
}

func (c *eventCache) evict() {
	drop := 0
	for drop < len(c.events) && c.bytes > c.budget {
		c.bytes -= cachedSize(&c.events[drop])
		drop++
	}
	if drop > 0 {
		clear(c.events[:drop]) // release their data; append reallocates the array in time
		c.events = c.events[drop:]
	}
}

// low is the oldest cached version (head+1 when nothing is cached).
func (c *eventCache) low() eventstore.Version {
	if len(c.events) == 0 {
		return c.head + 1
	}
	return c.events[0].Version
}

// read serves r when every event it asks for is cached; ok is false
// otherwise. Errors follow Store.ReadStream (StreamNotFoundError for an
// empty stream). The events share Data with the cache: do not modify them.
func (c *eventCache) read(r eventstore.StreamRead) (evs []eventstore.RecordedEvent, ok bool, err error) {
	if c.head == 0 {
		return nil, true, &eventstore.StreamNotFoundError{Stream: r.Stream}
	}
	floor := eventstore.Version(1) // the lowest visible version
	if c.ret != nil {
		if c.ret.Meta.MaxAge > 0 {
			return nil, false, nil // the store knows the commit times
		}
		if floor = c.ret.Low(c.head); floor > c.head {
			return nil, true, &eventstore.StreamNotFoundError{Stream: r.Stream}
		}
	}
	if r.Direction == eventstore.Backward {
		return c.readBackward(r, floor)
	}
	start := max(r.From, floor)
	if start > c.head {
		return []eventstore.RecordedEvent{}, true, nil
	}
	if start < c.low() {
		return nil, false, nil
	}
	i := int(start - c.low())
	j := min(i+r.Limit, len(c.events))
	return append([]eventstore.RecordedEvent(nil), c.events[i:j]...), true, nil
}

func (c *eventCache) readBackward(r eventstore.StreamRead, floor eventstore.Version) ([]eventstore.RecordedEvent, bool, error) {
	start := min(r.From, c.head)
	if start < floor {
		return []eventstore.RecordedEvent{}, true, nil
	}
	end := floor
	if start-floor >= eventstore.Version(r.Limit) {
		end = start - eventstore.Version(r.Limit) + 1
	}
	if end < c.low() {
		return nil, false, nil
	}
	out := make([]eventstore.RecordedEvent, 0, start-end+1)
	for v := start; v >= end; v-- {
		out = append(out, c.events[v-c.low()])
	}
	return out, true, nil
}

// cachedSize approximates the memory an event takes.
func cachedSize(e *eventstore.RecordedEvent) int {
	n := 128 + len(e.Data) + len(e.Type) + len(e.ContentType) + len(e.Stream)
	for k, v := range e.Metadata {
		n += len(k) + len(v)
	}
	return n
}
