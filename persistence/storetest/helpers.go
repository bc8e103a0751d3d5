package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testTimeout bounds every call the suite makes.
const testTimeout = 30 * time.Second

// open makes a store for t and closes it when t ends (tolerating a store
// the test closed itself).
func open(t *testing.T, f Factory) persistence.Store {
	t.Helper()
	st := f(t)
	if st == nil {
		t.Fatal("Factory returned a nil store")
	}
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() {
			if err := st.Close(); err != nil && !errors.Is(err, eventstore.ErrClosed) {
				t.Errorf("Close: %v", err)
			}
		})
	})
	return st
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// ev returns a new event of type typ with a JSON payload.
func ev(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"n":1}`)}
}

// evs returns n new events of type typ.
func evs(n int, typ string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = ev(typ)
	}
	return out
}

// req builds an append request.
func req(stream string, exp eventstore.ExpectedVersion, events ...eventstore.EventData) eventstore.AppendRequest {
	return eventstore.AppendRequest{Stream: stream, Expected: exp, Events: events}
}

// appendOK appends one request that must succeed and returns its result.
func appendOK(t *testing.T, st persistence.Store, r eventstore.AppendRequest) eventstore.AppendResult {
	t.Helper()
	res := appendBatchOK(t, st, r)
	if res[0].Err != nil {
		t.Fatalf("append to %q: %v", r.Stream, res[0].Err)
	}
	return res[0]
}

// appendBatchOK appends a batch that must not fail as a whole and checks
// that there is one result per request, naming its stream.
func appendBatchOK(t *testing.T, st persistence.Store, reqs ...eventstore.AppendRequest) []eventstore.AppendResult {
	t.Helper()
	res, err := st.AppendBatch(ctxFor(t), reqs)
	if err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	if len(res) != len(reqs) {
		t.Fatalf("AppendBatch returned %d results for %d requests", len(res), len(reqs))
	}
	for i := range res {
		if res[i].Stream != reqs[i].Stream {
			t.Fatalf("result %d names stream %q, want %q", i, res[i].Stream, reqs[i].Stream)
		}
	}
	return res
}

// readStream reads a whole stream forward.
func readStream(t *testing.T, st persistence.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	got, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: stream, Limit: 1_000_000})
	if err != nil {
		t.Fatalf("ReadStream(%q): %v", stream, err)
	}
	return got
}

// readAll reads every event forward.
func readAll(t *testing.T, st persistence.Store) []eventstore.RecordedEvent {
	t.Helper()
	got, err := st.ReadAll(ctxFor(t), eventstore.AllRead{Limit: 1_000_000})
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	return got
}

func lastPosition(t *testing.T, st persistence.Store) eventstore.Position {
	t.Helper()
	p, err := st.LastPosition(ctxFor(t))
	if err != nil {
		t.Fatalf("LastPosition: %v", err)
	}
	return p
}

func head(t *testing.T, st persistence.Store, stream string) eventstore.StreamHead {
	t.Helper()
	h, err := st.Head(ctxFor(t), stream)
	if err != nil {
		t.Fatalf("Head(%q): %v", stream, err)
	}
	return h
}

// wantConcurrency checks that err is a *ConcurrencyError with these fields.
func wantConcurrency(t *testing.T, err error, stream string, exp eventstore.ExpectedVersion, actual eventstore.Version) {
	t.Helper()
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%T), want *ConcurrencyError", err, err)
	}
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Errorf("errors.Is(%v, ErrConcurrency) is false", err)
	}
	if ce.Stream != stream || ce.Expected != exp || ce.Actual != actual {
		t.Errorf("ConcurrencyError{Stream: %q, Expected: %s, Actual: %d}, want {%q, %s, %d}",
			ce.Stream, ce.Expected, ce.Actual, stream, exp, actual)
	}
	if eventstore.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) is true", err)
	}
}

// wantDuplicate checks that err is a *DuplicateEventError with these fields.
func wantDuplicate(t *testing.T, err error, id uuid.UUID, stream, existing string) {
	t.Helper()
	var de *eventstore.DuplicateEventError
	if !errors.As(err, &de) {
		t.Fatalf("got %v (%T), want *DuplicateEventError", err, err)
	}
	if !errors.Is(err, eventstore.ErrDuplicateEvent) {
		t.Errorf("errors.Is(%v, ErrDuplicateEvent) is false", err)
	}
	if de.EventID != id || de.Stream != stream || de.ExistingStream != existing {
		t.Errorf("DuplicateEventError{EventID: %s, Stream: %q, ExistingStream: %q}, want {%s, %q, %q}",
			de.EventID, de.Stream, de.ExistingStream, id, stream, existing)
	}
}

// checkStream checks that stream holds exactly want (by ID, in order) at
// versions 1..len(want) with strictly increasing positions; no events when
// want is empty.
func checkStream(t *testing.T, st persistence.Store, stream string, want []eventstore.EventData) {
	t.Helper()
	if len(want) == 0 {
		checkNotExists(t, st, stream)
		return
	}
	got := readStream(t, st, stream)
	if len(got) != len(want) {
		t.Fatalf("stream %q has %d events, want %d", stream, len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID || got[i].Version != uint64(i+1) || got[i].Stream != stream {
			t.Fatalf("stream %q event %d: id %s version %d stream %q, want id %s version %d",
				stream, i, got[i].ID, got[i].Version, got[i].Stream, want[i].ID, i+1)
		}
		if i > 0 && got[i].Position <= got[i-1].Position {
			t.Fatalf("stream %q: position %d after %d", stream, got[i].Position, got[i-1].Position)
		}
	}
}

// checkNotExists checks that stream has no events.
func checkNotExists(t *testing.T, st persistence.Store, stream string) {
	t.Helper()
	if h := head(t, st, stream); h.Exists() || h.Version != 0 {
		t.Fatalf("stream %q exists at version %d, want no events", stream, h.Version)
	}
}

func name(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }
