package persistence

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// StreamDeleter deletes streams and keeps their metadata (docs/lifecycle.md). Both backends
// implement it (storetest.Run checks them); it is a separate interface so
// that the event contract of Store stays as it is. Safe for concurrent use.
//
// Deleted events and events outside a stream's retention (its metadata)
// stay on disk until a scavenge removes them, but from the commit of the
// delete or the metadata on, no read of the store returns them: ReadStream
// starts after them (and returns *StreamNotFoundError when nothing is
// left), ReadAll skips them, and the positions of the other events do not
// change. Head keeps the stream's version (a soft-deleted stream's next
// append continues after it).
type StreamDeleter interface {
	// DeleteStream checks r.Expected against the stream's version under the
	// stream's lock (a *ConcurrencyError writes nothing), then hides every
	// event of the stream, removes its snapshot and, for a hard delete,
	// leaves a tombstone: AppendBatch then fails every request of the
	// stream with a *StreamDeletedError (the database fences it, whatever
	// process appends) and ReadStream returns one.
	//
	// A soft delete of a stream that never had an event returns a
	// *StreamNotFoundError; a soft delete of a stream with nothing left
	// to hide succeeds and changes nothing. Any delete of a hard-deleted
	// stream returns a *StreamDeletedError. A hard delete of a stream that
	// never had an event leaves a tombstone (the name stays reserved).
	DeleteStream(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error)

	// SetStreamMetadata replaces the stream's metadata if r.Expected holds
	// for the metadata's version (a *ConcurrencyError whose Stream is
	// eventstore.MetadataStream(r.Stream) otherwise; nothing changes), and
	// returns it with its new version. From its commit on, the reads hide
	// the events outside the retention it sets. A stream need not exist;
	// a hard-deleted one gives a *StreamDeletedError.
	SetStreamMetadata(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error)

	// StreamMetadata returns the stream's metadata (version 0: never set).
	StreamMetadata(ctx context.Context, stream string) (eventstore.MetadataResult, error)

	// HeadRetention returns the stream's head (as Head) and its retention:
	// what deletes and its metadata hide, in one read. Stream actors call
	// it when they load a stream.
	HeadRetention(ctx context.Context, stream string) (eventstore.StreamHead, Retention, error)
}

// Retention is what deletes and metadata hide of one stream.
type Retention struct {
	// Through is the newest deleted version (0 when none is).
	Through eventstore.Version
	// Tombstone is set by a hard delete.
	Tombstone bool
	// Meta is the stream's metadata, MetaVersion its version (0: never set).
	Meta        eventstore.StreamMetadata
	MetaVersion eventstore.Version
}

// Low is the lowest version r keeps visible of a stream at version head
// (the max-age limit aside).
func (r Retention) Low(head eventstore.Version) eventstore.Version {
	return max(r.Through+1, r.Meta.Low(head))
}

// DecideDelete is the pure decision of a delete of a stream at version
// whose retention is d: a *StreamDeletedError for a tombstone, a
// *ConcurrencyError when r.Expected does not hold, a *StreamNotFoundError
// for a soft delete of a stream that never had an event; nil to go on.
// Both backends call it under the stream's lock.
func DecideDelete(r eventstore.DeleteRequest, version eventstore.Version, d Retention) error {
	if d.Tombstone {
		return &eventstore.StreamDeletedError{Stream: r.Stream}
	}
	if err := r.Expected.Check(r.Stream, version); err != nil {
		return err
	}
	if !r.Hard && version == 0 {
		return &eventstore.StreamNotFoundError{Stream: r.Stream}
	}
	return nil
}

// DecideMetadata is the pure decision of a metadata write to a stream
// whose retention is d: a *StreamDeletedError for a tombstone, a
// *ConcurrencyError naming eventstore.MetadataStream when r.Expected does
// not hold for the metadata's version; nil to go on.
func DecideMetadata(r eventstore.MetadataRequest, d Retention) error {
	if d.Tombstone {
		return &eventstore.StreamDeletedError{Stream: r.Stream}
	}
	return r.Expected.Check(eventstore.MetadataStream(r.Stream), d.MetaVersion)
}
