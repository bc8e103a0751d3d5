package persistence

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// Store is the storage contract every backend implements (PostgreSQL, the
// embedded SQLite file). All methods are safe for concurrent use, take ctx
// first, and return the typed errors of errors.go. A backend applies its own
// default timeout when ctx has no deadline.
type Store interface {
	// AppendBatch appends to many streams in one transaction: each request
	// commits with all its events or writes nothing.
	//
	// The returned error is non-nil when the batch as a whole failed and
	// nothing was written: *InputError (checked before any I/O, naming the
	// bad field), *ConnectionError after transient failures were retried,
	// ErrClosed, or the context's error. Otherwise there is one result per
	// request, in order: a request whose expectation fails (or that reuses an
	// event ID of another stream) has its Err set and wrote nothing, while
	// the other requests committed. Positions are assigned in commit order;
	// a failed request uses up no position; the events of one request get
	// contiguous positions (FirstPosition..LastPosition, in version order).
	//
	// A request all of whose event IDs are already stored in that stream,
	// at contiguous versions and in the same order, is an idempotent retry:
	// it writes nothing and its result describes those stored events (for a
	// whole earlier append, its original result), with Idempotent set,
	// whatever its expected version. Stores keep no record of where one
	// append ended, so a contiguous in-order part of an earlier append counts
	// too. A request that mixes stored and new IDs, or names an ID stored in
	// another stream, gets a *DuplicateEventError. A stream may appear in only one request per batch.
	//
	// Requests with the same non-zero Group are a transaction: they commit
	// together or not at all (see AppendRequest.Group).
	AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error)

	// ReadStream returns up to r.Limit events of one stream from r.From,
	// in r.Direction. It returns *StreamNotFoundError when the stream has no
	// events, and an empty slice when From is past the stream's end.
	ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error)

	// ReadAll returns up to r.Limit events of all streams in global order
	// from r.From, in r.Direction, that pass r.Filter (evaluated by the
	// database). A forward reader that has seen position P never later finds
	// a newly committed event below P.
	ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error)

	// Head returns the stream's newest version and position; Version is 0
	// and the error nil when the stream has no events.
	Head(ctx context.Context, stream string) (eventstore.StreamHead, error)

	// LookupEvents returns the stored events of stream whose IDs are in ids
	// (those not stored in that stream are absent from the result), in
	// version order. Stream actors use it to answer retries idempotently.
	LookupEvents(ctx context.Context, stream string, ids []eventstore.EventID) ([]eventstore.RecordedEvent, error)

	// Checkpoint returns the position stored under name and true, or 0 and
	// false when there is none.
	Checkpoint(ctx context.Context, name string) (eventstore.Position, bool, error)

	// SetCheckpoint stores pos under name, replacing what was there.
	SetCheckpoint(ctx context.Context, name string, pos eventstore.Position) error

	// Notifications returns a channel that receives the newest committed
	// global position after commits: on PostgreSQL including commits by
	// other processes that share the database; on the embedded store only
	// commits made through this Store value. Signals coalesce: a slow reader sees the
	// newest position, not every one. After a lost connection the store
	// sends the newest position once it is back, so a gap in signals never
	// hides events. The channel is closed when ctx ends or the store closes.
	Notifications(ctx context.Context) (<-chan eventstore.Position, error)

	// LastPosition returns the newest committed global position (0 if none).
	LastPosition(ctx context.Context) (eventstore.Position, error)

	// Close releases the store's resources. Calls after Close return ErrClosed.
	Close() error
}
