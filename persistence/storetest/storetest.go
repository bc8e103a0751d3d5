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
	// MultiProcess is true when several processes may share one store, so
	// Notifications must report other processes' commits.
	MultiProcess bool
}

// Run runs the whole conformance suite against stores made by f.
func Run(t *testing.T, f Factory, features Features) {
	t.Helper()
	runAll(t, f, features)
}
