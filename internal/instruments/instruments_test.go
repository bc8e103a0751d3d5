package instruments_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/actorstore/actorstore/internal/instruments"
)

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkOperation is what measuring one API call costs: Start and End
// with telemetry off (no-op providers), with metrics (SDK meter provider),
// and with metrics and tracing (SDK tracer, always sampled, batching to
// an exporter that discards).
func BenchmarkOperation(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	for _, c := range []struct {
		name string
		tel  *instruments.Set
	}{{"off", instruments.Disabled()}, {"metrics", must(instruments.New(mp, nil))}, {"metrics+tracing", must(instruments.New(mp, tp))}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				ctx, _, op := c.tel.Start(context.Background(), instruments.OpAppend)
				op.End(ctx, nil)
			}
			// CPU time, less inflated than wall time on a loaded machine.
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

func must(t *instruments.Set, err error) *instruments.Set {
	if err != nil {
		panic(err)
	}
	return t
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
