package streams

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a Runtime's counters.
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
	// and reads that went to the store.
	CacheHits   int64
	CacheMisses int64
	// Batches counts group commits; BatchedEvents and BatchedRequests their
	// events and requests in all; MaxBatchEvents the largest batch.
	Batches         int64
	BatchedEvents   int64
	BatchedRequests int64
	MaxBatchEvents  int64
	// CommitTime is the time spent in Store.AppendBatch, all batches together.
	CommitTime time.Duration
}

// counters are the live, concurrently updated form of Stats.
type counters struct {
	live, activations, passivations, restarts atomic.Int64
	hits, misses                              atomic.Int64
	batches, batchedEvents, batchedRequests   atomic.Int64
	maxBatch                                  atomic.Int64
	commitNanos                               atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		LiveStreams: c.live.Load(), Activations: c.activations.Load(),
		Passivations: c.passivations.Load(), Restarts: c.restarts.Load(),
		CacheHits: c.hits.Load(), CacheMisses: c.misses.Load(),
		Batches: c.batches.Load(), BatchedEvents: c.batchedEvents.Load(),
		BatchedRequests: c.batchedRequests.Load(), MaxBatchEvents: c.maxBatch.Load(),
		CommitTime: time.Duration(c.commitNanos.Load()),
	}
}

func (c *counters) batch(events, requests int) {
	c.batches.Add(1)
	c.batchedEvents.Add(int64(events))
	c.batchedRequests.Add(int64(requests))
	for {
		m := c.maxBatch.Load()
		if int64(events) <= m || c.maxBatch.CompareAndSwap(m, int64(events)) {
			return
		}
	}
}
