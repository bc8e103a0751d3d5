package streams

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

func recorded(from, to eventstore.Version, size int) []eventstore.RecordedEvent {
	var out []eventstore.RecordedEvent
	for v := from; v <= to; v++ {
		out = append(out, eventstore.RecordedEvent{EventData: eventstore.EventData{ID: uuid.New(), Type: "e",
			Data: make([]byte, size)}, Stream: "s", Version: v, Position: 100 + v})
	}
	return out
}

func TestEventCacheRead(t *testing.T) {
	c := newEventCache(10 * (128 + 10 + 2)) // ten events of 10 bytes
	c.reset(0)
	if _, ok, err := c.read(eventstore.StreamRead{Stream: "s", Limit: 1}); !ok || !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("empty stream: ok %v, err %v", ok, err)
	}
	c.add(recorded(1, 20, 10)) // keeps 11..20
	fwd, back := eventstore.Forward, eventstore.Backward
	tests := []struct {
		name     string
		from     eventstore.Version
		dir      eventstore.Direction
		limit    int
		ok       bool
		first, n int
	}{
		{"forward from the oldest is not cached", 0, fwd, 5, false, 0, 0},
		{"forward inside", 12, fwd, 3, true, 12, 3},
		{"forward clipped at the head", 18, fwd, 10, true, 18, 3},
		{"forward past the end", 21, fwd, 10, true, 0, 0},
		{"forward from just below the cache", 10, fwd, 2, false, 0, 0},
		{"backward from the end", eventstore.End, back, 3, true, 20, 3},
		{"backward down to the oldest cached", 15, back, 5, true, 15, 5},
		{"backward below the cache", 15, back, 6, false, 0, 0},
		{"backward from zero", 0, back, 3, true, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, ok, err := c.read(eventstore.StreamRead{Stream: "s", From: tc.from, Direction: tc.dir, Limit: tc.limit})
			if ok != tc.ok || err != nil || len(evs) != tc.n {
				t.Fatalf("ok %v, err %v, %d events", ok, err, len(evs))
			}
			if tc.n > 0 && evs[0].Version != eventstore.Version(tc.first) {
				t.Fatalf("first version %d, want %d", evs[0].Version, tc.first)
			}
		})
	}
	c.add(recorded(30, 30, 1)) // a gap: the cache starts over
	if c.low() != 30 || c.head != 30 {
		t.Fatalf("after a gap: low %d head %d", c.low(), c.head)
	}
}

func TestIDWindow(t *testing.T) {
	w := newIDWindow(5)
	a := recorded(1, 2, 0)
	b := recorded(3, 5, 0)
	w.add(a)
	w.add(b)
	data := func(evs []eventstore.RecordedEvent) []eventstore.EventData {
		out := make([]eventstore.EventData, len(evs))
		for i := range evs {
			out[i] = evs[i].EventData
		}
		return out
	}
	res, outcome, _ := w.retry("s", data(b))
	if outcome != retryKnown || res.FirstVersion != 3 || res.LastVersion != 5 || res.FirstPosition != 103 || !res.Idempotent {
		t.Fatalf("whole retry: %v %+v", outcome, res)
	}
	if res, outcome, _ := w.retry("s", data(b[:2])); outcome != retryKnown || res.FirstVersion != 3 || res.LastVersion != 4 {
		t.Fatalf("partial retry: %v %+v, want the stored events 3..4", outcome, res)
	}
	if _, outcome, err := w.retry("s", data([]eventstore.RecordedEvent{b[1], b[0]})); outcome != retryDuplicate ||
		!errors.Is(err, eventstore.ErrDuplicateEvent) {
		t.Fatalf("reordered retry: %v %v", outcome, err)
	}
	if _, outcome, _ := w.retry("s", data(recorded(9, 9, 0))); outcome != retryNone {
		t.Fatalf("new IDs: %v", outcome)
	}
	w.add(recorded(6, 10, 0)) // ten kept: forgets the five oldest
	if _, outcome, _ := w.retry("s", data(a)); outcome != retryNone {
		t.Fatalf("forgotten IDs: %v", outcome)
	}
	loaded := recorded(11, 11, 0)
	w.add(loaded) // boundaries unknown: they do not matter
	if _, outcome, _ := w.retry("s", data(loaded)); outcome != retryKnown {
		t.Fatalf("loaded IDs: %v", outcome)
	}
	if _, outcome, _ := w.retry("s", append(data(loaded), data(recorded(12, 12, 0))...)); outcome != retryToStore {
		t.Fatalf("stored and new IDs: %v", outcome)
	}
}

// TestIDWindowSharedKey: two remembered IDs whose 64-bit keys (idKey) are
// equal: the newer is remembered, the older is not (its retry goes to the
// store), and neither is ever answered with the other's version; the
// older one's forgetting does not forget the newer.
func TestIDWindowSharedKey(t *testing.T) {
	w := newIDWindow(2)
	older := recorded(1, 1, 0)
	newer := recorded(2, 2, 0)
	// Same key: the halves swapped (idKey XORs them); a different ID.
	copy(newer[0].ID[:8], older[0].ID[8:])
	copy(newer[0].ID[8:], older[0].ID[:8])
	if idKey(newer[0].ID) != idKey(older[0].ID) || newer[0].ID == older[0].ID {
		t.Fatal("test IDs do not share a key")
	}
	w.add(older)
	w.add(newer)
	if _, outcome, _ := w.retry("s", []eventstore.EventData{older[0].EventData}); outcome != retryNone {
		t.Fatalf("older ID with a shared key: %v, want it not remembered", outcome)
	}
	res, outcome, _ := w.retry("s", []eventstore.EventData{newer[0].EventData})
	if outcome != retryKnown || res.FirstVersion != 2 {
		t.Fatalf("newer ID: %v %+v, want version 2", outcome, res)
	}
	w.add(recorded(3, 4, 0)) // four kept: forgets the two oldest, the newer one among them
	if _, outcome, _ := w.retry("s", []eventstore.EventData{newer[0].EventData}); outcome != retryNone {
		t.Fatalf("forgotten newer ID: %v", outcome)
	}
	w2 := newIDWindow(2)
	w2.add(older)
	w2.add(recorded(5, 5, 0))
	w2.add(newer) // takes the key over from the older one
	w2.add(recorded(6, 6, 0))
	if len(w2.order) != 2 { // the older two forgotten
		t.Fatalf("kept %d", len(w2.order))
	}
	if res, outcome, _ := w2.retry("s", []eventstore.EventData{newer[0].EventData}); outcome != retryKnown || res.FirstVersion != 2 {
		t.Fatalf("newer ID after the older was forgotten: %v %+v", outcome, res)
	}
}

func TestTakeBatch(t *testing.T) {
	id := uuid.New()
	mk := func(stream string, events int, ids ...uuid.UUID) *unit {
		req := eventstore.AppendRequest{Stream: stream}
		for i := 0; i < events; i++ {
			e := eventstore.EventData{ID: uuid.New()}
			if i < len(ids) {
				e.ID = ids[i]
			}
			req.Events = append(req.Events, e)
		}
		return &unit{reqs: []eventstore.AppendRequest{req}, events: events}
	}
	a, b, a2, c, d := mk("a", 2), mk("b", 3, id), mk("a", 1), mk("c", 1, id), mk("d", 1)
	batch, rest := takeBatch([]*unit{a, b, a2, c, d}, 100, 1<<20)
	if len(batch) != 3 || batch[0] != a || batch[1] != b || batch[2] != d {
		t.Fatalf("batch = %v", batch)
	}
	if len(rest) != 2 || rest[0] != a2 || rest[1] != c {
		t.Fatalf("rest = %v", rest)
	}
	big := mk("big", 500)
	batch, rest = takeBatch([]*unit{big, a}, 100, 1<<20)
	if len(batch) != 1 || batch[0] != big || len(rest) != 1 {
		t.Fatalf("an oversized first unit goes alone: %v %v", batch, rest)
	}
	batch, rest = takeBatch([]*unit{a, mk("e", 99), d}, 100, 1<<20)
	if len(batch) != 1 || len(rest) != 2 {
		t.Fatalf("the event cap: %v %v", batch, rest)
	}
}

func TestConfigValidate(t *testing.T) {
	store := struct{ persistence.Store }{}
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Store: store}, true},
		{"no store", Config{}, false},
		{"negative timeout", Config{Store: store, IdleTimeout: -1}, false},
		{"batch above the limit", Config{Store: store, MaxBatchEvents: 200_000}, false},
		{"negative MaxLoads", Config{Store: store, MaxLoads: -1}, false},
	}
	for _, tc := range tests {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	d := Config{Store: store}.WithDefaults()
	if d.IdleTimeout != DefaultIdleTimeout || d.MaxBatchEvents != DefaultMaxBatchEvents || d.TxTimeout != DefaultTxTimeout ||
		d.MaxLoads != DefaultMaxLoads {
		t.Fatalf("defaults: %+v", d)
	}
}

// A unit whose request of a stream already in the batch expects exactly
// the version the batch leaves that stream at is merged into the stream's
// request (ADR 0028); one that does not, or one to be committed alone,
// waits, and so do the later units of its streams.
func TestTakeBatchMergesExactChains(t *testing.T) {
	mk := func(tx uint64, expected eventstore.ExpectedVersion, streams ...string) *unit {
		u := &unit{tx: &txFlush{tx: tx}}
		for _, s := range streams {
			u.reqs = append(u.reqs, eventstore.AppendRequest{Stream: s, Expected: expected, Group: tx,
				Events: []eventstore.EventData{{ID: uuid.New()}, {ID: uuid.New()}}})
			u.events += 2
		}
		u.tx.reqs = u.reqs
		return u
	}
	a := mk(1, eventstore.NoStream(), "s", "t")
	b := mk(2, eventstore.Exact(2), "s", "u") // chains onto a's s (t, u at 2: u is new, expects 2: fine here)
	c := mk(3, eventstore.Exact(3), "s")      // does not chain: s is at 4 after a and b
	d := mk(4, eventstore.Exact(4), "s")      // would chain, but c of s waits before it
	e := mk(5, eventstore.NoStream(), "v")
	batch, rest := takeBatch([]*unit{a, b, c, d, e}, 100, 1<<20)
	if len(batch) != 3 || batch[0] != a || batch[1] != b || batch[2] != e || !b.merged || e.merged {
		t.Fatalf("batch = %v", batch)
	}
	if len(rest) != 2 || rest[0] != c || rest[1] != d {
		t.Fatalf("rest = %v", rest)
	}
	reqs := buildBatch(batch, 6)
	if len(reqs) != 4 || reqs[0].Stream != "s" || len(reqs[0].Events) != 4 || reqs[1].Stream != "t" ||
		reqs[2].Stream != "u" || reqs[3].Stream != "v" {
		t.Fatalf("reqs = %+v", reqs)
	}
	if !a.merged || reqs[0].Group != 1 || reqs[1].Group != 1 || reqs[2].Group != 1 || reqs[3].Group != 5 {
		t.Fatalf("groups: %d %d %d %d (a merged %v)", reqs[0].Group, reqs[1].Group, reqs[2].Group, reqs[3].Group, a.merged)
	}
	if len(a.reqs[0].Events) != 2 || len(b.reqs[0].Events) != 2 {
		t.Fatal("a unit's own requests were changed")
	}
	all := []eventstore.AppendResult{
		{Stream: "s", FirstVersion: 1, LastVersion: 4, FirstPosition: 11, LastPosition: 14},
		{Stream: "t", FirstVersion: 1, LastVersion: 2, FirstPosition: 15, LastPosition: 16},
		{Stream: "u", FirstVersion: 3, LastVersion: 4, FirstPosition: 17, LastPosition: 18},
		{Stream: "v", FirstVersion: 1, LastVersion: 2, FirstPosition: 19, LastPosition: 20},
	}
	rs, clean := b.results(all)
	if !clean || rs[0].FirstVersion != 3 || rs[0].LastVersion != 4 || rs[0].FirstPosition != 13 ||
		rs[0].LastPosition != 14 || rs[1] != all[2] {
		t.Fatalf("b's results: %+v %v", rs, clean)
	}
	if rs, clean = a.results(all); !clean || rs[0].LastVersion != 2 || rs[0].LastPosition != 12 || rs[1] != all[1] {
		t.Fatalf("a's results: %+v %v", rs, clean)
	}
	if a.tie != 1 || b.tie != 1 {
		t.Fatalf("ties: %d %d", a.tie, b.tie)
	}
	all[2].Err = &eventstore.ConcurrencyError{Stream: "u"}
	done := &batchDone{results: all}
	shareResults(batch, done)
	if failed := failedTies(batch, done); !failed[1] || len(failed) != 1 {
		t.Fatalf("a request of the tied group failed: %v", failed)
	}
	c.alone = true
	batch, _ = takeBatch([]*unit{c, mk(6, eventstore.Exact(5), "s")}, 100, 1<<20)
	if len(batch) != 1 {
		t.Fatalf("a unit was merged onto one to be committed alone: %v", batch)
	}
}
