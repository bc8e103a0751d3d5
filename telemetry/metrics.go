package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/subscriptions"
)

// ScopeName is the instrumentation scope of the store's instruments.
const ScopeName = "github.com/actorstore/actorstore/telemetry"

// hubStatsTimeout bounds the subscription hub's answer during a collection.
const hubStatsTimeout = time.Second

// StatsSource is what Register observes; the *engine.Engine that
// actorstore.OpenEngine returns implements it (and persistence.StatsReporter,
// for the database instruments).
type StatsSource interface {
	Stats() streams.Stats
	SubscriptionHub() *subscriptions.Hub
}

var _ StatsSource = (*engine.Engine)(nil)

// instruments are the store's asynchronous instruments.
type instruments struct {
	appended, requests, batches         metric.Int64ObservableCounter
	maxBatch, head                      metric.Int64ObservableGauge
	commitTime                          metric.Float64ObservableCounter
	live, subscriptions, groups         metric.Int64ObservableUpDownCounter
	activations, passivations, restarts metric.Int64ObservableCounter
	hits, misses                        metric.Int64ObservableCounter
	hitRatio                            metric.Float64ObservableGauge
	db                                  *dbInstruments
	flow                                *flowInstruments
}

// Register adds the store's instruments to mp; their values are read from
// src at each collection. Unregister the returned Registration to stop
// observing src (before closing the store). Safe to call for several
// stores and providers.
func Register(mp metric.MeterProvider, src StatsSource) (metric.Registration, error) {
	m := mp.Meter(ScopeName)
	ins, err := newInstruments(m)
	if err != nil {
		return nil, err
	}
	return m.RegisterCallback(ins.observe(src), ins.all()...)
}

// builder creates instruments on one meter, collecting their errors.
type builder struct {
	m    metric.Meter
	errs []error
}

func (b *builder) counter(name, unit, desc string) metric.Int64ObservableCounter {
	c, err := b.m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.errs = append(b.errs, err)
	return c
}

func (b *builder) upDown(name, unit, desc string) metric.Int64ObservableUpDownCounter {
	c, err := b.m.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.errs = append(b.errs, err)
	return c
}

func (b *builder) gauge(name, unit, desc string) metric.Int64ObservableGauge {
	g, err := b.m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.errs = append(b.errs, err)
	return g
}

func (b *builder) floatCounter(name, unit, desc string) metric.Float64ObservableCounter {
	c, err := b.m.Float64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.errs = append(b.errs, err)
	return c
}

func (b *builder) floatGauge(name, unit, desc string) metric.Float64ObservableGauge {
	g, err := b.m.Float64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	b.errs = append(b.errs, err)
	return g
}

func newInstruments(m metric.Meter) (*instruments, error) {
	b := &builder{m: m}
	counter, upDown, gauge := b.counter, b.upDown, b.gauge
	ins := &instruments{
		appended:      counter("actorstore.events.appended", "{event}", "Events committed by appends and transactions."),
		requests:      counter("actorstore.append.requests", "{request}", "Append requests committed (a transaction counts one per stream)."),
		batches:       counter("actorstore.commit.batches", "{batch}", "Group commits: database transactions that committed appends."),
		maxBatch:      gauge("actorstore.commit.batch.max_size", "{event}", "Events in the largest group commit since the store opened."),
		live:          upDown("actorstore.streams.live", "{actor}", "Stream actors running now."),
		activations:   counter("actorstore.streams.activations", "{actor}", "Stream actors started."),
		passivations:  counter("actorstore.streams.passivations", "{actor}", "Stream actors stopped for idleness or by the live-actor cap."),
		restarts:      counter("actorstore.streams.restarts", "{restart}", "Stream actor failures that led to a restart."),
		hits:          counter("actorstore.cache.hits", "{read}", "Stream reads served from a stream actor's cache."),
		misses:        counter("actorstore.cache.misses", "{read}", "Stream reads that went to the database."),
		subscriptions: upDown("actorstore.subscriptions.live", "{subscription}", "Subscriptions running now."),
		groups:        upDown("actorstore.subscriptions.groups", "{group}", "Consumer groups running now."),
		head:          gauge("actorstore.subscriptions.head", "{position}", "Newest global position the subscription hub has fanned out."),
	}
	ins.commitTime = b.floatCounter("actorstore.commit.time", "s",
		"Time spent committing group commits to the database, all batches together.")
	ins.hitRatio = b.floatGauge("actorstore.cache.hit_ratio", "1",
		"Cache hits over all stream reads since the store opened (absent before the first read).")
	ins.db = newDBInstruments(b)
	ins.flow = newFlowInstruments(b)
	return ins, errors.Join(b.errs...)
}

func (ins *instruments) all() []metric.Observable {
	all := []metric.Observable{ins.appended, ins.requests, ins.batches, ins.maxBatch, ins.commitTime,
		ins.live, ins.activations, ins.passivations, ins.restarts, ins.hits, ins.misses, ins.hitRatio,
		ins.subscriptions, ins.groups, ins.head}
	return append(append(all, ins.db.all()...), ins.flow.all()...)
}

// observe reports one snapshot of the stream counters and, when the hub
// answers in time, of the subscription hub.
func (ins *instruments) observe(src StatsSource) metric.Callback {
	return func(ctx context.Context, o metric.Observer) error {
		s := src.Stats()
		o.ObserveInt64(ins.appended, s.BatchedEvents)
		o.ObserveInt64(ins.requests, s.BatchedRequests)
		o.ObserveInt64(ins.batches, s.Batches)
		o.ObserveInt64(ins.maxBatch, s.MaxBatchEvents)
		o.ObserveFloat64(ins.commitTime, s.CommitTime.Seconds())
		o.ObserveInt64(ins.live, s.LiveStreams)
		o.ObserveInt64(ins.activations, s.Activations)
		o.ObserveInt64(ins.passivations, s.Passivations)
		o.ObserveInt64(ins.restarts, s.Restarts)
		o.ObserveInt64(ins.hits, s.CacheHits)
		o.ObserveInt64(ins.misses, s.CacheMisses)
		if reads := s.CacheHits + s.CacheMisses; reads > 0 {
			o.ObserveFloat64(ins.hitRatio, float64(s.CacheHits)/float64(reads))
		}
		ctx, cancel := context.WithTimeout(ctx, hubStatsTimeout)
		defer cancel()
		// A hub that does not answer (closed store) leaves its metrics
		// out of this collection; /readyz says why.
		if h, err := src.SubscriptionHub().Stats(ctx); err == nil {
			o.ObserveInt64(ins.subscriptions, int64(h.Subscriptions))
			o.ObserveInt64(ins.groups, int64(h.Groups))
			o.ObserveInt64(ins.head, int64(h.Head))
			ins.flow.observe(o, src.SubscriptionHub().Flow(h.Head))
		}
		if db, ok := src.(persistence.StatsReporter); ok {
			ins.db.observe(o, db.StoreStats())
		}
		return nil
	}
}
