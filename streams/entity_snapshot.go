package streams

import (
	"context"
	"sync/atomic"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// maybeSnapshot stores a snapshot of the entity's state when its policy
// asks for one: every N events folded since the last snapshot, or on
// passivation (passivating) when any were. The state is encoded in the
// actor and written in a goroutine; a failed write is logged and counted
// (a snapshot only shortens the next load).
func (s *streamActor) maybeSnapshot(c actors.Context, passivating bool) {
	e := s.ent
	if e == nil || !e.loaded || e.kind.Codec == nil || e.version == 0 || e.version <= e.snapVer {
		return
	}
	p := e.kind.Snapshots
	due := (p.Every > 0 && e.version-e.snapVer >= uint64(p.Every)) || (passivating && p.OnPassivation)
	ss, ok := s.sh.store.(persistence.SnapshotStore)
	if !due || !ok {
		return
	}
	state, err := s.encodeState(e)
	if err != nil {
		s.sh.ent.snapshotErrors.Add(1)
		s.sh.log.Warn().Str("stream", s.stream).Err(err).Msg("entity snapshot not encoded")
		return
	}
	snap := eventstore.Snapshot{Stream: s.stream, Version: e.version, SchemaVersion: e.kind.Codec.SchemaVersion, State: state}
	e.snapVer = e.version
	sh := s.sh
	sh.goIO(func() {
		// Not cancelled by Close: a snapshot taken on passivation at Close
		// is written before the Runtime closes (bounded by RequestTimeout).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(sh.ctx), sh.cfg.RequestTimeout)
		defer cancel()
		if err := ss.SaveSnapshot(ctx, snap); err != nil {
			sh.ent.snapshotErrors.Add(1)
			sh.log.Warn().Str("stream", snap.Stream).Uint64("version", snap.Version).Err(err).Msg("entity snapshot not stored")
			return
		}
		sh.ent.snapshotsSaved.Add(1)
	})
}

func (s *streamActor) encodeState(e *entityState) (b []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	return e.kind.Codec.Encode(e.state)
}

// EntityStats counts what the Runtime's entities did.
type EntityStats struct {
	// Loads counts entity states loaded from the store (activation, or
	// after a failure of the entity's code).
	Loads int64
	// SnapshotsLoaded counts loads that started from a snapshot;
	// SnapshotsIgnored snapshots skipped for another schema version.
	SnapshotsLoaded  int64
	SnapshotsIgnored int64
	// SnapshotsSaved counts snapshots stored; SnapshotErrors those that
	// could not be encoded or stored.
	SnapshotsSaved int64
	SnapshotErrors int64
	// Rejections counts commands the handler refused; Failures panics and
	// errors of the entity's code; Redecided commands decided again after
	// another writer won the stream.
	Rejections int64
	Failures   int64
	Redecided  int64
}

type entityCounters struct {
	loads, snapshotsLoaded, snapshotsIgnored, snapshotsSaved, snapshotErrors atomic.Int64
	rejections, failures, redecided                                          atomic.Int64
}

// EntityStats returns a snapshot of the entity counters.
func (n *Runtime) EntityStats() EntityStats {
	c := &n.sh.ent
	return EntityStats{Loads: c.loads.Load(), SnapshotsLoaded: c.snapshotsLoaded.Load(),
		SnapshotsIgnored: c.snapshotsIgnored.Load(), SnapshotsSaved: c.snapshotsSaved.Load(),
		SnapshotErrors: c.snapshotErrors.Load(), Rejections: c.rejections.Load(),
		Failures: c.failures.Load(), Redecided: c.redecided.Load()}
}
