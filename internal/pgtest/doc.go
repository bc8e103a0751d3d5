// Package pgtest starts a throwaway PostgreSQL server for a test binary and
// hands each test its own fresh database, so tests that need PostgreSQL can
// run in parallel against a real server without any setup.
//
// # Use
//
// Call Main from TestMain, so the server is stopped and its files removed
// when the test binary ends:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		url := pgtest.Server(t).NewDatabase(t) // dropped when t ends
//		...
//	}
//
// # Where the server comes from
//
// When ACTORSTORE_TEST_DATABASE_URL is set, tests use that server (it must
// let the URL's user CREATE DATABASE); Stop and Start are then not
// available and fault tests skip. Otherwise the first Server call runs
// initdb into a temporary directory and starts postgres on a free loopback
// port, with fsync and synchronous_commit on: durability is under test. The
// binaries are looked up on PATH, then under /usr/lib/postgresql/*/bin
// (newest version first), or in ACTORSTORE_POSTGRES_BIN when set. As root,
// PostgreSQL runs as the "postgres" system user.
//
// Without binaries and without a URL, tests skip with a message saying how
// to enable them, unless ACTORSTORE_REQUIRE_POSTGRES=1: then they fail.
//
// # Cleanup
//
// The server runs in its own process group and gets SIGKILL from the kernel
// when the test binary dies (Linux parent-death signal), so a panicking test
// leaves no postgres behind; Main stops it cleanly on a normal exit.
//
// All functions are safe for concurrent use by parallel tests.
package pgtest
