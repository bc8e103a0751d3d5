package tests

import (
	"os"
	"testing"

	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestMain runs the tests with a throwaway PostgreSQL server, or, when this
// binary was started as a helper process (the crash loop's append driver,
// a cluster test's peer, a benchmark's node), runs that instead.
func TestMain(m *testing.M) {
	if cfg := os.Getenv(driverEnv); cfg != "" {
		os.Exit(runDriver(cfg))
	}
	if cfg := os.Getenv(clusterDriverEnv); cfg != "" {
		os.Exit(runClusterDriver(cfg))
	}
	if cfg := os.Getenv(consumerEnv); cfg != "" {
		os.Exit(runConsumer(cfg))
	}
	if cfg := os.Getenv(benchNodeEnv); cfg != "" {
		os.Exit(runBenchNode(cfg))
	}
	pgtest.Main(m)
}
