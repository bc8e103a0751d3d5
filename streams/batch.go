package streams

import (
	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// takeBatch picks the units of the next group commit from the queue, in
// order: as many as fit maxEvents and maxBytes (the first unit always
// goes, however large). A unit with a stream already in the batch goes in
// only when it chains onto it (ADR 0028): its request of that stream
// expects exactly the version the batch's requests of the stream leave
// it at, and neither is to be committed alone. Such requests are merged
// into one request of the store's batch (buildBatch). Any other unit that
// would put a stream twice into the batch, or repeat an event ID (the
// store would reject the whole batch), is skipped, and so are the later
// units of its streams: skipped units keep their place for the next batch.
func takeBatch(queue []*unit, maxEvents, maxBytes int) (batch, rest []*unit) {
	n := min(len(queue), maxEvents) // sized once: the maps hold a batch's streams and IDs
	tails := make(map[string]tail, n)
	var blocked map[string]struct{}
	ids := make(map[uuid.UUID]struct{}, n)
	events, bytes := 0, 0
	for i, u := range queue {
		full := len(batch) > 0 && (events+u.events > maxEvents || bytes+u.bytes > maxBytes)
		if full {
			return batch, append(rest, queue[i:]...)
		}
		if len(batch) > 0 && clashes(u, tails, blocked, ids) {
			rest = append(rest, u)
			if blocked == nil {
				blocked = make(map[string]struct{})
			}
			for j := range u.reqs { // later units of its streams wait too, keeping their order
				blocked[u.reqs[j].Stream] = struct{}{}
			}
			continue
		}
		markUnit(u, tails, ids)
		batch = append(batch, u)
		events += u.events
		bytes += u.bytes
	}
	return batch, rest
}

// tail is what the batch's requests of one stream expect and add: next is
// the version they leave the stream at, when chain says that later units
// may be merged onto them.
type tail struct {
	next  eventstore.Version
	chain bool
}

// exactOf is the exact version e expects (NoStream is 0).
func exactOf(e eventstore.ExpectedVersion) (eventstore.Version, bool) {
	if e.IsNoStream() {
		return 0, true
	}
	return e.ExactVersion()
}

func clashes(u *unit, tails map[string]tail, blocked map[string]struct{}, ids map[uuid.UUID]struct{}) bool {
	for i := range u.reqs {
		r := &u.reqs[i]
		if _, no := blocked[r.Stream]; no {
			return true
		}
		if t, dup := tails[r.Stream]; dup {
			v, exact := exactOf(r.Expected)
			if !t.chain || u.alone || !exact || v != t.next {
				return true
			}
		}
		for j := range r.Events {
			if _, dup := ids[r.Events[j].ID]; dup {
				return true
			}
		}
	}
	return false
}

func markUnit(u *unit, tails map[string]tail, ids map[uuid.UUID]struct{}) {
	u.merged = false
	for i := range u.reqs {
		r := &u.reqs[i]
		v, exact := exactOf(r.Expected)
		if t, dup := tails[r.Stream]; dup { // chains onto it (clashes)
			v = t.next
			u.merged = true
		}
		tails[r.Stream] = tail{next: v + eventstore.Version(len(r.Events)), chain: exact && !u.alone}
		for j := range r.Events {
			ids[r.Events[j].ID] = struct{}{}
		}
	}
}

// slot is where a unit's request went in the store's batch: the index of
// the batch's request, and how many events of that request come before
// its own (non-zero only when merged).
type slot struct {
	at     int
	offset int
}

// buildBatch makes the store's batch of the units: one request per unit's
// request, in order, except that a request of a stream already in the
// batch (takeBatch marked its unit merged) is merged into that stream's
// request: its events appended, the expectation the first one's. Units
// merged with each other are tied into one group (all or nothing): they
// commit together, or each is committed again alone (finish). It sets
// every unit's slots, and marks merged the units a later one merged onto.
func buildBatch(batch []*unit, n int) []eventstore.AppendRequest {
	reqs := make([]eventstore.AppendRequest, 0, n)
	merging := false
	for _, u := range batch {
		merging = merging || u.merged
	}
	var at map[string]int // the batch's request of each stream
	var owner []int       // the unit (index into batch) that made each request
	if merging {
		at = make(map[string]int, n)
		owner = make([]int, 0, n)
	}
	for k, u := range batch {
		if u.tx == nil {
			u.slots = u.slot0[:]
		} else {
			u.slots = make([]slot, len(u.reqs))
		}
		for j := range u.reqs {
			s := u.reqs[j].Stream
			if i, dup := at[s]; dup {
				r := &reqs[i]
				u.slots[j] = slot{at: i, offset: len(r.Events)}
				evs := make([]eventstore.EventData, 0, len(r.Events)+len(u.reqs[j].Events))
				r.Events = append(append(evs, r.Events...), u.reqs[j].Events...) // never the callers' arrays
				batch[owner[i]].merged = true
				continue
			}
			u.slots[j] = slot{at: len(reqs)}
			if merging {
				at[s] = len(reqs)
				owner = append(owner, k)
			}
			reqs = append(reqs, u.reqs[j])
		}
	}
	if merging {
		tieGroups(batch, reqs, owner)
	}
	return reqs
}

// tieGroups gives every request of units merged with each other (directly
// or through others) one group: the smallest transaction ID among them
// (a merge always involves a transaction: a stream has at most one flush
// in the writer). Transaction IDs are unique, so groups stay distinct.
func tieGroups(batch []*unit, reqs []eventstore.AppendRequest, owner []int) {
	parent := make([]int, len(batch))
	for k := range parent {
		parent[k] = k
	}
	find := func(k int) int {
		for parent[k] != k {
			parent[k] = parent[parent[k]]
			k = parent[k]
		}
		return k
	}
	for k, u := range batch {
		for _, sl := range u.slots {
			a, b := find(k), find(owner[sl.at])
			if a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	group := make(map[int]uint64)
	for k, u := range batch {
		if u.tx == nil || !u.merged {
			continue
		}
		r := find(k)
		if g, ok := group[r]; !ok || u.tx.tx < g {
			group[r] = u.tx.tx
		}
	}
	for i := range reqs {
		if g, ok := group[find(owner[i])]; ok {
			reqs[i].Group = g
		}
	}
	for k, u := range batch {
		if u.merged {
			u.tie = group[find(k)]
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
