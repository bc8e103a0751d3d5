// Package supervisor decides what happens to an actor that failed: it maps
// the failure (the value an actor panicked with) to a Directive by error
// type, never by panic text, and computes restart backoff.
//
// # Policy
//
//   - A panic value that is not an error is a bug: Stop (or Escalate when
//     Policy.EscalateBugs is set).
//   - A transient storage error (eventstore.IsRetryable) restarts the actor
//     after an exponential backoff with jitter, capped (Policy.Backoff).
//   - Poison input (eventstore.ErrInvalidInput, ErrDuplicateEvent,
//     ErrConcurrency, ErrStreamNotFound) stops the actor: restarting cannot help.
//   - Any other error restarts the actor at once.
//   - More than Policy.MaxFailures failures within Policy.Window escalate to
//     the parent, whatever the error.
//
// # Concurrency
//
// Everything here is a pure function or an immutable value, safe for
// concurrent use. The package does not import protoactor; actors adapts a
// Policy into a protoactor supervisor strategy.
package supervisor
