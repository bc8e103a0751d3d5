package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/persistence/storetest"
)

// TestMain fails the package when a test leaves goroutines behind (stores
// not closed, notification watchers still running).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store {
		st, err := sqlite.Open(context.Background(), sqlite.Config{
			Path: filepath.Join(t.TempDir(), "store.db"),
		})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return st
	}, storetest.Features{MultiProcess: false, Shared: func(t *testing.T) (persistence.Store, persistence.Store) {
		path := filepath.Join(t.TempDir(), "store.db")
		open := func() persistence.Store {
			st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return st
		}
		return open(), open()
	}})
}
