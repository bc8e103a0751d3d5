package telemetry

import (
	"errors"

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

func newDBInstruments(m metric.Meter) (*dbInstruments, error) {
	var errs []error
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	upDown := func(name, unit, desc string) metric.Int64ObservableUpDownCounter {
		c, err := m.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
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
	var err error
	d.acquireWait, err = m.Float64ObservableCounter("actorstore.db.pool.acquire.time", metric.WithUnit("s"),
		metric.WithDescription("Time callers spent waiting for a connection, all acquires together."))
	errs = append(errs, err)
	state := attribute.Key("db.client.connection.state")
	d.idle = metric.WithAttributeSet(attribute.NewSet(state.String("idle")))
	d.used = metric.WithAttributeSet(attribute.NewSet(state.String("used")))
	return d, errors.Join(errs...)
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

func newFlowInstruments(m metric.Meter) (*flowInstruments, error) {
	f := &flowInstruments{}
	var err1, err2, err3 error
	f.lag, err1 = m.Int64ObservableGauge("actorstore.subscriptions.lag", metric.WithUnit("{position}"),
		metric.WithDescription("Largest number of positions any subscription is behind the hub's head."))
	f.lagTime, err2 = m.Float64ObservableGauge("actorstore.subscriptions.lag.time", metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest committed event waiting to be sent to any subscriber."))
	f.inFlight, err3 = m.Int64ObservableUpDownCounter("actorstore.subscriptions.credits.in_flight",
		metric.WithUnit("{event}"),
		metric.WithDescription("Events sent to subscribers and not yet credited back, all subscriptions together."))
	return f, errors.Join(err1, err2, err3)
}

func (f *flowInstruments) all() []metric.Observable {
	return []metric.Observable{f.lag, f.lagTime, f.inFlight}
}

func (f *flowInstruments) observe(o metric.Observer, fl subscriptions.Flow) {
	o.ObserveInt64(f.lag, int64(fl.MaxLag))
	o.ObserveFloat64(f.lagTime, fl.MaxLagTime.Seconds())
	o.ObserveInt64(f.inFlight, fl.CreditsInFlight)
}
