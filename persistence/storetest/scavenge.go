package storetest

import (
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testScavenge checks persistence.Scavenger: a scavenge removes exactly
// the events that deletes and metadata hide (LookupEvents, which does not
// hide them, no longer finds them), in steps of at most its batch, and
// resumes from a step's cursor; kept events keep their positions; heads
// keep their versions and the next append continues the versions and the
// positions even when the newest events were removed; events appended
// later below a truncation are removed by a later scavenge; a second
// scavenge finds nothing.
func testScavenge(t *testing.T, f Factory) {
	st := open(t, f)
	sd, sc := st.(persistence.StreamDeleter), st.(persistence.Scavenger)
	hidden := scavengeFixture(t, st, sd)
	visible := readAll(t, st)
	last := lastPosition(t, st)
	if got := lookup(t, st, hidden); got != len(hiddenIDs(hidden)) {
		t.Fatalf("before the scavenge LookupEvents finds %d of %d hidden events", got, len(hiddenIDs(hidden)))
	}
	// One step at a time, resuming from its cursor, as a scavenge cut
	// short and started again would.
	step, err := sc.ScavengeStep(ctxFor(t), "", 2)
	if err != nil || step.Events != 2 || step.Done {
		t.Fatalf("first step = %+v, %v; want 2 events", step, err)
	}
	rep, err := persistence.Scavenge(ctxFor(t), sc, persistence.ScavengeOptions{BatchEvents: 2, EventsPerSecond: -1,
		Cursor: step.Cursor})
	if err != nil {
		t.Fatal(err)
	}
	if total := step.Events + rep.Events; total != int64(len(hiddenIDs(hidden))) || rep.Cursor != "" || rep.Bytes == 0 {
		t.Fatalf("scavenge removed %d events (report %+v), want %d", total, rep, len(hiddenIDs(hidden)))
	}
	if got := lookup(t, st, hidden); got != 0 {
		t.Fatalf("after the scavenge LookupEvents still finds %d removed events", got)
	}
	sameEvents(t, "ReadAll after the scavenge", readAll(t, st), visible)
	if p := lastPosition(t, st); p != last {
		t.Fatalf("LastPosition after the scavenge %d, want %d", p, last)
	}
	for stream, v := range map[string]eventstore.Version{"gone-1": 5, "dead-1": 3, "trunc-1": 6, "count-1": 6, "keep-1": 4} {
		if h := head(t, st, stream); h.Version != v {
			t.Fatalf("Head(%s) after the scavenge: %d, want %d", stream, h.Version, v)
		}
	}
	res := appendOK(t, st, req("gone-1", eventstore.Exact(5), ev("E")))
	if res.FirstVersion != 6 || res.FirstPosition != last+1 {
		t.Fatalf("append after the scavenge: version %d position %d, want 6 at %d", res.FirstVersion, res.FirstPosition, last+1)
	}
	// Appended below a truncation beyond the end: hidden, and removed by
	// the next scavenge.
	late := appendOK(t, st, req("trunc-2", eventstore.Exact(2), evs(3, "E")...))
	if rep, err := persistence.Scavenge(ctxFor(t), sc, persistence.ScavengeOptions{EventsPerSecond: -1}); err != nil || rep.Events != 3 {
		t.Fatalf("second scavenge = %+v, %v; want the 3 events appended below the truncation", rep, err)
	}
	if h := head(t, st, "trunc-2"); h.Version != late.LastVersion {
		t.Fatalf("Head(trunc-2) = %d, want %d", h.Version, late.LastVersion)
	}
	if rep, err := persistence.Scavenge(ctxFor(t), sc, persistence.ScavengeOptions{}); err != nil || rep.Events != 0 {
		t.Fatalf("third scavenge = %+v, %v; want nothing", rep, err)
	}
}

// scavengeFixture writes streams with every kind of hidden event,
// interleaved, the newest event of the store in a hard-deleted stream,
// and returns the hidden events by stream.
func scavengeFixture(t *testing.T, st persistence.Store, sd persistence.StreamDeleter) map[string][]eventstore.EventData {
	t.Helper()
	written := map[string][]eventstore.EventData{}
	add := func(stream string, n int) {
		for range n {
			e := ev("E")
			appendOK(t, st, req(stream, eventstore.Exact(uint64(len(written[stream]))), e))
			written[stream] = append(written[stream], e)
		}
	}
	for range 2 {
		add("gone-1", 2)
		add("trunc-1", 3)
		add("count-1", 3)
		add("keep-1", 2)
		add("trunc-2", 1)
	}
	add("gone-1", 1)
	add("dead-1", 3) // the newest events of the store
	deleteOK(t, sd, eventstore.DeleteRequest{Stream: "gone-1"})
	deleteOK(t, sd, eventstore.DeleteRequest{Stream: "dead-1", Hard: true})
	setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "trunc-1", Metadata: eventstore.StreamMetadata{TruncateBefore: 4}})
	setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "count-1", Metadata: eventstore.StreamMetadata{MaxCount: 2}})
	setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "trunc-2", Metadata: eventstore.StreamMetadata{TruncateBefore: 100}})
	return map[string][]eventstore.EventData{"gone-1": written["gone-1"], "dead-1": written["dead-1"],
		"trunc-1": written["trunc-1"][:3], "count-1": written["count-1"][:4], "trunc-2": written["trunc-2"]}
}

func hiddenIDs(h map[string][]eventstore.EventData) []eventstore.EventID {
	var ids []eventstore.EventID
	for _, evs := range h {
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// lookup counts the events of h that LookupEvents finds.
func lookup(t *testing.T, st persistence.Store, h map[string][]eventstore.EventData) int {
	t.Helper()
	n := 0
	for stream, evs := range h {
		ids := make([]eventstore.EventID, len(evs))
		for i := range evs {
			ids[i] = evs[i].ID
		}
		got, err := st.LookupEvents(ctxFor(t), stream, ids)
		if err != nil {
			t.Fatal(err)
		}
		n += len(got)
	}
	return n
}
