package telemetry

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/subscriptions"
)

// dbInstruments observe the store's persistence.StoreStats: retries and,
// on PostgreSQL, the connection pool. The pool's names follow the
// OpenTelemetry database client conventions (db.client.connection.*)
// where one exists; the rest are pgxpool's own counters.
type dbInstruments struct {
	retries                            metric.Int64ObservableCounter
	conns                              metric.Int64ObservableUpDownCounter
	maxConns, constructing             metric.Int64ObservableUpDownCounter
	acquires, emptyAcquires, cancelled metric.Int64ObservableCounter
	newConns, lifetimeClosed, idleDrop metric.Int64ObservableCounter
	acquireWait                        metric.Float64ObservableCounter

	idle, used metric.ObserveOption
}

func newDBInstruments(b *builder) *dbInstruments {
	counter, upDown := b.counter, b.upDown
	d := &dbInstruments{
		retries: counter("actorstore.db.retries", "{retry}",
			"Database operations retried after a transient error (attempts after the first)."),
		conns: upDown("db.client.connection.count", "{connection}",
			"Open database connections, by state (idle, used)."),
		maxConns: upDown("db.client.connection.max", "{connection}",
			"Largest number of open connections the pool allows."),
		constructing: upDown("actorstore.db.pool.connections.constructing", "{connection}",
			"Connections being opened now."),
		acquires: counter("actorstore.db.pool.acquires", "{acquire}",
			"Connections handed out by the pool."),
		emptyAcquires: counter("actorstore.db.pool.acquires.waited", "{acquire}",
			"Acquires that waited because no idle connection was free."),
		cancelled: counter("actorstore.db.pool.acquires.cancelled", "{acquire}",
			"Acquires whose caller gave up before a connection was free."),
		newConns: counter("actorstore.db.pool.connections.created", "{connection}",
			"Connections the pool opened."),
		lifetimeClosed: counter("actorstore.db.pool.connections.closed.lifetime", "{connection}",
			"Connections closed for reaching their maximum lifetime."),
		idleDrop: counter("actorstore.db.pool.connections.closed.idle", "{connection}",
			"Connections closed for being idle too long."),
	}
	d.acquireWait = b.floatCounter("actorstore.db.pool.acquire.time", "s",
		"Time callers spent waiting for a connection, all acquires together.")
	state := attribute.Key("db.client.connection.state")
	d.idle = metric.WithAttributeSet(attribute.NewSet(state.String("idle")))
	d.used = metric.WithAttributeSet(attribute.NewSet(state.String("used")))
	return d
}

func (d *dbInstruments) all() []metric.Observable {
	return []metric.Observable{d.retries, d.conns, d.maxConns, d.constructing, d.acquires, d.emptyAcquires,
		d.cancelled, d.newConns, d.lifetimeClosed, d.idleDrop, d.acquireWait}
}

func (d *dbInstruments) observe(o metric.Observer, s persistence.StoreStats) {
	o.ObserveInt64(d.retries, s.Retries)
	p := s.Pool
	if p == nil {
		return
	}
	o.ObserveInt64(d.conns, p.IdleConns, d.idle)
	o.ObserveInt64(d.conns, p.AcquiredConns, d.used)
	o.ObserveInt64(d.maxConns, p.MaxConns)
	o.ObserveInt64(d.constructing, p.ConstructingConns)
	o.ObserveInt64(d.acquires, p.Acquires)
	o.ObserveInt64(d.emptyAcquires, p.EmptyAcquires)
	o.ObserveInt64(d.cancelled, p.CanceledAcquires)
	o.ObserveInt64(d.newConns, p.NewConns)
	o.ObserveInt64(d.lifetimeClosed, p.LifetimeClosed)
	o.ObserveInt64(d.idleDrop, p.IdleClosed)
	o.ObserveFloat64(d.acquireWait, p.AcquireWait.Seconds())
}

// flowInstruments observe the subscriptions' delivery state (Hub.Flow).
type flowInstruments struct {
	lag      metric.Int64ObservableGauge
	lagTime  metric.Float64ObservableGauge
	inFlight metric.Int64ObservableUpDownCounter
}

func newFlowInstruments(b *builder) *flowInstruments {
	return &flowInstruments{
		lag: b.gauge("actorstore.subscriptions.lag", "{position}",
			"Largest number of positions any subscription is behind the hub's head."),
		lagTime: b.floatGauge("actorstore.subscriptions.lag.time", "s",
			"Age of the oldest committed event waiting to be sent to any subscriber."),
		inFlight: b.upDown("actorstore.subscriptions.credits.in_flight", "{event}",
			"Events sent to subscribers and not yet credited back, all subscriptions together."),
	}
}

func (f *flowInstruments) all() []metric.Observable {
	return []metric.Observable{f.lag, f.lagTime, f.inFlight}
}

func (f *flowInstruments) observe(o metric.Observer, fl subscriptions.Flow) {
	o.ObserveInt64(f.lag, int64(fl.MaxLag))
	o.ObserveFloat64(f.lagTime, fl.MaxLagTime.Seconds())
	o.ObserveInt64(f.inFlight, fl.CreditsInFlight)
}
