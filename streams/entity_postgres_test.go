package streams

import "testing"

// TestEntitiesOnPostgres runs the entity tests on PostgreSQL (the others
// run on SQLite).
func TestEntitiesOnPostgres(t *testing.T) {
	onPostgres = true
	t.Cleanup(func() { onPostgres = false })
	t.Run("Property", TestEntityProperty)
}
