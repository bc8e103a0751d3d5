package bench

import (
	"context"
	"os"
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
