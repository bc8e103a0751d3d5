package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// testInvalidInput checks that malformed appends and reads are rejected as
// a whole with an *InputError naming the field, and that nothing of a bad
// batch is written, not even its valid requests.
func testInvalidInput(t *testing.T, f Factory) {
	st := open(t, f)
	appendOK(t, st, req("seed-1", eventstore.Any(), ev("X")))
	lim := eventstore.DefaultLimits
	with := func(mut func(e *eventstore.EventData)) eventstore.EventData {
		e := ev("X")
		mut(&e)
		return e
	}
	good := func() eventstore.AppendRequest { return req("good-1", eventstore.NoStream(), ev("X")) }
	shared := ev("X")
	cases := []struct {
		name  string
		reqs  []eventstore.AppendRequest
		field string
		rule  string
	}{
		{"empty batch", nil, "requests", "required"},
		{"request without events", []eventstore.AppendRequest{good(), req("bad-1", eventstore.Any())},
			"requests[1].events", "required"},
		{"empty stream ID", []eventstore.AppendRequest{good(), req("", eventstore.Any(), ev("X"))},
			"requests[1].stream", "required"},
		{"over-long stream ID", []eventstore.AppendRequest{good(),
			req(strings.Repeat("s", lim.MaxStreamIDLength+1), eventstore.Any(), ev("X"))},
			"requests[1].stream", "max_length"},
		{"oversize event", []eventstore.AppendRequest{good(), req("bad-1", eventstore.Any(),
			ev("X"), with(func(e *eventstore.EventData) { e.Data = make([]byte, lim.MaxEventSize+1) }))},
			"requests[1].events[1].data", "max_size"},
		{"empty type", []eventstore.AppendRequest{good(), req("bad-1", eventstore.Any(),
			with(func(e *eventstore.EventData) { e.Type = "" }))},
			"requests[1].events[0].type", "required"},
		{"over-long type", []eventstore.AppendRequest{good(), req("bad-1", eventstore.Any(),
			with(func(e *eventstore.EventData) { e.Type = strings.Repeat("t", lim.MaxTypeLength+1) }))},
			"requests[1].events[0].type", "max_length"},
		{"missing event ID", []eventstore.AppendRequest{good(), req("bad-1", eventstore.Any(),
			with(func(e *eventstore.EventData) { e.ID = uuid.Nil }))},
			"requests[1].events[0].id", "required"},
		{"nil data", []eventstore.AppendRequest{good(), req("bad-1", eventstore.Any(),
			with(func(e *eventstore.EventData) { e.Data = nil }))},
			"requests[1].events[0].data", "required"},
		{"duplicate event IDs in batch", []eventstore.AppendRequest{
			req("good-1", eventstore.NoStream(), shared), req("bad-1", eventstore.Any(), ev("X"), shared)},
			"requests[1].events[1].id", "duplicate"},
		{"same stream twice in batch", []eventstore.AppendRequest{good(), req("good-1", eventstore.Any(), ev("X"))},
			"requests[1].stream", "duplicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			last := lastPosition(t, st)
			res, err := st.AppendBatch(ctxFor(t), c.reqs)
			wantInput(t, err, c.field, c.rule)
			if res != nil {
				t.Errorf("AppendBatch returned results with an error: %+v", res)
			}
			if got := lastPosition(t, st); got != last {
				t.Fatalf("LastPosition %d after a rejected batch, want %d", got, last)
			}
			checkNotExists(t, st, "good-1")
			checkNotExists(t, st, "bad-1")
		})
	}
	t.Run("non-positive read limit", func(t *testing.T) {
		for _, limit := range []int{0, -1} {
			_, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "seed-1", Limit: limit})
			wantInput(t, err, "limit", "positive")
			_, err = st.ReadAll(ctxFor(t), eventstore.AllRead{Limit: limit})
			wantInput(t, err, "limit", "positive")
		}
	})
}

// wantInput checks that err is an *InputError naming field and rule.
func wantInput(t *testing.T, err error, field, rule string) {
	t.Helper()
	var ie *eventstore.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v (%T), want *InputError for %s", err, err, field)
	}
	if !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Errorf("errors.Is(%v, ErrInvalidInput) is false", err)
	}
	if ie.Field != field || ie.Rule != rule {
		t.Errorf("InputError{Field: %q, Rule: %q}, want {%q, %q}", ie.Field, ie.Rule, field, rule)
	}
	if eventstore.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) is true", err)
	}
}
