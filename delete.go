package actorstore

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// Deleting streams (docs/lifecycle.md).
type (
	// DeleteRequest deletes one stream if Expected holds; Hard leaves a
	// tombstone.
	DeleteRequest = eventstore.DeleteRequest
	// DeleteResult is what a delete did: the version up to which the
	// stream's events are hidden.
	DeleteResult = eventstore.DeleteResult
	// StreamDeletedError reports an append to, a read of or a delete of a
	// hard-deleted stream.
	StreamDeletedError = eventstore.StreamDeletedError
)

// ErrStreamDeleted matches a *StreamDeletedError (errors.Is).
var ErrStreamDeleted = eventstore.ErrStreamDeleted

// Delete deletes a stream if r.Expected holds, through the stream's actor:
// an append is wholly before or wholly after it.
//
// A soft delete hides every event the stream has: from the moment Delete
// returns, ReadStream reports *StreamNotFoundError, ReadAll and
// subscriptions skip them, Head keeps the version, and the next append
// continues after it (an expectation of NoStream fails; versions are never
// reused). A hard delete also leaves a tombstone: every later append, read
// and delete of the stream fails with *StreamDeletedError. Either way the
// stream's snapshot is removed and its entity state starts again; the
// positions of other events do not change. The events stay on disk until a
// scavenge removes them.
//
// Errors carry the trace ID: *ConcurrencyError (nothing changed),
// *StreamNotFoundError (a soft delete of a stream that never had events),
// *StreamDeletedError, *InputError, *ConnectionError, a timeout (the
// outcome is unknown: deleting again is safe), ErrClosed.
func (s *Store) Delete(ctx context.Context, r DeleteRequest) (DeleteResult, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	res, err := s.rt.Delete(ctx, r)
	return res, eventstore.AttachTraceID(err, trace)
}

// Stream metadata: a stream's retention (docs/lifecycle.md).
type (
	// StreamMetadata is a stream's retention: truncate-before, max-age,
	// max-count.
	StreamMetadata = eventstore.StreamMetadata
	// MetadataRequest sets a stream's metadata if Expected holds for the
	// metadata's own version.
	MetadataRequest = eventstore.MetadataRequest
	// MetadataResult is a stream's metadata and its version.
	MetadataResult = eventstore.MetadataResult
)

// SetStreamMetadata sets a stream's metadata, its retention, if
// r.Expected holds for the metadata's version (0: never set; each set adds
// one), through the stream's actor like an append. From the moment it
// returns, ReadStream, ReadAll and subscriptions return no event outside
// the retention: below TruncateBefore, older than MaxAge, or beyond the
// newest MaxCount. Events are not removed from disk until a scavenge. A
// conflict is a *ConcurrencyError naming the metadata stream "$$<stream>".
func (s *Store) SetStreamMetadata(ctx context.Context, r MetadataRequest) (MetadataResult, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	res, err := s.rt.SetMetadata(ctx, r)
	return res, eventstore.AttachTraceID(err, trace)
}

// StreamMetadata returns a stream's metadata and its version (0 when it
// was never set).
func (s *Store) StreamMetadata(ctx context.Context, stream string) (MetadataResult, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	res, err := s.rt.Metadata(ctx, stream)
	return res, eventstore.AttachTraceID(err, trace)
}
