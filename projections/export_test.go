package projections

import (
	"testing"

	"github.com/actorstore/actorstore/persistence"
)

// CountsOf reads a (k text, n bigint) table, for the external tests.
func CountsOf(t testing.TB, db persistence.Store, table string) map[string]int64 {
	return counts(t, db, table)
}
