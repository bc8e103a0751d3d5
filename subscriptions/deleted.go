package subscriptions

import (
	"sync"
	"sync/atomic"

	"github.com/actorstore/actorstore/eventstore"
)

// deletedStreams holds, for every stream deleted through this process
// since the hub started, the newest deleted version. A subscription checks
// each event against it when it sends it, so that events it read or was
// published before a delete, and still holds, are not delivered after the
// delete returned (the store's reads hide them from then on already). It
// costs one atomic load per event until the first delete, then one map
// lookup; it keeps one entry (~100 bytes) per deleted stream for the life
// of the hub. Safe for concurrent use.
type deletedStreams struct {
	any atomic.Bool
	m   sync.Map // stream -> eventstore.Version
}

// add records that stream's events up to version are deleted.
func (d *deletedStreams) add(stream string, version eventstore.Version) {
	for {
		old, loaded := d.m.LoadOrStore(stream, version)
		if !loaded || old.(eventstore.Version) >= version || d.m.CompareAndSwap(stream, old, version) {
			break
		}
	}
	d.any.Store(true)
}

// hides reports whether e was deleted.
func (d *deletedStreams) hides(e *eventstore.RecordedEvent) bool {
	if !d.any.Load() {
		return false
	}
	v, ok := d.m.Load(e.Stream)
	return ok && e.Version <= v.(eventstore.Version)
}

// Deleted tells the hub that a delete committed (streams.Config.OnDelete):
// its subscriptions deliver none of the deleted events from now on, even
// those they already hold. It returns at once; safe for concurrent use.
func (h *Hub) Deleted(r eventstore.DeleteResult) {
	if r.Version > 0 {
		h.sh.deleted.add(r.Stream, r.Version)
	}
}
