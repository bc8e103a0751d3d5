package actorstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// telemetryRounds counts runs of BenchmarkAppendTelemetry (-count).
var telemetryRounds atomic.Int64

// discardExporter is a span exporter that drops what it is given: the
// SDK's whole pipeline (span creation, batching) runs, nothing is sent.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkAppendTelemetry: 64 writers append single ~200-byte events to
// their own streams, with telemetry off (no-op meter provider, no
// tracer), with metrics (the store's SDK meter provider, the default),
// and with metrics and tracing (every operation traced by an SDK tracer
// provider sampling always, batching to an exporter that discards),
// interleaved in one run on each backend (target, issue 7: at most 5%
// lower with it on). Run with -count 6 and compare with benchstat
// (docs/benchmarks.md).
func BenchmarkAppendTelemetry(b *testing.B) {
	srv := pgtest.Server(b)
	backends := []struct {
		name string
		cfg  func(b *testing.B) actorstore.Config
	}{
		{"postgres", func(b *testing.B) actorstore.Config {
			return actorstore.Config{PostgresURL: srv.NewDatabase(b)}
		}},
		{"embedded", func(b *testing.B) actorstore.Config { return actorstore.Config{DataDir: b.TempDir()} }},
	}
	// The variants run in a rotated order on each -count round, so that
	// neither warm-up nor the previous variant's leftovers (PostgreSQL's
	// caches, the disk's write-back) favour one of them.
	modes := []string{"off", "metrics", "metrics+tracing"}
	round := int(telemetryRounds.Add(1))
	modes = append(modes[round%3:], modes[:round%3]...)
	for _, be := range backends {
		for _, mode := range modes {
			b.Run(be.name+"/"+mode, func(b *testing.B) {
				cfg := be.cfg(b)
				cfg.MeterProvider = metricnoop.NewMeterProvider()
				if mode != "off" {
					cfg.MeterProvider = nil // the store's own SDK provider, as /metrics reads it
				}
				if mode == "metrics+tracing" {
					tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
						sdktrace.WithBatcher(discardExporter{}))
					b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
					cfg.TracerProvider = tp
				}
				st := benchStore(b, cfg)
				prefix := uuid.NewString()[:8]
				cpu0 := processCPU()
				runWriters(b, 64, func(w, _ int) error {
					_, err := st.Append(context.Background(), fmt.Sprintf("%s-%d", prefix, w), actorstore.Any(),
						actorstore.EventData{ID: uuid.New(), Type: "OrderPlaced", Data: benchPayload})
					return err
				})
				// CPU of this process (not PostgreSQL's) per event: less
				// sensitive than events/s to other load on the machine.
				b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/event")
			})
		}
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
