package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/persistence/storetest"
)

// TestGenerateWritesOrdinaryEvents: the synthetic preload of `actorstore
// bench --scenario growth` writes events the open store reads and appends
// after as its own (storetest.RunSynthetic).
func TestGenerateWritesOrdinaryEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	st := openStore(t, path)
	defer st.Close()
	storetest.RunSynthetic(t, st, func(g persistence.Synthetic) (int64, error) {
		return sqlite.Generate(context.Background(), path, g)
	})
}
