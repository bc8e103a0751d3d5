package actorstore

import (
	"context"
	"fmt"
	"slices"
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
	// CheckActors: the actor system runs, every vital actor of it (the
	// stream guardian, the subscription hub, a node's API actor: see
	// actors.System.MarkVital) is running, and the hub answers a request.
	// It fails once the Store is closed.
	CheckActors = "actors"
	// CheckCluster: the node has joined its cluster (its membership saw a
	// topology that includes it). Present only on clustered nodes: they add
	// it with AddHealthCheck(CheckCluster, node.Node.ClusterHealth).
	CheckCluster = "cluster"
)

// HealthCheck is the outcome of one check of a HealthReport.
type HealthCheck struct {
	// Name is one of CheckDatabase, CheckMigrations, CheckActors, CheckCluster,
	// or a name given to AddHealthCheck.
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
// applied, actor system running, and any added with AddHealthCheck) and
// reports each, in the order they were added. The checks run at the same
// time, each bounded by ctx's deadline or DefaultHealthTimeout when ctx
// has none. Health is safe for concurrent use and may be called after
// Close (the database and actors checks then fail).
func (s *Store) Health(ctx context.Context) HealthReport {
	s.checksMu.RLock()
	named := slices.Clone(s.checks)
	s.checksMu.RUnlock()
	checks := make([]HealthCheck, len(named))
	var wg sync.WaitGroup
	for i, c := range named {
		if c.run == nil {
			checks[i] = HealthCheck{Name: c.name, OK: true}
			continue
		}
		wg.Go(func() { checks[i] = runCheck(ctx, c.name, c.run) })
	}
	wg.Wait()
	r := HealthReport{OK: true, Checks: checks}
	for _, c := range checks {
		r.OK = r.OK && c.OK
	}
	return r
}

// namedCheck is one readiness check; run nil always passes.
type namedCheck struct {
	name string
	run  func(context.Context) error
}

func (s *Store) defaultChecks() []namedCheck {
	return []namedCheck{{CheckDatabase, s.checkDatabase}, {CheckMigrations, nil}, {CheckActors, s.checkActors}}
}

// AddHealthCheck adds a readiness check named name to Health (and so to
// /readyz and the peers' HealthRequest): check returns nil when ready, or
// an error saying what is wrong (no secrets). It runs with the other
// checks, bounded by the same timeout. A second check of the same name
// replaces the first. Safe for concurrent use.
func (s *Store) AddHealthCheck(name string, check func(ctx context.Context) error) {
	s.checksMu.Lock()
	defer s.checksMu.Unlock()
	for i := range s.checks {
		if s.checks[i].name == name {
			s.checks[i].run = check
			return
		}
	}
	s.checks = append(s.checks, namedCheck{name, check})
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
	if err := s.sys.CheckVital(); err != nil {
		return fmt.Errorf("actor system not serving: %w", err)
	}
	if _, err := s.hub.Stats(ctx); err != nil {
		return fmt.Errorf("actor system not running (subscription hub does not answer): %w", err)
	}
	return nil
}
