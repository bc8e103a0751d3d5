package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/actorstore/actorstore/persistence"
)

// TestMigrationsAppliedOnceAndRecorded opens a new file and reopens it:
// every embedded migration is recorded once in schema_migrations, in order.
func TestMigrationsAppliedOnceAndRecorded(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("embedded migrations: %+v", ms)
	}
	path := filepath.Join(t.TempDir(), "m.db")
	for range 2 {
		st, err := Open(context.Background(), Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := st.readers.Query(`SELECT version, name FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		var got []persistence.Migration
		for rows.Next() {
			var m persistence.Migration
			if err := rows.Scan(&m.Version, &m.Name); err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		rows.Close()
		if len(got) != len(ms) {
			t.Fatalf("schema_migrations has %d rows, want %d", len(got), len(ms))
		}
		for i := range got {
			if got[i].Version != ms[i].Version || got[i].Name != ms[i].Name {
				t.Fatalf("schema_migrations row %d: %+v, want %d %s", i, got[i], ms[i].Version, ms[i].Name)
			}
		}
		var mode string
		if err := st.writer.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal_mode %q, %v; want wal", mode, err)
		}
		var sync int
		if err := st.writer.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
			t.Fatalf("synchronous %d, %v; want 2 (FULL)", sync, err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
