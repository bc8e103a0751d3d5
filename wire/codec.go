package wire

import (
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// EventDataToProto converts an event to its wire form.
func EventDataToProto(e *eventstore.EventData) *messages.EventData {
	id := e.ID
	return &messages.EventData{
		EventId:       id[:],
		Type:          e.Type,
		SchemaVersion: e.SchemaVersion,
		ContentType:   e.ContentType,
		Data:          e.Data,
		Metadata:      e.Metadata,
	}
}

// EventDataFromProto converts an event from its wire form. A missing or
// malformed event ID is an *InputError with Field "event_id".
func EventDataFromProto(m *messages.EventData) (eventstore.EventData, error) {
	if m == nil {
		return eventstore.EventData{}, &eventstore.InputError{Field: "event", Rule: "required", Message: "event is missing"}
	}
	id, err := uuid.FromBytes(m.GetEventId())
	if err != nil {
		return eventstore.EventData{}, &eventstore.InputError{Field: "event_id", Rule: "format", Message: "event ID must be 16 bytes"}
	}
	data := m.GetData()
	if data == nil {
		data = []byte{} // proto3 does not tell an empty payload from a missing one
	}
	return eventstore.EventData{
		ID:            id,
		Type:          m.GetType(),
		SchemaVersion: m.GetSchemaVersion(),
		ContentType:   m.GetContentType(),
		Data:          data,
		Metadata:      m.GetMetadata(),
	}, nil
}

// RecordedEventToProto converts a recorded event to its wire form.
func RecordedEventToProto(e *eventstore.RecordedEvent) *messages.RecordedEvent {
	return &messages.RecordedEvent{
		Event:         EventDataToProto(&e.EventData),
		Stream:        e.Stream,
		StreamVersion: e.Version,
		Position:      e.Position,
		Created:       timestamppb.New(e.Created),
	}
}

// RecordedEventFromProto converts a recorded event from its wire form.
func RecordedEventFromProto(m *messages.RecordedEvent) (eventstore.RecordedEvent, error) {
	ed, err := EventDataFromProto(m.GetEvent())
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	return eventstore.RecordedEvent{
		EventData: ed,
		Stream:    m.GetStream(),
		Version:   m.GetStreamVersion(),
		Position:  m.GetPosition(),
		Created:   m.GetCreated().AsTime(),
	}, nil
}

// ExpectedVersionToProto converts an expectation to its wire form.
func ExpectedVersionToProto(e eventstore.ExpectedVersion) *messages.ExpectedVersion {
	switch {
	case e.IsNoStream():
		return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_NoStream{NoStream: true}}
	case e.IsStreamExists():
		return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_StreamExists{StreamExists: true}}
	}
	if v, ok := e.ExactVersion(); ok {
		return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Exact{Exact: v}}
	}
	return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}}
}

// ExpectedVersionFromProto converts an expectation from its wire form.
// An expectation that says nothing is refused with an *InputError naming
// field (rule "required" or "format"): a missing one, and a kind set to
// false ({any: false}, {no_stream: false}, {stream_exists: false}), which
// cannot be told from a peer's mistake. A peer says {any: true}.
func ExpectedVersionFromProto(field string, m *messages.ExpectedVersion) (eventstore.ExpectedVersion, error) {
	says := true
	var e eventstore.ExpectedVersion
	switch k := m.GetKind().(type) {
	case nil:
		return eventstore.Any(), &eventstore.InputError{Field: field, Rule: "required",
			Message: "expected version is missing"}
	case *messages.ExpectedVersion_Any:
		e, says = eventstore.Any(), k.Any
	case *messages.ExpectedVersion_NoStream:
		e, says = eventstore.NoStream(), k.NoStream
	case *messages.ExpectedVersion_StreamExists:
		e, says = eventstore.StreamExists(), k.StreamExists
	case *messages.ExpectedVersion_Exact:
		e = eventstore.Exact(k.Exact)
	}
	if !says {
		return eventstore.Any(), &eventstore.InputError{Field: field, Rule: "format",
			Message: "expected version " + e.String() + " is set to false; set it to true"}
	}
	return e, nil
}
