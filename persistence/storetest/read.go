package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// testReadStream checks reads of one stream in both directions.
func testReadStream(t *testing.T, f Factory) {
	st := open(t, f)
	const stream = "acct-1"
	appendOK(t, st, req("other-1", eventstore.Any(), evs(2, "Noise")...))
	for range 5 {
		appendOK(t, st, req(stream, eventstore.Any(), evs(2, "Deposited")...))
		appendOK(t, st, req("other-1", eventstore.Any(), ev("Noise")))
	}
	all := readStream(t, st, stream) // versions 1..10, checked below
	cases := []struct {
		name  string
		read  eventstore.StreamRead
		first eventstore.Version // 0: want no events
		n     int
	}{
		{"forward from 0", eventstore.StreamRead{From: 0, Limit: 100}, 1, 10},
		{"forward from 1 with limit", eventstore.StreamRead{From: 1, Limit: 3}, 1, 3},
		{"forward from the middle", eventstore.StreamRead{From: 5, Limit: 3}, 5, 3},
		{"forward limit beyond the end", eventstore.StreamRead{From: 9, Limit: 5}, 9, 2},
		{"forward from the last", eventstore.StreamRead{From: 10, Limit: 5}, 10, 1},
		{"forward past the end", eventstore.StreamRead{From: 11, Limit: 5}, 0, 0},
		{"backward from End", eventstore.StreamRead{From: eventstore.End, Direction: eventstore.Backward, Limit: 3}, 10, 3},
		{"backward from End, all", eventstore.StreamRead{From: eventstore.End, Direction: eventstore.Backward, Limit: 100}, 10, 10},
		{"backward from the middle", eventstore.StreamRead{From: 5, Direction: eventstore.Backward, Limit: 10}, 5, 5},
		{"backward from the middle with limit", eventstore.StreamRead{From: 6, Direction: eventstore.Backward, Limit: 2}, 6, 2},
		{"backward from 1", eventstore.StreamRead{From: 1, Direction: eventstore.Backward, Limit: 2}, 1, 1},
	}
	if len(all) != 10 {
		t.Fatalf("stream has %d events, want 10", len(all))
	}
	for i := range all {
		if all[i].Version != uint64(i+1) || (i > 0 && all[i].Position <= all[i-1].Position) {
			t.Fatalf("event %d: version %d position %d", i, all[i].Version, all[i].Position)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.read
			r.Stream = stream
			got, err := st.ReadStream(ctxFor(t), r)
			if err != nil {
				t.Fatalf("ReadStream(%+v): %v", r, err)
			}
			if got == nil && c.n == 0 {
				got = []eventstore.RecordedEvent{}
			}
			var want []eventstore.RecordedEvent
			if c.n > 0 {
				if r.Direction == eventstore.Backward {
					want = slices.Clone(all[int(c.first)-c.n : c.first])
					slices.Reverse(want)
				} else {
					want = all[c.first-1 : int(c.first)-1+c.n]
				}
			}
			if ids(got) != ids(want) {
				t.Fatalf("ReadStream(%+v) returned versions %v, want %v", r, versions(got), versions(want))
			}
		})
	}
	t.Run("missing stream", func(t *testing.T) {
		for _, dir := range []eventstore.Direction{eventstore.Forward, eventstore.Backward} {
			_, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "nope-1", From: eventstore.End,
				Direction: dir, Limit: 10})
			var nf *eventstore.StreamNotFoundError
			if !errors.As(err, &nf) || nf.Stream != "nope-1" || !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Fatalf("ReadStream of a missing stream (%s): %v, want *StreamNotFoundError", dir, err)
			}
		}
	})
}

// testReadAll checks reads of the global order, with and without filters.
func testReadAll(t *testing.T, f Factory) {
	st := open(t, f)
	streams := []string{"order-1", "user-1", "order-2", "orders", "user-2"}
	types := []string{"Created", "Paid", "Shipped"}
	for i := range 30 {
		e := ev(types[i%len(types)])
		appendOK(t, st, req(streams[i%len(streams)], eventstore.Any(), e))
	}
	all := readAll(t, st)
	if len(all) != 30 {
		t.Fatalf("ReadAll returned %d events, want 30", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position <= all[i-1].Position {
			t.Fatalf("ReadAll: position %d after %d", all[i].Position, all[i-1].Position)
		}
	}
	mid, lastPos := all[12].Position, all[29].Position
	filters := []struct {
		name string
		f    eventstore.Filter
	}{
		{"no filter", eventstore.Filter{}},
		{"prefix", eventstore.CategoryFilter("order")},
		{"prefix without dash", eventstore.Filter{StreamPrefix: "order"}},
		{"types", eventstore.Filter{EventTypes: []string{"Paid", "Shipped"}}},
		{"prefix and type", eventstore.Filter{StreamPrefix: "user-", EventTypes: []string{"Created"}}},
		{"matches nothing", eventstore.Filter{StreamPrefix: "zzz"}},
	}
	reads := []struct {
		name      string
		from      eventstore.Position
		dir       eventstore.Direction
		limit     int
		inclusive func(p eventstore.Position) bool
	}{
		{"forward all", 0, eventstore.Forward, 100, func(p uint64) bool { return true }},
		{"forward limit", 1, eventstore.Forward, 4, func(p uint64) bool { return true }},
		{"forward from the middle", mid, eventstore.Forward, 5, func(p uint64) bool { return p >= mid }},
		{"forward past the end", lastPos + 1, eventstore.Forward, 5, func(p uint64) bool { return false }},
		{"backward from End", eventstore.End, eventstore.Backward, 100, func(p uint64) bool { return true }},
		{"backward limit", eventstore.End, eventstore.Backward, 3, func(p uint64) bool { return true }},
		{"backward from the middle", mid, eventstore.Backward, 4, func(p uint64) bool { return p <= mid }},
	}
	for _, fl := range filters {
		for _, rd := range reads {
			t.Run(fl.name+"/"+rd.name, func(t *testing.T) {
				var want []eventstore.RecordedEvent
				for _, e := range all {
					if fl.f.Matches(e.Stream, e.Type) && rd.inclusive(e.Position) {
						want = append(want, e)
					}
				}
				if rd.dir == eventstore.Backward {
					want = slices.Clone(want)
					slices.Reverse(want)
				}
				want = want[:min(len(want), rd.limit)]
				got, err := st.ReadAll(ctxFor(t), eventstore.AllRead{From: rd.from, Direction: rd.dir,
					Limit: rd.limit, Filter: fl.f})
				if err != nil {
					t.Fatalf("ReadAll: %v", err)
				}
				if ids(got) != ids(want) {
					t.Fatalf("ReadAll returned positions %v, want %v", positions(got), positions(want))
				}
			})
		}
	}
}

func ids(es []eventstore.RecordedEvent) string {
	var b []byte
	for _, e := range es {
		b = append(b, e.ID[:]...)
	}
	return string(b)
}

func versions(es []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Version
	}
	return out
}

func positions(es []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Position
	}
	return out
}
