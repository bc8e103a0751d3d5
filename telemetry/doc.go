// Package telemetry serves an actorstore's health checks and metrics over
// HTTP, for load balancers, orchestrators and Prometheus.
//
// # Endpoints
//
// Start (or NewHandler, to mount the endpoints on a server of your own)
// serves:
//
//   - GET /healthz: 200 while the process serves HTTP (liveness). It
//     touches neither the database nor the actors.
//   - GET /readyz: 200 when the store can serve requests, else 503
//     (readiness). The JSON body lists each check of Store.Health
//     (database, migrations, actors) with ok and, when it failed, an error
//     saying what is wrong.
//   - GET /metrics: the store's metrics in the Prometheus text format.
//
// # Metrics
//
// The metrics are OpenTelemetry asynchronous instruments read from the
// store's counters (Store.Stats and the subscription hub's Stats) at each
// collection, so they cost nothing on the append path. Register adds them
// to any metric.MeterProvider, for embedding programs that export with
// OTLP or their own Prometheus registry; NewHandler uses a provider of its
// own with a Prometheus exporter on a private registry. docs/operations.md
// lists every metric with its meaning.
//
// # Concurrency
//
// Handler and Server are safe for concurrent use.
package telemetry
