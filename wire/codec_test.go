package wire

import (
	"bytes"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// genEventData generates events as writers may send them: any type, binary
// data (empty included), metadata nil, empty or with unicode, any schema
// version and content type.
func genEventData() *rapid.Generator[eventstore.EventData] {
	return rapid.Custom(func(t *rapid.T) eventstore.EventData {
		e := eventstore.EventData{
			Type:          rapid.String().Draw(t, "type"),
			SchemaVersion: rapid.Uint32().Draw(t, "schema"),
			ContentType:   rapid.SampledFrom([]string{"", eventstore.ContentTypeJSON, eventstore.ContentTypeProtobuf, "text/plain; charset=ü"}).Draw(t, "ct"),
			Data:          rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "data"),
		}
		copy(e.ID[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "id"))
		switch rapid.IntRange(0, 2).Draw(t, "meta") {
		case 1:
			e.Metadata = map[string]string{}
		case 2:
			e.Metadata = rapid.MapOfN(rapid.String(), rapid.String(), 1, 4).Draw(t, "metadata")
		}
		return e
	})
}

// roundTrip marshals m and unmarshals it into a new message of its type.
func roundTrip[M proto.Message](t interface{ Fatalf(string, ...any) }, m M, into M) M {
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	if err := proto.Unmarshal(b, into); err != nil {
		t.Fatalf("proto.Unmarshal: %v", err)
	}
	return into
}

func sameEventData(t *rapid.T, got, want eventstore.EventData) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.SchemaVersion != want.SchemaVersion ||
		got.ContentType != want.ContentType || got.Data == nil || !bytes.Equal(got.Data, want.Data) ||
		!maps.Equal(got.Metadata, want.Metadata) {
		t.Fatalf("round trip changed the event:\n got %#v\nwant %#v", got, want)
	}
}

func TestEventDataProtoRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := genEventData().Draw(t, "event")
		m := roundTrip(t, EventDataToProto(&want), &messages.EventData{})
		got, err := EventDataFromProto(m)
		if err != nil {
			t.Fatalf("EventDataFromProto: %v", err)
		}
		sameEventData(t, got, want)
	})
}

func TestRecordedEventProtoRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := eventstore.RecordedEvent{
			EventData: genEventData().Draw(t, "event"),
			Stream:    rapid.String().Draw(t, "stream"),
			Version:   rapid.Uint64().Draw(t, "version"),
			Position:  rapid.Uint64().Draw(t, "position"),
			Created: time.Unix(rapid.Int64Range(0, 1<<34).Draw(t, "sec"),
				rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")).UTC(),
		}
		m := roundTrip(t, RecordedEventToProto(&want), &messages.RecordedEvent{})
		got, err := RecordedEventFromProto(m)
		if err != nil {
			t.Fatalf("RecordedEventFromProto: %v", err)
		}
		sameEventData(t, got.EventData, want.EventData)
		if got.Stream != want.Stream || got.Version != want.Version || got.Position != want.Position ||
			!got.Created.Equal(want.Created) || got.Created.Location() != time.UTC {
			t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", got, want)
		}
	})
}

func genExpectedVersion() *rapid.Generator[eventstore.ExpectedVersion] {
	return rapid.Custom(func(t *rapid.T) eventstore.ExpectedVersion {
		switch rapid.IntRange(0, 3).Draw(t, "mode") {
		case 0:
			return eventstore.Any()
		case 1:
			return eventstore.NoStream()
		case 2:
			return eventstore.StreamExists()
		}
		return eventstore.Exact(rapid.Uint64().Draw(t, "version"))
	})
}

func TestExpectedVersionProtoRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := genExpectedVersion().Draw(t, "expected")
		got, err := ExpectedVersionFromProto("expected", roundTrip(t, ExpectedVersionToProto(want), &messages.ExpectedVersion{}))
		if err != nil || got != want {
			t.Fatalf("round trip of %v gave %v, %v", want, got, err)
		}
		if parsed, err := eventstore.ParseExpectedVersion(want.String()); err != nil || parsed != want {
			t.Fatalf("String/Parse of %v gave %v, %v", want, parsed, err)
		}
	})
}

// TestExpectedVersionThatSaysNothingIsRefused: a missing expectation, and
// one whose kind is set to false, are typed input errors naming the field,
// not Any, no-stream or stream-exists.
func TestExpectedVersionThatSaysNothingIsRefused(t *testing.T) {
	cases := map[string]*messages.ExpectedVersion{
		"missing":             nil,
		"no kind":             {},
		"any false":           {Kind: &messages.ExpectedVersion_Any{Any: false}},
		"no_stream false":     {Kind: &messages.ExpectedVersion_NoStream{NoStream: false}},
		"stream_exists false": {Kind: &messages.ExpectedVersion_StreamExists{StreamExists: false}},
	}
	for name, m := range cases {
		m = roundTrip(t, m, &messages.ExpectedVersion{})
		_, err := ExpectedVersionFromProto("appends[1].expected", m)
		var ie *eventstore.InputError
		if !errors.As(err, &ie) || ie.Field != "appends[1].expected" || eventstore.CodeOf(err) != eventstore.CodeInvalidInput {
			t.Errorf("%s: %v, want an InputError on appends[1].expected", name, err)
		}
	}
	if e, err := ExpectedVersionFromProto("expected", &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Exact{Exact: 0}}); err != nil || e != eventstore.NoStream() {
		t.Errorf("exact 0: %v, %v; want no-stream", e, err)
	}
}

func TestFromProtoRejects(t *testing.T) {
	var ie *eventstore.InputError
	if _, err := EventDataFromProto(nil); !errors.As(err, &ie) || ie.Field != "event" {
		t.Errorf("EventDataFromProto(nil): %v", err)
	}
	if _, err := EventDataFromProto(&messages.EventData{EventId: []byte{1, 2}}); !errors.As(err, &ie) || ie.Field != "event_id" {
		t.Errorf("EventDataFromProto(short ID): %v", err)
	}
	if _, err := RecordedEventFromProto(&messages.RecordedEvent{}); !errors.As(err, &ie) {
		t.Errorf("RecordedEventFromProto without event: %v", err)
	}
}

// FuzzEventDataFromProto: arbitrary bytes that unmarshal as an EventData
// never make EventDataFromProto panic; it returns an InputError or an event
// that either validates or fails validation with an InputError, and that
// survives a second trip through the wire form unchanged.
func FuzzEventDataFromProto(f *testing.F) {
	seed := func(m *messages.EventData) {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	id := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	seed(&messages.EventData{EventId: id[:], Type: "Opened", Data: []byte(`{"a":1}`),
		ContentType: eventstore.ContentTypeJSON, SchemaVersion: 2, Metadata: map[string]string{"user": "zoë"}})
	seed(&messages.EventData{EventId: id[:]})
	seed(&messages.EventData{EventId: []byte{1}, Type: "Short"})
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x10})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m messages.EventData
		if proto.Unmarshal(b, &m) != nil {
			return
		}
		e, err := EventDataFromProto(&m)
		if err != nil {
			if !errors.Is(err, eventstore.ErrInvalidInput) {
				t.Fatalf("EventDataFromProto: %v is not an input error", err)
			}
			return
		}
		if e.Data == nil {
			t.Fatal("EventDataFromProto returned nil Data")
		}
		if err := eventstore.DefaultLimits.ValidateEvent("event", "s", &e); err != nil && !errors.Is(err, eventstore.ErrInvalidInput) {
			t.Fatalf("ValidateEvent: %v is not an input error", err)
		}
		b2, err := proto.Marshal(EventDataToProto(&e))
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		var m2 messages.EventData
		if err := proto.Unmarshal(b2, &m2); err != nil {
			t.Fatalf("re-unmarshal: %v", err)
		}
		e2, err := EventDataFromProto(&m2)
		if err != nil || e2.ID != e.ID || e2.Type != e.Type || !bytes.Equal(e2.Data, e.Data) ||
			!maps.Equal(e2.Metadata, e.Metadata) || e2.SchemaVersion != e.SchemaVersion || e2.ContentType != e.ContentType {
			t.Fatalf("second trip changed the event: %+v, %v; want %+v", e2, err, e)
		}
	})
}
