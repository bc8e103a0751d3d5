package actorstore

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultHealthTimeout bounds each check of Store.Health when its ctx has
// no deadline.
const DefaultHealthTimeout = 2 * time.Second

// Names of the checks in a HealthReport.
const (
	// CheckDatabase: the database answers a query (the newest position).
	CheckDatabase = "database"
	// CheckMigrations: the schema migrations were applied. Open applies them
	// and fails when it cannot, so an open Store always passes.
	CheckMigrations = "migrations"
	// CheckActors: the actor system runs; its subscription hub actor
	// answers a request. It fails once the Store is closed.
	CheckActors = "actors"
	// CheckCluster: the node has joined its cluster (its membership saw a
	// topology that includes it). Present only on clustered nodes, after
	// SetClusterCheck.
	CheckCluster = "cluster"
)

// SetClusterCheck adds the CheckCluster check to Health; `actorstore
// serve --cluster-name` passes node.Node.ClusterHealth. Call it before
// serving health requests.
func (s *Store) SetClusterCheck(check func(context.Context) error) { s.clusterCheck = check }

// HealthCheck is the outcome of one check of a HealthReport.
type HealthCheck struct {
	// Name is one of CheckDatabase, CheckMigrations, CheckActors.
	Name string `json:"name"`
	// OK is true when the check passed.
	OK bool `json:"ok"`
	// Error says what is wrong when OK is false; it never carries a password.
	Error string `json:"error,omitempty"`
	// Duration is how long the check took.
	Duration time.Duration `json:"duration_ns"`
}

// HealthReport says whether the Store can serve requests: OK is true when
// every check passed.
type HealthReport struct {
	OK     bool          `json:"ok"`
	Checks []HealthCheck `json:"checks"`
}

// Health runs the store's readiness checks (database reachable, migrations
// applied, actor system running, cluster joined when clustered) and reports
// each. The checks run at the same time, each bounded by ctx's deadline or
// DefaultHealthTimeout when ctx has none. Health is safe for concurrent use and may be called
// after Close (the database and actors checks then fail).
func (s *Store) Health(ctx context.Context) HealthReport {
	checks := []HealthCheck{
		{Name: CheckDatabase}, {Name: CheckMigrations, OK: true}, {Name: CheckActors},
	}
	if s.clusterCheck != nil {
		checks = append(checks, HealthCheck{Name: CheckCluster})
	}
	var wg sync.WaitGroup
	wg.Go(func() { checks[0] = runCheck(ctx, CheckDatabase, s.checkDatabase) })
	wg.Go(func() { checks[2] = runCheck(ctx, CheckActors, s.checkActors) })
	if s.clusterCheck != nil {
		wg.Go(func() { checks[3] = runCheck(ctx, CheckCluster, s.clusterCheck) })
	}
	wg.Wait()
	r := HealthReport{OK: true, Checks: checks}
	for _, c := range checks {
		r.OK = r.OK && c.OK
	}
	return r
}

func runCheck(ctx context.Context, name string, check func(context.Context) error) HealthCheck {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultHealthTimeout)
		defer cancel()
	}
	start := time.Now()
	err := check(ctx)
	c := HealthCheck{Name: name, OK: err == nil, Duration: time.Since(start)}
	if err != nil {
		c.Error = err.Error()
	}
	return c
}

func (s *Store) checkDatabase(ctx context.Context) error {
	if _, err := s.db.LastPosition(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	return nil
}

func (s *Store) checkActors(ctx context.Context) error {
	if _, err := s.hub.Stats(ctx); err != nil {
		return fmt.Errorf("actor system not running (subscription hub does not answer): %w", err)
	}
	return nil
}
