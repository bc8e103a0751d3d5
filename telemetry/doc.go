// Package telemetry serves an actorstore's health checks and metrics over
// HTTP, for load balancers, orchestrators and Prometheus.
//
// # Endpoints
//
// Start (or NewHandler, to mount the endpoints on a server of your own)
// serves a Source: the Store and the engine that actorstore.OpenEngine
// returned beside it (the root package hands out no internals; see
// docs/adr/0015-data-plane-root-api.md):
//
//   - GET /healthz: 200 while the process serves HTTP (liveness). It
//     touches neither the database nor the actors.
//   - GET /readyz: 200 when the store can serve requests, else 503
//     (readiness). The JSON body lists each check of Store.Health
//     (database, migrations, actors, and any added with
//     Store.AddHealthCheck) with ok and, when it failed, an error
//     saying what is wrong.
//   - GET /metrics: the store's metrics in the Prometheus text format.
//
// # Metrics
//
// Two kinds of OpenTelemetry instruments. Asynchronous ones are read from
// the engine's counters (Stats, StoreStats with retries and the
// PostgreSQL pool, the subscription hub's Stats and Flow) at each
// collection, so they cost nothing on the append path; Register adds them
// to any metric.MeterProvider. Synchronous ones (append and read latency,
// errors by code, group-commit size and time, bytes, deliveries) are
// recorded by the store itself on actorstore.Config.MeterProvider, or on
// its private provider, which NewHandler reads through the engine's
// Metrics producer. NewHandler serves both with a Prometheus exporter
// on a private registry. docs/operations.md lists every metric with its
// meaning.
//
// # Tracing
//
// NewOTLPTracerProvider builds the tracer provider that serve's
// --otlp-endpoint uses: spans exported over OTLP/HTTP, honouring the
// standard OTEL_EXPORTER_OTLP_* environment variables.
//
// # Concurrency
//
// Handler and Server are safe for concurrent use.
package telemetry
