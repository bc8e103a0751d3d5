package tests

import (
	"os"
	"testing"

	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestMain runs the tests with a throwaway PostgreSQL server, or, when this
// binary was started as the crash loop's append driver (driverEnv set),
// runs the driver instead.
func TestMain(m *testing.M) {
	if cfg := os.Getenv(driverEnv); cfg != "" {
		os.Exit(runDriver(cfg))
	}
	if cfg := os.Getenv(clusterDriverEnv); cfg != "" {
		os.Exit(runClusterDriver(cfg))
	}
	pgtest.Main(m)
}
