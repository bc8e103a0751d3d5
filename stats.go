package actorstore

import "time"

// Stats are the counters of a Store's stream actors and group-commit
// writer, since Open. A snapshot; safe to copy.
type Stats struct {
	// LiveStreams is the number of stream actors running now (a passivated
	// actor counts until it has terminated).
	LiveStreams int64
	// Activations counts stream actors started; Passivations those stopped
	// for idleness or by the live-actor cap.
	Activations  int64
	Passivations int64
	// Restarts counts stream actor failures that led to a restart.
	Restarts int64
	// CacheHits and CacheMisses count reads served by a stream actor's cache
	// and reads that went to the database.
	CacheHits   int64
	CacheMisses int64
	// Batches counts group commits; BatchedEvents and BatchedRequests their
	// events and requests in all; MaxBatchEvents the largest batch.
	Batches         int64
	BatchedEvents   int64
	BatchedRequests int64
	MaxBatchEvents  int64
	// CommitTime is the time spent committing batches, all together.
	CommitTime time.Duration
}
