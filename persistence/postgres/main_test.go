package postgres_test

import (
	"context"
	"flag"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/storetest"
)

// TestMain runs the tests against the binary's PostgreSQL server. The
// tests mostly wait for the server (commits are fsynced), so unless
// -test.parallel is given, up to 4 tests per CPU run at once.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	pgtest.Main(m)
}

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

// conformanceConfig gives the suite generous deadlines: it is a
// correctness test whose concurrency case queues 200 writers on one
// database (they serialize on the position counter), and under -race on a
// loaded 2-core machine the default 10s per call was seen to run out.
// Latency is measured by the benchmarks, not here.
func conformanceConfig(c postgres.Config) postgres.Config {
	c.OperationTimeout, c.AttemptTimeout = 2*time.Minute, time.Minute
	return c
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store {
		url := pgtest.Server(t).NewDatabase(t)
		return openStore(t, url, conformanceConfig(postgres.Config{}))
	}, storetest.Features{MultiProcess: true, Shared: func(t *testing.T) (persistence.Store, persistence.Store) {
		url := pgtest.Server(t).NewDatabase(t)
		return openStore(t, url, conformanceConfig(postgres.Config{})), openStore(t, url, conformanceConfig(postgres.Config{}))
	}})
}

// TestConformanceCopyPath runs the suite with every append going through
// the COPY write path.
func TestConformanceCopyPath(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store {
		url := pgtest.Server(t).NewDatabase(t)
		return openStore(t, url, conformanceConfig(postgres.Config{CopyThreshold: 1}))
	}, storetest.Features{MultiProcess: true, Shared: func(t *testing.T) (persistence.Store, persistence.Store) {
		url := pgtest.Server(t).NewDatabase(t)
		cfg := conformanceConfig(postgres.Config{CopyThreshold: 1})
		return openStore(t, url, cfg), openStore(t, url, cfg)
	}})
}
