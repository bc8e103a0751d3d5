package node

import (
	"context"

	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/streams"
)

// Store is what a node serves: the Go API of *actorstore.Store. Its
// methods must be safe for concurrent use.
type Store interface {
	Append(ctx context.Context, stream string, expected persistence.ExpectedVersion,
		events ...persistence.EventData) (persistence.AppendResult, error)
	Transact(ctx context.Context, reqs ...persistence.AppendRequest) ([]persistence.AppendResult, error)
	ReadStream(ctx context.Context, r persistence.StreamRead) ([]persistence.RecordedEvent, error)
	ReadAll(ctx context.Context, r persistence.AllRead) ([]persistence.RecordedEvent, error)
	Head(ctx context.Context, stream string) (persistence.StreamHead, error)
	Stats() streams.Stats
}
