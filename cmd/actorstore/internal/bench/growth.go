package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// generator writes synthetic events straight into a target's tables (the
// embedded store's file, the PostgreSQL database), bypassing the API:
// ten million events through appends would take most of an hour.
type generator interface {
	generate(ctx context.Context, g persistence.Synthetic) (int64, error)
}

var _ generator = (*storeTarget)(nil)

// generate closes the store, writes g's events and opens the store again:
// a store that grew by appends has had its subscription feed and caches
// keep up with them, while one open during a bulk write would read them
// all at its next commit (the feed delivers without gaps).
func (t *storeTarget) generate(ctx context.Context, g persistence.Synthetic) (int64, error) {
	if err := t.st.Close(ctx); err != nil {
		return 0, err
	}
	var n int64
	var err error
	if t.cfg.PostgresURL != "" {
		n, err = postgres.Generate(ctx, t.cfg.PostgresURL, g)
	} else {
		n, err = sqlite.Generate(ctx, filepath.Join(t.cfg.DataDir, actorstore.EmbeddedFileName), g)
	}
	st, oerr := actorstore.Open(ctx, t.cfg)
	if oerr != nil {
		return n, errors.Join(err, oerr)
	}
	t.st = st
	return n, err
}

// growth measures the writers scenario on the store as it is (empty when
// the run starts with it on a new store), writes c.GrowthEvents synthetic
// events in streams of GrowthPerStream, and measures the writers again on
// new streams. The second result's note gives its rate and p99 as ratios
// of the first's.
func (r *runner) growth(ctx context.Context, t Target) ([]Result, error) {
	gen, ok := t.(generator)
	if !ok {
		return nil, fmt.Errorf("the %s target cannot be preloaded", r.c.TargetKind())
	}
	empty := r.writers(ctx, t, GrowthEmpty, func(i int) string { return r.stream("ge", i) })
	out := []Result{empty}
	r.progress(Growth+" (preload)", 0)
	t0 := time.Now()
	n, err := gen.generate(ctx, persistence.Synthetic{Events: r.c.GrowthEvents, PerStream: GrowthPerStream,
		Prefix: r.stream("gs", 0) + "-", Type: "BenchEvent", Data: r.payload()})
	took := time.Since(t0)
	r.done++
	if err != nil {
		out = append(out, Result{Name: GrowthPreloaded, Preloaded: n})
		return out, fmt.Errorf("preload: %w", err)
	}
	full := r.writers(ctx, t, GrowthPreloaded, func(i int) string { return r.stream("gp", i) })
	full.Preloaded = n
	full.Note = fmt.Sprintf("after %d events preloaded in %s (%.0f events/s): %.2fx the rate of %s, p99 %.2fx",
		n, took.Round(time.Second), float64(n)/took.Seconds(), ratio(full.Rate, empty.Rate), GrowthEmpty,
		ratio(float64(full.Latency.P99Us), float64(empty.Latency.P99Us)))
	return append(out, full), nil
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
