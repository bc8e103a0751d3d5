// Package bench is the load generator behind `actorstore bench`: it runs
// scenarios (writers on their own streams, a hot stream, mixed read/write,
// catch-up read, live fan-out, multi-stream transactions) against a target
// (the embedded store, a PostgreSQL database through the Go API, or a
// running node through package client), and, on PostgreSQL, raw pgx
// baselines in the same run on the same database, so every figure can be
// read as a ratio to what the database itself allows.
//
// # Results
//
// Run returns a Report: per scenario the operations and events, the events
// per second, latency percentiles from an HDR histogram
// (github.com/HdrHistogram/hdrhistogram-go), the process CPU time from
// getrusage, latency percentiles per sample interval and a log-bucketed
// latency histogram. Report is what `--json` writes and what Chart draws.
//
// # Counting
//
// A scenario counts only acknowledged events (Result.Events), plus the
// events it preloaded before measuring (Result.Preloaded); failed calls are
// counted in Result.Errors and not as events. On a fresh store the sum of
// Events and Preloaded over all scenarios is the store's last position.
//
// Nothing here is safe for concurrent use unless it says so; Run runs one
// scenario at a time.
package bench
