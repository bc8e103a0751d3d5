package postgres_test

import (
	"context"
	"testing"

	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openStore opens a Store on url with cfg (URL filled in) and closes it
// when t ends.
func openStore(t testing.TB, url string, cfg postgres.Config) *postgres.Store {
	t.Helper()
	cfg.URL = url
	s, err := postgres.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newStore opens a Store on a fresh database.
func newStore(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	url := pgtest.Server(t).NewDatabase(t)
	return openStore(t, url, postgres.Config{}), url
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store {
		s, _ := newStore(t)
		return s
	}, storetest.Features{MultiProcess: true})
}

// TestConformanceCopyPath runs the suite with every append going through
// the COPY write path.
func TestConformanceCopyPath(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store {
		url := pgtest.Server(t).NewDatabase(t)
		return openStore(t, url, postgres.Config{CopyThreshold: 1})
	}, storetest.Features{MultiProcess: true})
}
