package storetest

import (
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// testExpectedVersion checks every expectation mode against an empty and a
// non-empty stream: the right ones append, the wrong ones report a
// *ConcurrencyError naming stream, expected and actual, write nothing and
// use up no position.
func testExpectedVersion(t *testing.T, f Factory) {
	cases := []struct {
		name     string
		existing int // events in the stream before the append
		exp      eventstore.ExpectedVersion
		ok       bool
	}{
		{"Any/new stream", 0, eventstore.Any(), true},
		{"Any/existing stream", 2, eventstore.Any(), true},
		{"NoStream/new stream", 0, eventstore.NoStream(), true},
		{"NoStream/existing stream", 2, eventstore.NoStream(), false},
		{"StreamExists/existing stream", 2, eventstore.StreamExists(), true},
		{"StreamExists/new stream", 0, eventstore.StreamExists(), false},
		{"Exact/right", 2, eventstore.Exact(2), true},
		{"Exact/too low", 2, eventstore.Exact(1), false},
		{"Exact/too high", 2, eventstore.Exact(3), false},
		{"Exact/on new stream", 0, eventstore.Exact(1), false},
		{"Exact(0)/new stream", 0, eventstore.Exact(0), true},
		{"Exact(0)/existing stream", 2, eventstore.Exact(0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := open(t, f)
			const stream = "acct-1"
			// Another stream's events make positions and versions differ.
			appendOK(t, st, req("other-1", eventstore.Any(), evs(3, "Noise")...))
			var before []eventstore.EventData
			if c.existing > 0 {
				before = evs(c.existing, "Opened")
				appendOK(t, st, req(stream, eventstore.NoStream(), before...))
			}
			last := lastPosition(t, st)
			add := evs(2, "Deposited")
			res := appendBatchOK(t, st, req(stream, c.exp, add...))[0]
			if c.ok {
				checkAppended(t, res, uint64(c.existing), last, 2)
				checkStream(t, st, stream, append(before, add...))
				return
			}
			wantConcurrency(t, res.Err, stream, c.exp, uint64(c.existing))
			checkStream(t, st, stream, before)
			if got := lastPosition(t, st); got != last {
				t.Fatalf("LastPosition is %d after a failed expectation, want %d", got, last)
			}
			// The failed append used up no position: the next one gets last+1.
			next := appendOK(t, st, req("other-2", eventstore.NoStream(), ev("Noise")))
			if next.FirstPosition != last+1 {
				t.Fatalf("next append got position %d, want %d", next.FirstPosition, last+1)
			}
		})
	}
}

// checkAppended checks the result of a successful append of n events to a
// stream that was at version from, when the newest position was last.
func checkAppended(t *testing.T, res eventstore.AppendResult, from eventstore.Version,
	last eventstore.Position, n int) {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("append failed: %v", res.Err)
	}
	if res.Idempotent {
		t.Fatalf("a new append reports Idempotent")
	}
	if res.FirstVersion != from+1 || res.LastVersion != from+uint64(n) {
		t.Fatalf("versions %d..%d, want %d..%d", res.FirstVersion, res.LastVersion, from+1, from+uint64(n))
	}
	if res.FirstPosition != last+1 || res.LastPosition != last+uint64(n) {
		t.Fatalf("positions %d..%d, want %d..%d", res.FirstPosition, res.LastPosition, last+1, last+uint64(n))
	}
}
