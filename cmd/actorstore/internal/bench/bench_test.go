package bench

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/actorstore/actorstore/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkWritersVsRawBaselines runs the writers scenario and both raw
// baselines in one run on one PostgreSQL database (pgtest's) and reports
// the rates and ratios; run it with -benchtime 1x, once per paired sample:
//
//	go test -run '^$' -bench WritersVsRaw -benchtime 1x -count 5 ./cmd/actorstore/internal/bench
//
// ACTORSTORE_BENCH_DURATION sets each phase's duration (default 5s).
func BenchmarkWritersVsRawBaselines(b *testing.B) {
	d := 5 * time.Second
	if s := os.Getenv("ACTORSTORE_BENCH_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			b.Fatal(err)
		}
	}
	url := pgtest.Server(b).NewDatabase(b)
	var rep *Report
	for b.Loop() {
		var err error
		rep, err = Run(context.Background(), Config{PostgresURL: url, Baselines: true,
			Scenarios: []string{Writers}, Duration: d})
		if err != nil {
			b.Fatal(err)
		}
	}
	w := rep.Results[0]
	b.ReportMetric(w.Rate, "events/s")
	b.ReportMetric(float64(w.Latency.P99Us)/1000, "p99-ms")
	b.ReportMetric(rep.Baselines[0].Rate, "raw-gc-events/s")
	b.ReportMetric(rep.Baselines[1].Rate, "raw-tx-events/s")
	b.ReportMetric(w.Ratios[BaselineGroupCommit], "x-raw-gc")
	b.ReportMetric(w.Ratios[BaselineTxPerEvent], "x-raw-tx")
}

// BenchmarkGrowth runs the growth scenario (writers, then ten million
// events written straight into the tables, then writers again) on each
// backend: the embedded store in a temporary directory and pgtest's
// PostgreSQL. It reports both phases' rates and p99 and their ratios
// (x-rate: preloaded over empty, target >= 0.9; x-p99: preloaded over
// empty, target <= 1.1). It takes minutes, so it is never part of a test
// run:
//
//	go test -run '^$' -bench Growth -benchtime 1x -timeout 60m ./cmd/actorstore/internal/bench
//
// ACTORSTORE_BENCH_DURATION sets each measured phase (default 10s),
// ACTORSTORE_BENCH_GROWTH_EVENTS the preload (default 10,000,000),
// ACTORSTORE_BENCH_EVENT_IDS the writers' event IDs (random or
// time-ordered; the preload's are random).
func BenchmarkGrowth(b *testing.B) {
	d := 10 * time.Second
	if s := os.Getenv("ACTORSTORE_BENCH_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			b.Fatal(err)
		}
	}
	n := DefaultGrowthEvents
	if s := os.Getenv("ACTORSTORE_BENCH_GROWTH_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	for _, backend := range []string{"embedded", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			c := Config{Scenarios: []string{Growth}, Duration: d, GrowthEvents: n, DataDir: b.TempDir(),
				EventIDs: os.Getenv("ACTORSTORE_BENCH_EVENT_IDS")}
			if backend == "postgres" {
				c.DataDir, c.PostgresURL = "", pgtest.Server(b).NewDatabase(b)
			}
			var rep *Report
			for b.Loop() {
				var err error
				if rep, err = Run(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
			empty, full := rep.Results[0], rep.Results[1]
			b.Log(full.Note)
			b.ReportMetric(empty.Rate, "empty-events/s")
			b.ReportMetric(full.Rate, "preloaded-events/s")
			b.ReportMetric(float64(empty.Latency.P99Us)/1000, "empty-p99-ms")
			b.ReportMetric(float64(full.Latency.P99Us)/1000, "preloaded-p99-ms")
			b.ReportMetric(full.Rate/empty.Rate, "x-rate")
			b.ReportMetric(float64(full.Latency.P99Us)/float64(empty.Latency.P99Us), "x-p99")
			b.ReportMetric(0, "ns/op")
		})
	}
}
