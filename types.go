package actorstore

import "github.com/actorstore/actorstore/eventstore"

// The records of actorstore, under the names users of the root package see.
// See package persistence for their full documentation.
type (
	// EventData is an event as a writer proposes it (ID, Type, Data, ...).
	EventData = eventstore.EventData
	// RecordedEvent is a committed event with its stream, version and position.
	RecordedEvent = eventstore.RecordedEvent
	// ExpectedVersion is an optimistic-concurrency expectation.
	ExpectedVersion = eventstore.ExpectedVersion
	// AppendResult is the outcome of an append: versions and positions.
	AppendResult = eventstore.AppendResult
	// AppendRequest is one stream's part of a Transact.
	AppendRequest = eventstore.AppendRequest
	// StreamRead asks for the events of one stream.
	StreamRead = eventstore.StreamRead
	// AllRead asks for the events of all streams in global order.
	AllRead = eventstore.AllRead
	// Filter selects events by stream prefix and type.
	Filter = eventstore.Filter
	// Direction of a read: Forward or Backward.
	Direction = eventstore.Direction
	// Version of a stream: its number of events.
	Version = eventstore.Version
	// Position of an event in the global order, from 1.
	Position = eventstore.Position
	// EventID identifies an event (a UUID; see NewEventID).
	EventID = eventstore.EventID
)

// Read directions and the start of a backward read.
const (
	Forward  = eventstore.Forward
	Backward = eventstore.Backward
	// End, as the From of a backward read, starts at the newest event.
	End = eventstore.End
)

// NewEventID returns a new time-ordered event ID (UUID version 7), the
// kind that keeps the event-ID index cheap as the store grows.
func NewEventID() EventID { return eventstore.NewEventID() }

// Any accepts the stream at any version.
func Any() ExpectedVersion { return eventstore.Any() }

// NoStream requires that the stream has no events.
func NoStream() ExpectedVersion { return eventstore.NoStream() }

// StreamExists requires that the stream has at least one event.
func StreamExists() ExpectedVersion { return eventstore.StreamExists() }

// Exact requires the stream to be at version v (Exact(0) is NoStream).
func Exact(v Version) ExpectedVersion { return eventstore.Exact(v) }

// CategoryFilter selects the streams "<category>-...".
func CategoryFilter(category string) Filter { return eventstore.CategoryFilter(category) }
