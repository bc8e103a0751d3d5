package subscriptions

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// retentions holds, for every stream deleted or given metadata through
// this process since the hub started, what it hides (and the stream's
// newest version, for max-count). A subscription checks each event against
// it when it sends it, so that events it read or was published before a
// delete or a new retention, and still holds, are not delivered after the
// call returned (the store's reads hide them from then on already). It
// costs one atomic load per event until the first such call, then one map
// lookup; it keeps one entry (~150 bytes) per such stream for the life of
// the hub. Safe for concurrent use.
type retentions struct {
	any atomic.Bool
	m   sync.Map // stream -> *retentionEntry
}

type retentionEntry struct {
	ret  persistence.Retention // never changed: a new one replaces the entry
	head atomic.Uint64         // the stream's newest version seen
}

// set records stream's retention at version head.
func (d *retentions) set(stream string, ret persistence.Retention, head eventstore.Version) {
	e := &retentionEntry{ret: ret}
	if old, ok := d.m.Load(stream); ok {
		head = max(head, old.(*retentionEntry).head.Load())
	}
	e.head.Store(head)
	d.m.Store(stream, e)
	d.any.Store(true)
}

// published moves the heads of the streams it holds.
func (d *retentions) published(events []eventstore.RecordedEvent) {
	if !d.any.Load() {
		return
	}
	for i := range events {
		if v, ok := d.m.Load(events[i].Stream); ok {
			h := &v.(*retentionEntry).head
			for old := h.Load(); old < events[i].Version && !h.CompareAndSwap(old, events[i].Version); old = h.Load() {
			}
		}
	}
}

// hides reports whether e was deleted or is outside its stream's retention.
func (d *retentions) hides(e *eventstore.RecordedEvent) bool {
	if !d.any.Load() {
		return false
	}
	v, ok := d.m.Load(e.Stream)
	if !ok {
		return false
	}
	en := v.(*retentionEntry)
	return e.Version <= en.ret.Through || !en.ret.Meta.Visible(e.Version, en.head.Load(), e.Created, time.Now())
}

// Retained tells the hub that a delete or a metadata write committed for
// stream, now at version head (streams.Config.OnRetention): its
// subscriptions deliver no event it hides from now on, even those they
// already hold. It returns at once; safe for concurrent use.
func (h *Hub) Retained(stream string, ret persistence.Retention, head eventstore.Version) {
	h.sh.retained.set(stream, ret, head)
}
