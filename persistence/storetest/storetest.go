// Package storetest is the conformance suite that every persistence.Store
// backend runs, in the manner of watermill's pub/sub test suite: a backend's
// test calls Run with a constructor, and every behaviour the persistence
// package documents is checked against a real instance.
package storetest

import (
	"testing"

	"github.com/actorstore/actorstore/persistence"
)

// Factory opens a new, empty store for one test. The store must be private
// to that test (its own database, schema or file), so tests can run in
// parallel. The suite closes the store; Factory may register further
// cleanup with t.Cleanup.
type Factory func(t *testing.T) persistence.Store

// Features says what a backend supports beyond the common contract.
type Features struct {
	// Shared opens two stores on one fresh storage (database, file), as two
	// processes sharing it would; the suite closes both. When set, the
	// suite checks that each store reads the other's commits, that
	// positions stay gapless across both and that expectations are checked
	// against the other's commits. Nil skips these checks.
	Shared func(t *testing.T) (a, b persistence.Store)
	// MultiProcess is true when several processes may share one store and
	// Notifications report other processes' commits. The suite checks it
	// through Shared, which it requires.
	MultiProcess bool
}

// Run runs the whole conformance suite against stores made by f.
func Run(t *testing.T, f Factory, features Features) {
	t.Helper()
	if features.MultiProcess && features.Shared == nil {
		t.Fatal("storetest: Features.MultiProcess needs Features.Shared to check it")
	}
	runAll(t, f, features)
}
