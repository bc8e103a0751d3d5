// Package sqlitelock holds the write lock of an SQLite file for tests, as
// another process would, so that a store on that file blocks in its
// commits until the lock is released.
package sqlitelock

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "modernc.org/sqlite" // the embedded store's driver
)

// Hold takes the write lock of the SQLite file at path (BEGIN IMMEDIATE
// on a connection of its own) and returns a function that releases it;
// the function is safe to call twice.
func Hold(t testing.TB, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Error(err)
			}
			conn.Close()
			db.Close()
		})
	}
}
