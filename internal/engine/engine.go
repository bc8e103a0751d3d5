// Package engine is the running inside of an open actorstore.Store: the
// actor system, the stream actors, the subscription hub, the database and
// the store's metric producer. actorstore.OpenEngine hands it over once,
// beside the Store, to the programs of this module that serve the store
// (package node, package telemetry, cmd/actorstore); the root package
// exports no accessor for any of it (see docs/adr/0015-data-plane-root-api.md).
//
// An Engine is owned by its Store: Store.Close stops everything it holds.
// Its fields are set once by OpenEngine and never change; all of its
// methods are safe for concurrent use.
package engine

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/subscriptions"
)

// Engine is what serves one Store. Read its fields; do not replace them.
type Engine struct {
	// System is the actor system the store runs on: a node serves its
	// remote endpoint on it, so peers reach the subscription hub and
	// subscriptions reach remote subscribers.
	System *actors.System
	// Hub is the subscription fan-out; the node hands it peers'
	// SubscribeRequests, and actor subscribers subscribe through it
	// (Hub.SubscribeActor).
	Hub *subscriptions.Hub
	// Streams are the stream actors and the group-commit writer.
	Streams *streams.Runtime
	// DB is the database the store opened.
	DB persistence.Store
	// Metrics are the store's synchronous instruments for an exporter of
	// another provider (the telemetry package adds them to /metrics), or
	// nil when actorstore.Config.MeterProvider was given: they are
	// recorded there.
	Metrics sdkmetric.Producer
	// Traced is true when the store starts spans (actorstore.Config
	// had a TracerProvider): a trace ID handed to it in a context must
	// then also be the trace of a span context (eventstore.WithTraceID),
	// so that its spans continue the caller's trace. False: the trace ID
	// alone names errors and log lines (eventstore.WithTraceIDUntraced).
	Traced bool
}

// Stats reports the stream actors' counters.
func (e *Engine) Stats() streams.Stats { return e.Streams.Stats() }

// SubscriptionHub is e.Hub (for telemetry.StatsSource).
func (e *Engine) SubscriptionHub() *subscriptions.Hub { return e.Hub }

// StoreStats reports the database's counters: retries of transient errors
// and, on PostgreSQL, the connection pool (zero when the backend reports
// none).
func (e *Engine) StoreStats() persistence.StoreStats {
	if r, ok := e.DB.(persistence.StatsReporter); ok {
		return r.StoreStats()
	}
	return persistence.StoreStats{}
}

// PassivateIdle stops the idle stream actors of the given streams (all
// when none are given); their next request reloads the stream's head from
// the database. Clustered nodes call it when stream ownership changes. It
// returns at once.
func (e *Engine) PassivateIdle(streams ...string) { e.Streams.PassivateIdle(streams...) }
