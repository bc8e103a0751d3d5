package instruments

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

// Projection attribute keys.
const (
	KeyProjection = attribute.Key("actorstore.projection")
	KeyVersion    = attribute.Key("actorstore.projection.version")
	KeyPartition  = attribute.Key("actorstore.projection.partition")
)

// Projections records what projections do (it implements
// projections.Observer). Safe for concurrent use.
type Projections struct {
	batchSize                metric.Int64Histogram
	batchDur                 metric.Float64Histogram
	events, failures, parked metric.Int64Counter
	lagSeconds               metric.Float64Gauge
	lagEvents                metric.Int64Gauge
}

// NewProjections creates the projection instruments with mp (nil: none).
func NewProjections(mp metric.MeterProvider) (*Projections, error) {
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	m := mp.Meter(ScopeName)
	p := &Projections{}
	var errs [7]error
	p.batchSize, errs[0] = m.Int64Histogram("actorstore.projection.batch.size", metric.WithUnit("{event}"),
		metric.WithDescription("Events in one committed projection batch."),
		metric.WithExplicitBucketBoundaries(batchBuckets...))
	p.batchDur, errs[1] = m.Float64Histogram("actorstore.projection.batch.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of one projection batch: handler and checkpoint commit."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
	p.events, errs[2] = m.Int64Counter("actorstore.projection.events", metric.WithUnit("{event}"),
		metric.WithDescription("Events handled and committed by projections."))
	p.failures, errs[3] = m.Int64Counter("actorstore.projection.errors", metric.WithUnit("{error}"),
		metric.WithDescription("Failed projection batch attempts (handler or database); each is retried."))
	p.parked, errs[4] = m.Int64Counter("actorstore.projection.parked", metric.WithUnit("{event}"),
		metric.WithDescription("Events a projection parked (skipped, or stopping their partition)."))
	p.lagSeconds, errs[5] = m.Float64Gauge("actorstore.projection.lag", metric.WithUnit("s"),
		metric.WithDescription("Age of the newest event a projection partition committed, at its commit."))
	p.lagEvents, errs[6] = m.Int64Gauge("actorstore.projection.lag.events", metric.WithUnit("{event}"),
		metric.WithDescription("Positions committed to the store after a projection partition's checkpoint, at its commit."))
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

func attrs(name string, version, part int) metric.MeasurementOption {
	return metric.WithAttributes(KeyProjection.String(name), KeyVersion.Int(version), KeyPartition.Int(part))
}

// Batch records a committed batch of n events that took d.
func (p *Projections) Batch(name string, version, part, n int, d time.Duration) {
	a := attrs(name, version, part)
	p.batchSize.Record(context.Background(), int64(n), a)
	p.batchDur.Record(context.Background(), d.Seconds(), a)
	p.events.Add(context.Background(), int64(n), a)
}

// Failed records a failed batch attempt.
func (p *Projections) Failed(name string, version, part int) {
	p.failures.Add(context.Background(), 1, attrs(name, version, part))
}

// Parked records a parked event.
func (p *Projections) Parked(name string, version, part int) {
	p.parked.Add(context.Background(), 1, attrs(name, version, part))
}

// Lag records a partition's lag in positions and seconds.
func (p *Projections) Lag(name string, version, part int, positions uint64, seconds float64) {
	a := attrs(name, version, part)
	p.lagSeconds.Record(context.Background(), seconds, a)
	p.lagEvents.Record(context.Background(), int64(min(positions, 1<<62)), a)
}
