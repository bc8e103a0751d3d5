package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// outcome is one append as its caller saw it: the events it proposed, and
// either its result or its error.
type outcome struct {
	Stream    string      `json:"stream"`
	IDs       []uuid.UUID `json:"ids"`
	Exact     int64       `json:"exact"` // expected version, -1 for Any
	OK        bool        `json:"ok"`
	FirstVer  uint64      `json:"first_version,omitempty"`
	LastVer   uint64      `json:"last_version,omitempty"`
	FirstPos  uint64      `json:"first_position,omitempty"`
	LastPos   uint64      `json:"last_position,omitempty"`
	Err       string      `json:"err,omitempty"`
	Retryable bool        `json:"retryable,omitempty"` // the outcome is unknown: it may have committed
}

// expected is the expected version the append was made with.
func (o outcome) expected() eventstore.ExpectedVersion {
	if o.Exact < 0 {
		return eventstore.Any()
	}
	return eventstore.Exact(uint64(o.Exact))
}

// tally is what a check of the database against the outcomes found.
type tally struct {
	events, streams  int
	acked            int // acknowledged appends found at their versions and positions
	failedAbsent     int // failed appends that wrote nothing
	unknownCommitted int // failed with an unknown outcome, yet committed completely
	lastPosition     uint64
	versions         map[string]uint64
	positions        []uint64 // every committed position of the prefix, ascending
	eventsByID       map[uuid.UUID]eventstore.RecordedEvent
}

// readEverything reads every event with the stream prefix, in global order,
// straight from PostgreSQL (not through any node or stream actor).
func readEverything(t *testing.T, db *postgres.Store, prefix string) []eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var all []eventstore.RecordedEvent
	from := eventstore.Position(0)
	for range 100_000 { // bounded: pages of 5,000
		page, err := db.ReadAll(ctx, eventstore.AllRead{From: from, Limit: 5000,
			Filter: eventstore.Filter{StreamPrefix: prefix}})
		if err != nil {
			t.Fatalf("read all: %v", err)
		}
		all = append(all, page...)
		if len(page) < 5000 {
			return all
		}
		from = page[len(page)-1].Position + 1
	}
	t.Fatal("read all: too many pages")
	return nil
}

// checkStore checks the invariants of the stored events of prefix and the
// outcomes against them: positions strictly increasing and unique, event
// IDs unique, versions contiguous from 1 per stream, every acknowledged
// append stored at its versions and positions, every failed append absent
// (or, when its outcome was unknown, present completely, never in part).
func checkStore(t *testing.T, db *postgres.Store, prefix string, outcomes []outcome) tally {
	t.Helper()
	evs := readEverything(t, db, prefix)
	tl := tally{events: len(evs), versions: map[string]uint64{}, eventsByID: map[uuid.UUID]eventstore.RecordedEvent{}}
	var prev uint64
	for _, e := range evs {
		if e.Position <= prev {
			t.Errorf("position %d (%s@%d) after %d: not strictly increasing", e.Position, e.Stream, e.Version, prev)
		}
		prev = e.Position
		tl.positions = append(tl.positions, e.Position)
		if want := tl.versions[e.Stream] + 1; e.Version != want {
			t.Errorf("stream %s: version %d at position %d, want %d (not contiguous)", e.Stream, e.Version, e.Position, want)
		}
		tl.versions[e.Stream] = e.Version
		if old, dup := tl.eventsByID[e.ID]; dup {
			t.Errorf("event %s stored twice: %s@%d and %s@%d", e.ID, old.Stream, old.Version, e.Stream, e.Version)
		}
		tl.eventsByID[e.ID] = e
	}
	tl.streams, tl.lastPosition = len(tl.versions), prev
	for _, o := range outcomes {
		if o.OK {
			checkAcked(t, tl.eventsByID, o)
			tl.acked++
			continue
		}
		present := 0
		for _, id := range o.IDs {
			if _, ok := tl.eventsByID[id]; ok {
				present++
			}
		}
		switch {
		case present == 0:
			tl.failedAbsent++
		case present == len(o.IDs) && o.Retryable:
			first := tl.eventsByID[o.IDs[0]]
			for i, id := range o.IDs {
				e := tl.eventsByID[id]
				if e.Stream != o.Stream || e.Version != first.Version+uint64(i) {
					t.Errorf("append to %s with unknown outcome (%s): event %d stored as %s@%d, want %s@%d",
						o.Stream, o.Err, i, e.Stream, e.Version, o.Stream, first.Version+uint64(i))
				}
			}
			if o.Exact >= 0 && first.Version != uint64(o.Exact)+1 {
				t.Errorf("append to %s expecting version %d (%s) committed at version %d", o.Stream, o.Exact, o.Err, first.Version)
			}
			tl.unknownCommitted++
		case present == len(o.IDs):
			t.Errorf("append to %s failed with a definite error (%s) but was committed", o.Stream, o.Err)
		default:
			t.Errorf("append to %s (%s): %d of its %d events stored: written in part", o.Stream, o.Err, present, len(o.IDs))
		}
	}
	return tl
}

func checkAcked(t *testing.T, byID map[uuid.UUID]eventstore.RecordedEvent, o outcome) {
	t.Helper()
	if o.Exact >= 0 && o.FirstVer != uint64(o.Exact)+1 {
		t.Errorf("append to %s expecting version %d acknowledged at version %d", o.Stream, o.Exact, o.FirstVer)
	}
	if o.LastVer-o.FirstVer+1 != uint64(len(o.IDs)) || o.LastPos-o.FirstPos+1 != uint64(len(o.IDs)) {
		t.Errorf("append to %s of %d events acknowledged as versions %d-%d, positions %d-%d",
			o.Stream, len(o.IDs), o.FirstVer, o.LastVer, o.FirstPos, o.LastPos)
	}
	for i, id := range o.IDs {
		e, ok := byID[id]
		switch {
		case !ok:
			t.Errorf("acknowledged append to %s lost: event %s (version %d, position %d) not stored",
				o.Stream, id, o.FirstVer+uint64(i), o.FirstPos+uint64(i))
		case e.Stream != o.Stream || e.Version != o.FirstVer+uint64(i) || e.Position != o.FirstPos+uint64(i):
			t.Errorf("acknowledged event %s: stored as %s@%d position %d, acknowledged as %s@%d position %d",
				id, e.Stream, e.Version, e.Position, o.Stream, o.FirstVer+uint64(i), o.FirstPos+uint64(i))
		}
	}
}

// openDirect opens the database without actors, to check it.
func openDirect(t *testing.T, url string) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor polls cond until it holds, failing t after within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronization
	}
}

func events(n int, kind string) ([]eventstore.EventData, []uuid.UUID) {
	evs := make([]eventstore.EventData, n)
	ids := make([]uuid.UUID, n)
	for i := range evs {
		ids[i] = uuid.New()
		evs[i] = eventstore.EventData{ID: ids[i], Type: kind, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	return evs, ids
}

func summarize(errs []string) string {
	if len(errs) > 5 {
		errs = append(errs[:5:5], fmt.Sprintf("... and %d more", len(errs)-5))
	}
	return strings.Join(errs, "\n")
}
