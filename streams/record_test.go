package streams

import (
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// TestCommitRecordsEventsOnce: the writer builds the recorded events of a
// batch once, into one array: the part it hands each stream actor is a
// view of the array OnCommit gets (same elements, no spare capacity to
// append into a neighbour's part), and the stream actor uses that part
// for each of its appends instead of building the events again. Requests
// that appended nothing get no part.
func TestCommitRecordsEventsOnce(t *testing.T) {
	at := time.Now()
	a := &eventstore.AppendRequest{Stream: "a", Events: events(3)}
	b := &eventstore.AppendRequest{Stream: "b", Events: events(2)}
	refused := &eventstore.AppendRequest{Stream: "c", Events: events(1)}
	rec := recorder{all: make([]eventstore.RecordedEvent, 0, 6)}
	pa := rec.record(a, eventstore.AppendResult{FirstVersion: 1, LastVersion: 3, FirstPosition: 10, LastPosition: 12}, at)
	pr := rec.record(refused, eventstore.AppendResult{Err: &eventstore.ConcurrencyError{Stream: "c"}}, at)
	pb := rec.record(b, eventstore.AppendResult{FirstVersion: 5, LastVersion: 6, FirstPosition: 13, LastPosition: 14}, at)
	if pr != nil || len(rec.all) != 5 || rec.requests != 2 {
		t.Fatalf("refused request recorded: part %v, %d events, %d requests", pr, len(rec.all), rec.requests)
	}
	if &pa[0] != &rec.all[0] || &pb[0] != &rec.all[3] || cap(pa) != 3 || cap(pb) != 2 {
		t.Fatal("parts are not capacity-bounded views of the batch's array")
	}
	for i, e := range rec.all {
		if e.Position != eventstore.Position(10+i) || e.Created != at {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	if pb[1].Stream != "b" || pb[1].Version != 6 || pb[1].ID != b.Events[1].ID {
		t.Fatalf("b's second event: %+v", pb[1])
	}

	// A flush of two appends (2 and 1 events) uses its part of pa.
	first := recordedPart(pa, 0, "a", a.Events[:2], eventstore.AppendResult{}, at)
	second := recordedPart(pa, 2, "a", a.Events[2:], eventstore.AppendResult{}, at)
	if &first[0] != &rec.all[0] || &second[0] != &rec.all[2] || len(first) != 2 || len(second) != 1 {
		t.Fatal("the stream actor built its events again instead of using the writer's")
	}
	// Without the writer's part, the events are built from the result.
	own := recordedPart(nil, 0, "x", b.Events, eventstore.AppendResult{FirstVersion: 1, FirstPosition: 7}, at)
	if len(own) != 2 || own[1].Version != 2 || own[1].Position != 8 || own[1].Stream != "x" {
		t.Fatalf("built events: %+v", own)
	}
}
