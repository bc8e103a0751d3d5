// Package subscriptions delivers committed events to subscriber actors:
// catch-up from the store, then live events, with credit-based flow
// control, durable checkpoints and parking of events that keep failing.
// It talks to the rest of actorstore through messages and PIDs only (it
// does not import streams); the wire protocol is messages/subscriptions.proto.
//
// # Hub
//
// A Hub is a node's fan-out. The node's writer hands it every group
// commit through Publish (wire streams.Config.OnCommit to Hub.Publish);
// Publish never blocks: it queues the events for the hub actor. The hub
// also listens to Store.Notifications: a commit it was not handed (another
// process sharing the database, or a batch that overtook its notification)
// is read from the store once, by the hub, after RemoteGrace. No polling.
// The hub thus keeps one feed of events contiguous in position and sends
// every event to all-stream subscriptions and a stream's events to that
// stream's subscriptions. The slices it sends are shared, never copied.
//
// # Subscriptions
//
// A subscriber is any PID, local or remote. SubscribeRequest (or
// Hub.SubscribeActor) spawns a subscription actor, a child of the hub, that
// watches the subscriber and stops when it terminates (a remote node gone
// counts: protoactor reports Terminated on AddressTerminated), cancelling
// its reads; Hub.Stats counts the live ones. The subscription reads the
// history in pages on goroutines (the result comes back as a message: the
// mailbox never waits on I/O), with the filter in the store's query, then
// switches to the hub's live feed.
//
// Guarantees (DESIGN.md invariants 7-9):
//
//   - In order, once, no gap while connected. An all-stream subscription
//     examines events strictly by position (a single-stream one by
//     version): an event is taken only when its position is the next one,
//     older ones are skipped (dedupe at the catch-up/live switch), and a
//     gap sends the subscription back to the store. Positions are gapless
//     in both backends, so this is exact.
//   - Bounded memory. The subscriber grants credits; SubscriptionEvent and
//     Checkpoint messages each use one, and the subscription sends no more
//     than it holds. A catch-up page is never larger than the credits left,
//     and no page is read while events wait. Live events for a subscriber
//     out of credits are buffered up to BufferFactor*window; beyond that
//     the buffer is dropped, the subscriber gets FellBehind, and the
//     subscription reads from the store again until CaughtUp. Nothing a
//     subscriber does slows appends or other subscribers.
//   - Durable subscriptions (a name) resume after the checkpoint stored
//     under "subscription/<name>" and deliver at least once across
//     restarts: the checkpoint is the newest Ack'ed position, stored every
//     AckEvery acknowledgements or AckInterval, and on stop.
//
// # One owner per durable consumer
//
// A durable subscription, and so a consumer group (its members share the
// group's one durable subscription), has one owner among all processes on
// the database, embedded or clustered (lease.go; docs/adr/0011). Its
// subscription actor stands by (subscribed, delivering nothing) until it
// holds the lease "subscription/<name>", then reads from the committed
// checkpoint. The owner renews every LeaseTTL/3 and writes its checkpoint
// only with its fencing token (persistence.Leaser.SetCheckpointFenced), so
// a former owner's write is refused. An owner that cannot renew stops
// delivering (SubscriptionDropped with ERROR_CODE_LEASE_LOST, a
// *persistence.LeaseLostError in Go) LeaseTTL/4 before its lease could
// expire, by its own clock measured from before the last successful renew
// was sent; the application subscribes again to stand by. A standby tries
// every LeaseTTL/3, so after an owner dies another takes over within
// LeaseTTL + LeaseTTL/3 (4 s by default); a clean stop releases the lease
// after the last checkpoint, and a standby takes over at its next try.
//
// The guarantee: a durable subscription delivers every event at least once
// across the death of its owner (the new owner resumes after the committed
// checkpoint, so events handled after it are delivered again), in order,
// and never by two owners at the same time, as long as the owners' clocks
// run at the same rate (not the same time: lease times are the database's)
// and a handler call is shorter than LeaseTTL/4. A consumer group delivers
// each event at least once, each stream in order and by one member at a
// time; all its members that run are in the owning process (members in
// other processes stand by with it).
//
// Filters: Filter.StreamPrefix (CategoryFilter) and EventTypes run in SQL
// during catch-up and in the actor when live. A filtered all-stream
// subscription sends Checkpoint{position} after CheckpointEvery positions
// without a match, so sparse subscribers (and their checkpoints) advance.
// System streams (IDs starting with "$") are skipped by all-stream
// subscriptions unless IncludeSystemStreams is set.
//
// # Parking
//
// A durable subscriber that gives up on an event sends Nack: the
// subscription appends a copy to the stream "$parked-<name>" (metadata
// names the original stream, version, position and event ID, and the
// reason; the copy's ID is derived from the original's, so parking twice
// is an idempotent append), and counts the event as acknowledged once that
// append is durable. Parked lists them; ReplayParked hands them to a
// handler and remembers how far it got. This keeps the Store contract
// unchanged, and parked events are ordinary events (readable, replicated,
// subscribable with IncludeSystemStreams).
//
// # Consumer groups
//
// Members join with Options{Durable: name, Group: true} (consumer_group in
// SubscribeRequest). The hub starts one group actor per name; it is the
// subscriber of the group's durable subscription and hands each event to
// one member, by consistent hashing of the stream ID (64 points per member,
// FNV-1a + splitmix64), within each member's own credits. A stream with
// unacknowledged events stays with the member that has them until they are
// acknowledged, so a stream is never processed by two members at once and
// stays in order; the ring moves only idle streams when members join or
// leave. A member that leaves or dies (Terminated, also for a lost remote
// node) gives its unacknowledged events back, and they are delivered again,
// in position order, to the new owners (at least once). The group Acks to
// the durable subscription only below its oldest unfinished event, so the
// checkpoint never passes an event that some member has not finished.
// The group stops when its last member leaves.
//
// # Go API
//
// Hub.Subscribe runs a Handler on its own goroutine behind a small
// subscriber actor that grants credits as the handler finishes events (a
// quarter window at a time, or at once when idle). A failing event is
// retried with backoff (HandlerOptions.Retry); then a durable subscription
// parks it (Nack) and goes on, others stop with a *HandlerError. The
// Subscription handle has Close, Done and Err.
//
// Events reach a handler as Go values: Hub.Subscribe parses its options
// once into the subscription's spec (checkSpec, the check a peer's
// SubscribeRequest goes through, so the errors are the same) and hands it
// to the hub in an internal message; the subscription actor then sends
// the handler's runner an internal delivery message carrying the
// eventstore.RecordedEvent. Protobuf is made once, at the process
// boundary: SubscribeActor's subscribers and peers get
// *messages.SubscriptionEvent. Consumer-group members are the exception:
// the group forwards its durable subscription's SubscriptionEvents, so a
// member's runner converts them back.
//
// # Retries
//
// Transient store failures are retried in one place: inside the store
// (persistence/postgres runOp, persistence/sqlite run), under the
// RetryPolicy the store was opened with (the root Config.Retry). The
// subscription actors call the store once per read, park or checkpoint
// write and do not wrap it in another retry, so an outage costs
// MaxAttempts attempts per call, not MaxAttempts squared. A read that still
// fails drops the subscription (SubscriptionDropped with a retryable
// error: resubscribing is the caller's retry); a failed checkpoint write is
// logged and stored with the next one; a failed read of new commits by the
// hub is tried again after 4×Config.Retry.Base, so live delivery resumes
// after an outage. HandlerOptions.Retry is a different thing: it retries
// the user's handler, not the store. TestOneRetryLayerDuringOutage counts
// the attempts with PostgreSQL stopped.
//
// # Concurrency
//
// Hub and Subscription methods are safe for concurrent use. Config and
// Options are values. Hub.Close stops every subscription, then waits for
// every goroutine of the package; it does not close the store.
package subscriptions
