// Package console is the operator console of a node: a small web
// application served on the admin endpoint at /ui (telemetry mounts it),
// embedded in the binary, with no code from a CDN.
//
// # What it shows
//
//   - a stream browser: streams by ID prefix or category, paged with keyset
//     cursors from the store (persistence.StreamLister: index seeks, no
//     scans), each stream's events with versions, positions and pretty JSON,
//     paged both ways;
//   - a live tail of all streams or one (server-sent events from a
//     subscription that starts at the end);
//   - subscriptions and consumer groups: counts, lag, credits in flight,
//     and the parked events of a durable subscription;
//   - the cluster's members and the node that owns a stream;
//   - charts of the append rate, the p99 append latency and the largest
//     subscription lag, sampled from the node's own metrics (the registry
//     /metrics serves) every two seconds.
//
// # Access
//
// The page and its scripts are open (they hold no data); the data routes
// (/ui/api/...) need the role read when the admin endpoint has tokens,
// like /metrics. The console is read-only unless Config.Write is set; its
// write action (append an event, for operators' tests and repairs) then
// needs the role write, and each use is logged with the stream, the event
// type and the caller's address.
//
// Handlers are safe for concurrent use; Close stops the sampler and ends
// the live tails.
package console
