// Package client is the Go client of an actorstore node for programs in
// other processes ("peers").
//
// Dial starts the client's own actor system with a remote endpoint
// (through package actors; the node connects back to it to reply) and
// checks that the node answers. The methods mirror the embedded Go API of
// package actorstore (Append, Transact, ReadStream, ReadAll, Head) plus
// Status, and send the protobuf requests of messages/api.proto to the
// node's API actor.
//
// # Errors
//
// Error replies become the same typed errors the embedded API returns
// (wire.ErrorFromProto), with the same code (eventstore.CodeOf) and
// retryability (eventstore.IsRetryable): errors.As(err, &ce) with
// ce *eventstore.ConcurrencyError gives Stream, Expected and Actual as the
// node saw them, and eventstore.TraceIDOf(err) the call's trace ID. A call
// that gets no reply in time returns an *eventstore.TimeoutError (errors.Is
// eventstore.ErrTimeout, retryable: the outcome is unknown, retry with the
// same event IDs); for Append and ReadStream it names the stream and the
// expected version. A request larger
// than Config.MaxMessageBytes is refused locally with an
// *eventstore.InputError (rule "max_size"): the transport would drop it.
//
// # Timeouts
//
// Every call is bounded by its ctx, or Config.RequestTimeout when ctx has
// no deadline; the node is told the time left and gives up a little
// earlier, so its timeout error usually arrives before the caller's.
// protoactor never fails a request fast; the client does where it can:
// Dial fails at once when nothing listens on the node's port, and calls
// waiting when the connection to the node is lost fail at once with a
// retryable *eventstore.ConnectionError.
//
// # Concurrency
//
// A Client is safe for concurrent use by many goroutines. Close it when
// done. Appends of concurrent goroutines are coalesced (ADR 0027): an
// append that finds another append of the client in flight to the node
// waits for that one's answer, or for Config.MaxAppendBatch appends to
// gather, and goes with the others in one AppendBatchRequest; each keeps
// its own result, error, trace ID and idempotency (a batch is not a
// transaction: use Transact for all-or-nothing). A lone caller's append
// goes at once. Stats counts the messages.
package client
