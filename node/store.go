package node

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// Store is what a node serves: the data-plane Go API of
// *actorstore.Store. Its methods must be safe for concurrent use. What a
// node needs of the store's inside (its actor system, stream counters,
// passivation) comes with Config.Engine.
type Store interface {
	Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion,
		events ...eventstore.EventData) (eventstore.AppendResult, error)
	Transact(ctx context.Context, reqs ...eventstore.AppendRequest) ([]eventstore.AppendResult, error)
	ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error)
	ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error)
	Head(ctx context.Context, stream string) (eventstore.StreamHead, error)
}
