package postgres_test

import (
	"context"
	"testing"

	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/storetest"
)

// TestGenerateWritesOrdinaryEvents: the synthetic preload of `actorstore
// bench --scenario growth` writes events and heads the store reads and
// appends after as its own (storetest.RunSynthetic).
func TestGenerateWritesOrdinaryEvents(t *testing.T) {
	st, url := newStore(t)
	storetest.RunSynthetic(t, st, func(g persistence.Synthetic) (int64, error) {
		return postgres.Generate(context.Background(), url, g)
	})
}
