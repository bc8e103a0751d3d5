package streams

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// entityPage is how many events one read of an entity's load takes.
const entityPage = 1_000

// loadEntity folds the entity's state in a goroutine, off the mailbox:
// fresh, from the newest snapshot of the codec's schema version (else from
// Init); otherwise from the current state; with every event after it in
// the store. The
// result comes back as an *entityLoaded. The actor does not touch the
// state meanwhile (loading).
func (s *streamActor) loadEntity(c actors.Context, fresh bool) {
	e := s.ent
	e.loading = true
	e.epoch++
	self, epoch, stream, sh, kind := c.Self(), e.epoch, s.stream, s.sh, e.kind
	state, version, snapVer := e.state, e.version, e.snapVer
	sh.goIO(func() {
		ctx, cancel := context.WithTimeout(sh.ctx, sh.cfg.RequestTimeout)
		defer cancel()
		m := &entityLoaded{epoch: epoch, state: state, version: version, snapVer: snapVer}
		if fresh {
			sh.ent.loads.Add(1)
			m.state, m.version, m.snapVer, m.err = startState(ctx, sh, stream, kind)
		}
		if m.err == nil {
			m.state, m.version, m.err = foldFrom(ctx, sh.store, stream, kind, m.state, m.version)
		}
		sh.sys.Send(self, m)
	})
}

// startState is the state a load starts from: the newest snapshot when it
// has the codec's schema version, else Init's state at version 0. A
// snapshot of another schema version is counted and ignored.
func startState(ctx context.Context, sh *shared, stream string, kind *EntityKind) (
	state any, version, snapVer eventstore.Version, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &eventstore.EntityError{Stream: stream, Op: "init or decode snapshot", Err: panicError(v)}
		}
	}()
	ss, ok := sh.store.(persistence.SnapshotStore)
	if kind.Codec == nil || !ok {
		return kind.Init(), 0, 0, nil
	}
	snap, found, err := ss.LoadSnapshot(ctx, stream)
	switch {
	case err != nil:
		return nil, 0, 0, err
	case !found:
		return kind.Init(), 0, 0, nil
	case snap.SchemaVersion != kind.Codec.SchemaVersion:
		sh.ent.snapshotsIgnored.Add(1)
		return kind.Init(), 0, 0, nil
	}
	st, err := kind.Codec.Decode(snap.State)
	if err != nil {
		return nil, 0, 0, &eventstore.EntityError{Stream: stream, Op: "decode snapshot", Err: err}
	}
	sh.ent.snapshotsLoaded.Add(1)
	return st, snap.Version, snap.Version, nil
}

// foldFrom folds every stored event of stream after version into state.
func foldFrom(ctx context.Context, store persistence.Store, stream string, kind *EntityKind, state any,
	version eventstore.Version) (_ any, _ eventstore.Version, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &eventstore.EntityError{Stream: stream, Op: "fold", Err: panicError(v)}
		}
	}()
	for {
		evs, err := store.ReadStream(ctx, eventstore.StreamRead{Stream: stream, From: version + 1,
			Direction: eventstore.Forward, Limit: entityPage})
		var nf *eventstore.StreamNotFoundError
		if errors.As(err, &nf) {
			return state, version, nil
		}
		if err != nil {
			return nil, 0, withStream(err, stream)
		}
		for i := range evs {
			state = kind.Fold(state, evs[i])
			version = evs[i].Version
		}
		if len(evs) < entityPage {
			return state, version, nil
		}
	}
}

// onEntityLoaded installs a loaded state, or fails the waiting commands
// with the load's error (the next command loads again).
func (s *streamActor) onEntityLoaded(c actors.Context, m *entityLoaded) {
	e := s.ent
	if e == nil || !e.loading || m.epoch != e.epoch {
		return
	}
	e.loading = false
	if m.err != nil {
		var ee *eventstore.EntityError
		if errors.As(m.err, &ee) {
			s.sh.ent.failures.Add(1)
		}
		s.failEntityCmds(c, m.err)
		return
	}
	e.state, e.version, e.snapVer, e.loaded = m.state, m.version, m.snapVer, true
	// Deleted events and events outside the retention are not folded: a
	// state with none after them stands at the newest hidden version
	// (stream_delete.go).
	e.version = s.entityFloor(e.version)
	s.maybeSnapshot(c, false)
}
