package actorstore

import "github.com/actorstore/actorstore/persistence"

// The records of actorstore, under the names users of the root package see.
// See package persistence for their full documentation.
type (
	// EventData is an event as a writer proposes it (ID, Type, Data, ...).
	EventData = persistence.EventData
	// RecordedEvent is a committed event with its stream, version and position.
	RecordedEvent = persistence.RecordedEvent
	// ExpectedVersion is an optimistic-concurrency expectation.
	ExpectedVersion = persistence.ExpectedVersion
	// AppendResult is the outcome of an append: versions and positions.
	AppendResult = persistence.AppendResult
	// AppendRequest is one stream's part of a Transact.
	AppendRequest = persistence.AppendRequest
	// StreamRead asks for the events of one stream.
	StreamRead = persistence.StreamRead
	// AllRead asks for the events of all streams in global order.
	AllRead = persistence.AllRead
	// Filter selects events by stream prefix and type.
	Filter = persistence.Filter
	// Direction of a read: Forward or Backward.
	Direction = persistence.Direction
	// Version of a stream: its number of events.
	Version = persistence.Version
	// Position of an event in the global order, from 1.
	Position = persistence.Position
)

// Read directions and the start of a backward read.
const (
	Forward  = persistence.Forward
	Backward = persistence.Backward
	// End, as the From of a backward read, starts at the newest event.
	End = persistence.End
)

// Any accepts the stream at any version.
func Any() ExpectedVersion { return persistence.Any() }

// NoStream requires that the stream has no events.
func NoStream() ExpectedVersion { return persistence.NoStream() }

// StreamExists requires that the stream has at least one event.
func StreamExists() ExpectedVersion { return persistence.StreamExists() }

// Exact requires the stream to be at version v (Exact(0) is NoStream).
func Exact(v Version) ExpectedVersion { return persistence.Exact(v) }

// CategoryFilter selects the streams "<category>-...".
func CategoryFilter(category string) Filter { return persistence.CategoryFilter(category) }
