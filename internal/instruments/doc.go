// Package instruments holds the store's synchronous OpenTelemetry instruments and
// its tracer, created once when a store opens so that the hot path only
// records: pre-created instruments, pre-built attribute sets, no
// allocation per call when tracing is off.
//
// It is internal: embedding programs configure it through
// actorstore.Config.MeterProvider and TracerProvider. docs/operations.md
// lists every instrument with its meaning.
package instruments
