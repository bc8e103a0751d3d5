package storetest

import "testing"

// runAll runs every group of the suite. Each behaviour is a subtest with
// its own store from the Factory; subtests run in parallel.
//
// The suite assumes the store uses persistence.DefaultLimits.
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
		{"Head", testHead},
		{"LookupEvents", testLookupEvents},
		{"Checkpoints", testCheckpoints},
		{"Notifications", testNotifications},
		{"InvalidInput", testInvalidInput},
		{"TraceID", testTraceID},
		{"Concurrency", testConcurrency},
		{"RoundTrip", testRoundTrip},
		{"Close", testClose},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, f)
		})
	}
	_ = features // MultiProcess needs a second process; backends test it themselves.
}
