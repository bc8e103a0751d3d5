package actorstore

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/instruments"
	"github.com/actorstore/actorstore/projections"
)

// Projections: read models fed from the store (docs/projections.md,
// docs/adr/0019-projections.md). The types are package projections' own,
// aliased here so embedders need one import.
type (
	// Projection describes a named, versioned read model.
	Projection = projections.Projection
	// ProjectionTx is the transaction on the store's own database
	// (pgx.Tx on PostgreSQL, *sql.Tx on the embedded store) in which the
	// exactly-once handler runs and the checkpoint commits.
	ProjectionTx = projections.Tx
	// ProjectionTxHandler is the exactly-once handler.
	ProjectionTxHandler = projections.TxHandler
	// ProjectionHandler is the at-least-once handler (read models elsewhere).
	ProjectionHandler = projections.Handler
	// ProjectionRunner runs a projection's partitions in this process.
	ProjectionRunner = projections.Runner
	// ProjectionStatus is what StatusOf reports for one version.
	ProjectionStatus = projections.Status
	// ProjectionParkedEvent is an event a projection gave up on.
	ProjectionParkedEvent = projections.ParkedEvent
	// ProjectionFailurePolicy: ProjectionStop or ProjectionSkipAndPark.
	ProjectionFailurePolicy = projections.FailurePolicy
)

// Failure policies of a projection.
const (
	ProjectionStop        = projections.Stop
	ProjectionSkipAndPark = projections.SkipAndPark
)

// RunProjection starts p's partitions in this process; each runs only while
// this process holds its lease, so among all processes on the database each
// partition runs in one. Store.Close stops it (or ProjectionRunner.Close).
// Its metrics (batch size and time, errors, parked events, lag) go to the
// store's meter provider unless p.Observer is set. Errors:
// *InputError for a bad Projection, database errors.
func (s *Store) RunProjection(ctx context.Context, p Projection) (*ProjectionRunner, error) {
	if p.Observer == nil {
		mp := s.cfg.MeterProvider
		if mp == nil && s.mp != nil {
			mp = s.mp
		}
		obs, err := instruments.NewProjections(mp)
		if err != nil {
			return nil, err
		}
		p.Observer = obs
	}
	r, err := projections.Run(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	s.projMu.Lock()
	defer s.projMu.Unlock()
	s.projRunners = append(s.projRunners, r)
	return r, nil
}

// ProjectionStatus returns the status of every version of projection name
// (all projections when name is empty): version, live, position, lag in
// events and seconds, state, parked count, last error, partition owners.
func (s *Store) ProjectionStatus(ctx context.Context, name string) ([]ProjectionStatus, error) {
	return projections.StatusOf(ctx, s.db, name)
}

// LiveProjectionVersion returns the version of projection name that reads
// should use: the first version run, until a newer one has caught up.
func (s *Store) LiveProjectionVersion(ctx context.Context, name string) (int, error) {
	return projections.LiveVersion(ctx, s.db, name)
}

// PromoteProjection makes version the live version of projection name.
func (s *Store) PromoteProjection(ctx context.Context, name string, version int) error {
	return projections.Promote(ctx, s.db, name, version)
}

// DropProjection forgets a version that is not live (its checkpoints,
// parked events, leases); its tables are the caller's to drop.
func (s *Store) DropProjection(ctx context.Context, name string, version int) error {
	return projections.Drop(ctx, s.db, name, version)
}

// ResetProjection moves a projection version back to position to (0 to
// rebuild it in place) and clears its parked events.
func (s *Store) ResetProjection(ctx context.Context, name string, version int, to uint64) error {
	return projections.Reset(ctx, s.db, name, version, to)
}

// ProjectionParked lists the events a projection version parked.
func (s *Store) ProjectionParked(ctx context.Context, name string, version int) ([]ProjectionParkedEvent, error) {
	return projections.Parked(ctx, s.db, name, version)
}

// RetryProjectionParked retries the event parked at position. A stopped
// event (ProjectionStop) is retried by the partition it holds, wherever
// that runs. A skipped one (ProjectionSkipAndPark) needs the handler: it
// is handed to it here when this Store runs that version
// (ProjectionRunner.RetryParked); otherwise the call fails with an
// *InputError and the process running the projection must retry it.
func (s *Store) RetryProjectionParked(ctx context.Context, name string, version int, position uint64) error {
	err := projections.RetryParked(ctx, s.db, name, version, position)
	var in *eventstore.InputError
	if !errors.As(err, &in) || in.Rule != "kind" {
		return err
	}
	if r := s.projectionRunner(name, version); r != nil {
		return r.RetryParked(ctx, position)
	}
	return err
}

// projectionRunner returns this Store's running runner of the version, or nil.
func (s *Store) projectionRunner(name string, version int) *ProjectionRunner {
	s.projMu.Lock()
	defer s.projMu.Unlock()
	for _, r := range s.projRunners {
		select {
		case <-r.Done():
			continue
		default:
		}
		if n, v := r.Projection(); n == name && v == version {
			return r
		}
	}
	return nil
}

// SkipProjectionParked gives up on the parked event at position.
func (s *Store) SkipProjectionParked(ctx context.Context, name string, version int, position uint64) error {
	return projections.SkipParked(ctx, s.db, name, version, position)
}

// closeProjections stops the runners started with RunProjection.
func (s *Store) closeProjections() {
	s.projMu.Lock()
	rs := s.projRunners
	s.projRunners = nil
	s.projMu.Unlock()
	for _, r := range rs {
		_ = r.Close()
	}
}
