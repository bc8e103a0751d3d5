package storetest

import "testing"

// runAll runs every group of the suite. Each group (and most behaviours
// within one) is a subtest with its own store from the Factory, and groups
// run in parallel. What it checks:
//
//   - ExpectedVersion: any, no-stream, stream-exists and exact N (Exact(0)
//     too), each right and wrong, against an empty and a non-empty stream;
//     a wrong one reports *ConcurrencyError{Stream, Expected, Actual}, writes
//     nothing and uses up no position (the next append gets the next one).
//   - Append: contiguous versions and gapless increasing positions over
//     many batches; an empty store.
//   - Idempotency: a full retry by event ID returns the original result
//     with Idempotent set, whatever its expectation, also inside a batch with
//     new requests; a partial retry and an ID stored in another stream are
//     *DuplicateEventError and write nothing.
//   - Atomicity: a failed request leaves the batch's other requests
//     committed; a Group with a failing member (wrong version, duplicate ID)
//     writes nothing of any member, whose *AbortedError unwraps to the cause;
//     groups are independent.
//   - ReadStream and ReadAll: both directions, limits, From in the middle,
//     past the end and End; filters by stream prefix, event types and both;
//     *StreamNotFoundError for a missing stream.
//   - ReadAllManyTypes: a filter of 50,000 event types is answered.
//   - Head, LookupEvents, Checkpoints (missing, set, overwrite, backwards).
//   - Notifications: a position >= the appended one arrives, coalesced for a
//     slow reader; the channel closes when ctx ends and when the store closes.
//   - InvalidInput: each malformed batch or read is an *InputError naming
//     Field and Rule (errors.Is ErrInvalidInput), and nothing of the batch is
//     written, not even its valid requests.
//   - Concurrency: 200 goroutines append at once (exact versions on shared
//     streams retried on conflict; two-stream transactions with Any) while a
//     reader pages through ReadAll: no version gap or duplicate, every
//     success stored where its result says, every conflict reports a version
//     the stream really had, and the paging reader skipped no event.
//   - RoundTrip: a property test (rapid) that arbitrary valid events come
//     back from ReadStream, ReadAll and LookupEvents field by field.
//   - Close: every call after Close returns eventstore.ErrClosed.
//   - Lease (stores that implement persistence.Leaser): one holder at a
//     time, takeover after expiry or release with a greater token, renew
//     keeps the lease, fenced checkpoint writes of a stale token are refused
//     and write nothing, racing takeovers have one winner.
//   - Snapshots (persistence.SnapshotStore, which every backend must
//     implement): the newest is kept, an older save changes nothing, the
//     same version replaces; one beyond the head, of a missing stream or
//     malformed is an *InputError and stores nothing (snapshot.go).
//   - ListStreams (persistence.StreamLister, which every backend must
//     implement): by prefix with heads, keyset paging both ways, bad
//     queries (streams.go).
//   - Delete (persistence.StreamDeleter, which every backend must
//     implement): soft and hard deletes, expectations, tombstones in
//     batches and groups, appends racing a delete (delete.go).
//   - Metadata (the same interface): a versioned document with an
//     expectation; truncate-before, max-count and max-age hide events from
//     ReadStream and ReadAll at once, other positions unchanged (metadata.go).
//   - Scavenge (persistence.Scavenger): removes exactly the hidden events,
//     in bounded, resumable steps; positions, heads and the next append's
//     version and position unchanged (scavenge.go).
//
// The suite assumes the store uses eventstore.DefaultLimits, and that
// positions are gapless (a failed request uses none).
// With Features.Shared, the Shared group opens two stores on one storage
// (see testShared); with Features.MultiProcess it also checks that one
// store's Notifications report the other's commits.
func runAll(t *testing.T, f Factory, features Features) {
	groups := []struct {
		name string
		run  func(t *testing.T, f Factory)
	}{
		{"ExpectedVersion", testExpectedVersion},
		{"Append", testAppend},
		{"Idempotency", testIdempotency},
		{"Atomicity", testAtomicity},
		{"ReadStream", testReadStream},
		{"ReadAll", testReadAll},
		{"ReadAllManyTypes", testReadAllManyTypes},
		{"Head", testHead},
		{"LookupEvents", testLookupEvents},
		{"Checkpoints", testCheckpoints},
		{"Notifications", testNotifications},
		{"InvalidInput", testInvalidInput},
		{"Concurrency", testConcurrency},
		{"RoundTrip", testRoundTrip},
		{"Close", testClose},
		{"Lease", testLease},
		{"Snapshots", testSnapshots},
		{"ListStreams", testListStreams},
		{"Delete", testDelete},
		{"Metadata", testMetadata},
		{"Scavenge", testScavenge},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, f)
		})
	}
	if features.Shared != nil {
		t.Run("Shared", func(t *testing.T) {
			t.Parallel()
			testShared(t, features)
		})
	}
}
