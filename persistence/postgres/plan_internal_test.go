package postgres

import (
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

func events(ids ...uuid.UUID) []eventstore.EventData {
	evs := make([]eventstore.EventData, len(ids))
	for i, id := range ids {
		evs[i] = eventstore.EventData{ID: id, Type: "T", Data: []byte{}}
	}
	return evs
}

func TestDecide(t *testing.T) {
	a, b, c, d := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	stored := map[uuid.UUID]storedEvent{
		a: {stream: "s1", version: 4, position: 10},
		b: {stream: "s1", version: 5, position: 11},
		c: {stream: "other", version: 1, position: 12},
	}
	heads := map[string]uint64{"s1": 5, "s2": 0, "s3": 2, "s4": 0, "s5": 0}
	reqs := []eventstore.AppendRequest{
		{Stream: "s1", Expected: eventstore.NoStream(), Events: events(a, b)},               // idempotent retry
		{Stream: "s2", Events: events(c)},                                                   // ID in another stream
		{Stream: "s3", Expected: eventstore.Exact(1), Events: events(uuid.New())},           // wrong expectation
		{Stream: "s4", Expected: eventstore.NoStream(), Events: events(d), Group: 7},        // fine alone...
		{Stream: "s5", Expected: eventstore.Exact(3), Events: events(uuid.New()), Group: 7}, // ...but its group fails
	}
	results, writes := newAppendPlan(reqs).decide(heads, stored)
	want := eventstore.AppendResult{Stream: "s1", FirstVersion: 4, LastVersion: 5,
		FirstPosition: 10, LastPosition: 11, Idempotent: true}
	if results[0] != want {
		t.Errorf("idempotent retry = %+v, want %+v", results[0], want)
	}
	var de *eventstore.DuplicateEventError
	if !errors.As(results[1].Err, &de) || de.ExistingStream != "other" || de.EventID != c {
		t.Errorf("duplicate = %v", results[1].Err)
	}
	var ce *eventstore.ConcurrencyError
	if !errors.As(results[2].Err, &ce) || ce.Actual != 2 {
		t.Errorf("concurrency = %v", results[2].Err)
	}
	var ae *eventstore.AbortedError
	if !errors.As(results[3].Err, &ae) || !errors.As(ae.Cause, &ce) || ce.Stream != "s5" {
		t.Errorf("group member = %v, want aborted by s5's concurrency error", results[3].Err)
	}
	if len(writes) != 0 {
		t.Errorf("writes = %v, want none", writes)
	}
}

func TestIdempotencyPartialAndReordered(t *testing.T) {
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	stored := map[uuid.UUID]storedEvent{
		a: {stream: "s", version: 1, position: 1},
		b: {stream: "s", version: 2, position: 2},
	}
	for name, evs := range map[string][]eventstore.EventData{
		"prefix only":   events(a, b, c),
		"suffix only":   events(c, a),
		"reordered":     events(b, a),
		"with new head": events(c, a, b),
	} {
		req := eventstore.AppendRequest{Stream: "s", Events: evs}
		res, done := idempotency(&req, stored)
		if !done || !errors.Is(res.Err, eventstore.ErrDuplicateEvent) {
			t.Errorf("%s: %+v, want a DuplicateEventError", name, res)
		}
	}
}

func TestOwnCommitIsNotIdempotent(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	reqs := []eventstore.AppendRequest{{Stream: "s", Events: events(a)}, {Stream: "t", Events: events(b)}}
	stored := map[uuid.UUID]storedEvent{a: {stream: "s", version: 1, position: 1}, b: {stream: "t", version: 1, position: 2}}
	p := newAppendPlan(reqs)
	p.markSent([]int{0}) // an earlier attempt of this call tried to commit request 0 only
	results, _ := p.decide(map[string]uint64{"s": 1, "t": 1}, stored)
	p.ownCommits(results)
	if results[0].Idempotent || results[0].LastPosition != 1 {
		t.Errorf("own commit = %+v, want the original result without Idempotent", results[0])
	}
	if !results[1].Idempotent {
		t.Errorf("earlier call's commit = %+v, want Idempotent", results[1])
	}
}
