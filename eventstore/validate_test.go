package eventstore

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func validEvent() EventData {
	return EventData{ID: uuid.New(), Type: "Opened", Data: []byte{}}
}

func TestValidateAppend(t *testing.T) {
	shared := validEvent()
	mod := func(f func(e *EventData)) EventData {
		e := validEvent()
		f(&e)
		return e
	}
	one := func(stream string, events ...EventData) AppendRequest {
		return AppendRequest{Stream: stream, Events: events}
	}
	type validateCase struct {
		name   string
		limits Limits
		reqs   []AppendRequest
		field  string // "" means valid
		rule   string
	}
	cases := []validateCase{
		{"valid", Limits{}, []AppendRequest{one("a", validEvent()), one("b", validEvent(), validEvent())}, "", ""},
		{"valid with metadata and max sizes", Limits{}, []AppendRequest{one(strings.Repeat("s", 512),
			mod(func(e *EventData) {
				e.Type = strings.Repeat("t", 256)
				e.Data = make([]byte, 1<<20-5) // plus 5 bytes of metadata: exactly the limit
				e.ContentType = ContentTypeBinary
				e.Metadata = map[string]string{"k": "v€"}
			}))}, "", ""},
		{"no requests", Limits{}, nil, "requests", "required"},
		{"bad JSON, default content type", Limits{}, []AppendRequest{one("a", validEvent(), mod(func(e *EventData) { e.Data = []byte(`{bad`) }))}, "requests[0].events[1].data", "json"},
		{"bad JSON, application/json with parameters", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) {
			e.Data, e.ContentType = []byte(`{"a":1}{`), "Application/JSON; charset=utf-8"
		}))}, "requests[0].events[0].data", "json"},
		{"bad JSON, +json type", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) {
			e.Data, e.ContentType = []byte(`nope`), "application/cloudevents+json"
		}))}, "requests[0].events[0].data", "json"},
		{"valid JSON", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Data = []byte(` {"a":[1,"x",null]} `) }))}, "", ""},
		{"binary is not checked", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) {
			e.Data, e.ContentType = []byte(`{bad`), ContentTypeBinary
		}))}, "", ""},
		{"empty stream", Limits{}, []AppendRequest{one("a", validEvent()), one("", validEvent())}, "requests[1].stream", "required"},
		{"long stream", Limits{}, []AppendRequest{one(strings.Repeat("s", 513), validEvent())}, "requests[0].stream", "max_length"},
		{"custom stream limit", Limits{MaxStreamIDLength: 3}, []AppendRequest{one("abcd", validEvent())}, "requests[0].stream", "max_length"},
		{"stream not UTF-8", Limits{}, []AppendRequest{one("a\xff", validEvent())}, "requests[0].stream", "utf8"},
		{"stream with NUL", Limits{}, []AppendRequest{one("a\x00b", validEvent())}, "requests[0].stream", "utf8"},
		{"stream twice", Limits{}, []AppendRequest{one("a", validEvent()), one("a", validEvent())}, "requests[1].stream", "duplicate"},
		{"no events", Limits{}, []AppendRequest{one("a")}, "requests[0].events", "required"},
		{"too many events", Limits{MaxBatchEvents: 2}, []AppendRequest{one("a", validEvent()), one("b", validEvent(), validEvent())}, "requests", "max_events"},
		{"nil ID", Limits{}, []AppendRequest{one("a", validEvent(), mod(func(e *EventData) { e.ID = uuid.Nil }))}, "requests[0].events[1].id", "required"},
		{"empty type", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Type = "" }))}, "requests[0].events[0].type", "required"},
		{"long type", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Type = strings.Repeat("t", 257) }))}, "requests[0].events[0].type", "max_length"},
		{"type not UTF-8", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Type = "\xc3" }))}, "requests[0].events[0].type", "utf8"},
		{"nil data", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Data = nil }))}, "requests[0].events[0].data", "required"},
		{"long content type", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.ContentType = strings.Repeat("c", 257) }))}, "requests[0].events[0].content_type", "max_length"},
		{"oversize data", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Data = make([]byte, 1<<20+1) }))}, "requests[0].events[0].data", "max_size"},
		{"oversize with metadata", Limits{MaxEventSize: 10}, []AppendRequest{one("a", mod(func(e *EventData) {
			e.Data = make([]byte, 6)
			e.Metadata = map[string]string{"key": "vv"}
		}))}, "requests[0].events[0].data", "max_size"},
		{"metadata not UTF-8", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Metadata = map[string]string{"k": "\xff"} }))}, "requests[0].events[0].metadata", "utf8"},
		{"metadata key with NUL", Limits{}, []AppendRequest{one("a", mod(func(e *EventData) { e.Metadata = map[string]string{"\x00": "v"} }))}, "requests[0].events[0].metadata", "utf8"},
		{"same ID twice in a request", Limits{}, []AppendRequest{one("a", shared, shared)}, "requests[0].events[1].id", "duplicate"},
		{"same ID in two requests", Limits{}, []AppendRequest{one("a", shared), one("b", validEvent(), shared)}, "requests[1].events[1].id", "duplicate"},
	}
	// Many events: the ID set grows from its first few to a map; a repeat
	// on either side of that is found.
	many := make([]EventData, 20)
	for i := range many {
		many[i] = validEvent()
	}
	late := slices.Clone(many)
	late[19] = late[2] // repeats an ID kept before the set became a map
	early := slices.Clone(many[:6])
	early[5] = early[4]
	cases = append(cases,
		validateCase{"20 distinct IDs", Limits{}, []AppendRequest{one("a", many...)}, "", ""},
		validateCase{"ID repeated after 19 others", Limits{}, []AppendRequest{one("a", many[:10]...), one("b", late[10:]...)}, "requests[1].events[9].id", "duplicate"},
		validateCase{"ID repeated among few", Limits{}, []AppendRequest{one("a", early...)}, "requests[0].events[5].id", "duplicate"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.limits.ValidateAppend(c.reqs)
			if c.field == "" {
				if err != nil {
					t.Fatalf("ValidateAppend: %v", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("ValidateAppend: %v, want an InputError", err)
			}
			if ie.Field != c.field || ie.Rule != c.rule {
				t.Fatalf("InputError{Field: %q, Rule: %q}, want {%q, %q} (%v)", ie.Field, ie.Rule, c.field, c.rule, err)
			}
		})
	}
}

func TestValidateLimit(t *testing.T) {
	for _, c := range []struct {
		limit int
		ok    bool
	}{{-1, false}, {0, false}, {1, true}, {1 << 30, true}} {
		err := ValidateLimit(c.limit)
		var ie *InputError
		if c.ok != (err == nil) || (!c.ok && (!errors.As(err, &ie) || ie.Field != "limit" || ie.Rule != "positive")) {
			t.Errorf("ValidateLimit(%d) = %v", c.limit, err)
		}
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	if got := (Limits{}).WithDefaults(); got != DefaultLimits {
		t.Fatalf("zero Limits with defaults: %+v", got)
	}
	if got := (Limits{MaxTypeLength: 3, MaxEventSize: -5}).WithDefaults(); got.MaxTypeLength != 3 ||
		got.MaxEventSize != DefaultLimits.MaxEventSize {
		t.Fatalf("partial Limits with defaults: %+v", got)
	}
}
