package streams

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/actorstore/actorstore/actors"
)

// The registry publishes the PID of every live stream actor in a liveMap,
// so that a caller sends its append or read straight to the stream actor
// (one actor hop less per call, and the registry is no longer a point every
// call passes through). A caller that finds no live actor, or one the
// registry is stopping, goes through the registry as before (ADR 0026).
//
// Passivation never loses a message: every message that counts as routed
// (see streamActor.Receive) is counted in its actor's liveRef before it is
// sent, by the caller or by the registry. The registry stops an actor only
// after closing its liveRef with a compare-and-swap from the count the
// idle actor reported having seen: the swap fails when anyone counted a
// message the actor has not yet seen, and once it succeeds nobody counts
// (and so sends) another one: they go through the registry, which spawns
// a new actor.

// refClosed is set in liveRef.n once the registry stops the actor.
const refClosed = uint64(1) << 63

// liveRef is a live stream actor's PID and the count of routed messages
// sent to it.
type liveRef struct {
	pid *actors.PID
	n   atomic.Uint64 // messages counted for the actor; refClosed once closed
}

// acquire counts one message for the actor, unless the registry has closed
// it; the caller then must send exactly one routed message to ref.pid.
func (r *liveRef) acquire() bool {
	for {
		v := r.n.Load()
		if v&refClosed != 0 {
			return false
		}
		if r.n.CompareAndSwap(v, v+1) {
			return true
		}
	}
}

// closeIf closes the ref if exactly seen messages were counted for it.
func (r *liveRef) closeIf(seen uint64) bool {
	return r.n.CompareAndSwap(seen, seen|refClosed)
}

// close closes the ref whatever was counted (the actor has stopped).
func (r *liveRef) close() {
	for {
		v := r.n.Load()
		if v&refClosed != 0 || r.n.CompareAndSwap(v, v|refClosed) {
			return
		}
	}
}

// count is the number of messages counted for the actor.
func (r *liveRef) count() uint64 { return r.n.Load() &^ refClosed }

const liveShards = 64

// liveMap maps streams to their live actors' refs. The registry writes
// it; callers read it concurrently.
type liveMap struct {
	seed   maphash.Seed
	shards [liveShards]liveShard
}

type liveShard struct {
	mu sync.RWMutex
	m  map[string]*liveRef
	_  [32]byte // keeps shards on separate cache lines
}

func newLiveMap() *liveMap {
	l := &liveMap{seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].m = make(map[string]*liveRef)
	}
	return l
}

func (l *liveMap) shard(stream string) *liveShard {
	return &l.shards[maphash.String(l.seed, stream)%liveShards]
}

// get returns the ref of stream's live actor, nil when none is published.
func (l *liveMap) get(stream string) *liveRef {
	s := l.shard(stream)
	s.mu.RLock()
	r := s.m[stream]
	s.mu.RUnlock()
	return r
}

func (l *liveMap) put(stream string, r *liveRef) {
	s := l.shard(stream)
	s.mu.Lock()
	s.m[stream] = r
	s.mu.Unlock()
}

// remove unpublishes r (and nothing published for stream since).
func (l *liveMap) remove(stream string, r *liveRef) {
	s := l.shard(stream)
	s.mu.Lock()
	if s.m[stream] == r {
		delete(s.m, stream)
	}
	s.mu.Unlock()
}
