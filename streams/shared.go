package streams

import (
	"context"
	"sync"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/persistence"
)

// shared is what every actor of a Runtime reads: immutable after New, except
// counters (atomic) and wg.
type shared struct {
	cfg   Config
	store persistence.Store
	sys   *actors.System
	log   zerolog.Logger
	stats *counters
	live  *liveMap       // the live stream actors, published by the registry (live.go)
	kinds kindRegistry   // entity kinds (entity.go)
	ent   entityCounters // (entity_snapshot.go)
	// ctx lives until the Runtime is closed; background I/O uses it.
	ctx context.Context
	// loads holds a token per stream actor reading its head (Config.MaxLoads).
	loads chan struct{}
	// wg counts background goroutines (loads, commits) so Close waits for them.
	wg sync.WaitGroup
}

// loadTurn waits for one of Config.MaxLoads turns to read a stream's
// head and recent events from the store, and returns the function that
// gives it back, or ctx's error (ADR 0036).
func (sh *shared) loadTurn(ctx context.Context) (func(), error) {
	select {
	case sh.loads <- struct{}{}:
		return func() { <-sh.loads }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// goIO runs f in a goroutine that Close waits for.
func (sh *shared) goIO(f func()) {
	sh.wg.Add(1)
	go func() {
		defer sh.wg.Done()
		f()
	}()
}
