package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// testAppend checks contiguous versions and strictly increasing positions
// over many appends and batches.
func testAppend(t *testing.T, f Factory) {
	t.Run("contiguous versions and positions", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		var (
			want = map[string][]eventstore.EventData{}
			last eventstore.Position
		)
		for round := range 5 {
			var reqs []eventstore.AppendRequest
			for s := range 3 {
				stream := name("acct", s)
				add := evs(1+(round+s)%3, "Deposited")
				reqs = append(reqs, req(stream, eventstore.Exact(uint64(len(want[stream]))), add...))
			}
			res := appendBatchOK(t, st, reqs...)
			for i, r := range res {
				checkAppended(t, r, uint64(len(want[reqs[i].Stream])), last, len(reqs[i].Events))
				last = r.LastPosition
				want[reqs[i].Stream] = append(want[reqs[i].Stream], reqs[i].Events...)
			}
		}
		for stream, events := range want {
			checkStream(t, st, stream, events)
		}
		all := readAll(t, st)
		if len(all) != int(last) {
			t.Fatalf("ReadAll returned %d events, want %d", len(all), last)
		}
		for i := range all {
			if all[i].Position != uint64(i+1) {
				t.Fatalf("ReadAll event %d has position %d, want %d", i, all[i].Position, i+1)
			}
		}
		if got := lastPosition(t, st); got != last {
			t.Fatalf("LastPosition %d, want %d", got, last)
		}
	})
	t.Run("empty store", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		if got := lastPosition(t, st); got != 0 {
			t.Fatalf("LastPosition of an empty store is %d", got)
		}
		if all := readAll(t, st); len(all) != 0 {
			t.Fatalf("ReadAll of an empty store returned %d events", len(all))
		}
	})
}

// testIdempotency checks retries by event ID.
func testIdempotency(t *testing.T, f Factory) {
	t.Run("full retry returns the original result", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		appendOK(t, st, req("acct-1", eventstore.Any(), ev("Opened")))
		add := evs(3, "Deposited")
		orig := appendOK(t, st, req("acct-1", eventstore.Exact(1), add...))
		appendOK(t, st, req("acct-2", eventstore.Any(), ev("Opened")))
		last := lastPosition(t, st)
		for _, exp := range []eventstore.ExpectedVersion{eventstore.Exact(1), eventstore.Exact(99),
			eventstore.NoStream(), eventstore.Any()} {
			again := appendOK(t, st, req("acct-1", exp, add...))
			if !again.Idempotent {
				t.Fatalf("retry with expected %s: Idempotent is false", exp)
			}
			again.Idempotent = false
			if again != orig {
				t.Fatalf("retry with expected %s returned %+v, want the original %+v", exp, again, orig)
			}
		}
		checkStream(t, st, "acct-1", append([]eventstore.EventData{readStream(t, st, "acct-1")[0].EventData}, add...))
		if got := lastPosition(t, st); got != last {
			t.Fatalf("LastPosition %d after retries, want %d", got, last)
		}
	})
	t.Run("retry inside a batch with new requests", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		add := evs(2, "Opened")
		orig := appendOK(t, st, req("acct-1", eventstore.NoStream(), add...))
		fresh := ev("Opened")
		res := appendBatchOK(t, st, req("acct-1", eventstore.NoStream(), add...),
			req("acct-2", eventstore.NoStream(), fresh))
		if !res[0].Idempotent || res[0].FirstPosition != orig.FirstPosition || res[0].LastVersion != 2 {
			t.Fatalf("retry in batch: %+v, want idempotent %+v", res[0], orig)
		}
		checkAppended(t, res[1], 0, orig.LastPosition, 1)
		checkStream(t, st, "acct-1", add)
	})
	t.Run("partial retry is a duplicate", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		add := evs(2, "Opened")
		appendOK(t, st, req("acct-1", eventstore.NoStream(), add...))
		last := lastPosition(t, st)
		partial := []eventstore.EventData{ev("Deposited"), add[1]}
		res := appendBatchOK(t, st, req("acct-1", eventstore.Any(), partial...))[0]
		wantDuplicate(t, res.Err, add[1].ID, "acct-1", "acct-1")
		checkStream(t, st, "acct-1", add)
		if got := lastPosition(t, st); got != last {
			t.Fatalf("LastPosition %d after a rejected partial retry, want %d", got, last)
		}
	})
	t.Run("event ID of another stream is a duplicate", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		e := ev("Opened")
		appendOK(t, st, req("acct-1", eventstore.NoStream(), e))
		last := lastPosition(t, st)
		res := appendBatchOK(t, st, req("acct-2", eventstore.Any(), e))[0]
		wantDuplicate(t, res.Err, e.ID, "acct-2", "acct-1")
		checkNotExists(t, st, "acct-2")
		if got := lastPosition(t, st); got != last {
			t.Fatalf("LastPosition %d, want %d", got, last)
		}
		if eventstore.IsRetryable(res.Err) {
			t.Fatalf("IsRetryable(%v) is true", res.Err)
		}
	})
}

// testAtomicity checks that each request commits whole or not at all, and
// that a Group commits together or not at all.
func testAtomicity(t *testing.T, f Factory) {
	t.Run("failed request does not affect the others", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		appendOK(t, st, req("b-1", eventstore.NoStream(), ev("Opened")))
		last := lastPosition(t, st)
		a, b, c := evs(2, "X"), evs(3, "X"), evs(2, "X")
		res := appendBatchOK(t, st,
			req("a-1", eventstore.NoStream(), a...),
			req("b-1", eventstore.NoStream(), b...), // fails: b-1 exists
			req("c-1", eventstore.Any(), c...))
		checkAppended(t, res[0], 0, last, 2)
		wantConcurrency(t, res[1].Err, "b-1", eventstore.NoStream(), 1)
		checkAppended(t, res[2], 0, last+2, 2) // no position used by b-1
		checkStream(t, st, "a-1", a)
		checkStream(t, st, "c-1", c)
		if h := head(t, st, "b-1"); h.Version != 1 {
			t.Fatalf("b-1 at version %d, want 1", h.Version)
		}
	})
	t.Run("group with a failing member writes nothing", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		appendOK(t, st, req("b-1", eventstore.NoStream(), ev("Opened")))
		last := lastPosition(t, st)
		alone := evs(2, "X")
		reqs := []eventstore.AppendRequest{
			{Stream: "a-1", Expected: eventstore.NoStream(), Events: evs(2, "X"), Group: 7},
			{Stream: "b-1", Expected: eventstore.Exact(5), Events: evs(1, "X"), Group: 7},
			{Stream: "c-1", Expected: eventstore.Any(), Events: evs(3, "X"), Group: 7},
			{Stream: "d-1", Expected: eventstore.NoStream(), Events: alone},
		}
		res := appendBatchOK(t, st, reqs...)
		wantConcurrency(t, res[1].Err, "b-1", eventstore.Exact(5), 1)
		for _, i := range []int{0, 2} {
			wantAborted(t, res[i].Err, reqs[i].Stream, res[1].Err)
			checkNotExists(t, st, reqs[i].Stream)
		}
		checkAppended(t, res[3], 0, last, 2)
		checkStream(t, st, "d-1", alone)
	})
	t.Run("group with a duplicate event writes nothing", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		taken := ev("Opened")
		appendOK(t, st, req("z-1", eventstore.NoStream(), taken))
		last := lastPosition(t, st)
		reqs := []eventstore.AppendRequest{
			{Stream: "a-1", Expected: eventstore.Any(), Events: evs(1, "X"), Group: 1},
			{Stream: "b-1", Expected: eventstore.Any(), Events: []eventstore.EventData{ev("X"), taken}, Group: 1},
		}
		res := appendBatchOK(t, st, reqs...)
		wantDuplicate(t, res[1].Err, taken.ID, "b-1", "z-1")
		wantAborted(t, res[0].Err, "a-1", res[1].Err)
		checkNotExists(t, st, "a-1")
		checkNotExists(t, st, "b-1")
		if got := lastPosition(t, st); got != last {
			t.Fatalf("LastPosition %d, want %d", got, last)
		}
	})
	t.Run("groups are independent", func(t *testing.T) {
		t.Parallel()
		st := open(t, f)
		reqs := []eventstore.AppendRequest{
			{Stream: "a-1", Expected: eventstore.NoStream(), Events: evs(1, "X"), Group: 1},
			{Stream: "b-1", Expected: eventstore.StreamExists(), Events: evs(1, "X"), Group: 2},
			{Stream: "c-1", Expected: eventstore.NoStream(), Events: evs(2, "X"), Group: 1},
			{Stream: "d-1", Expected: eventstore.NoStream(), Events: evs(1, "X"), Group: 2},
		}
		res := appendBatchOK(t, st, reqs...)
		checkAppended(t, res[0], 0, 0, 1)
		checkAppended(t, res[2], 0, 1, 2)
		wantConcurrency(t, res[1].Err, "b-1", eventstore.StreamExists(), 0)
		wantAborted(t, res[3].Err, "d-1", res[1].Err)
		checkStream(t, st, "a-1", reqs[0].Events)
		checkStream(t, st, "c-1", reqs[2].Events)
		checkNotExists(t, st, "d-1")
	})
}

// wantAborted checks that err is an *AbortedError of stream whose cause
// (through Unwrap) is cause.
func wantAborted(t *testing.T, err error, stream string, cause error) {
	t.Helper()
	var ab *eventstore.AbortedError
	if !errors.As(err, &ab) {
		t.Fatalf("got %v (%T), want *AbortedError", err, err)
	}
	if !errors.Is(err, eventstore.ErrAborted) {
		t.Errorf("errors.Is(%v, ErrAborted) is false", err)
	}
	if ab.Stream != stream {
		t.Errorf("AbortedError.Stream %q, want %q", ab.Stream, stream)
	}
	u := errors.Unwrap(err)
	if u == nil || fmt.Sprintf("%T", u) != fmt.Sprintf("%T", cause) || u.Error() != cause.Error() {
		t.Errorf("AbortedError unwraps to %v (%T), want the cause %v (%T)", u, u, cause, cause)
	}
}
