package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by the harness.
const (
	// EnvDatabaseURL points the tests at an existing server instead of a
	// throwaway one (a postgres:// URL whose user may CREATE DATABASE).
	EnvDatabaseURL = "ACTORSTORE_TEST_DATABASE_URL"
	// EnvRequire, set to 1, makes tests fail instead of skip when no
	// PostgreSQL is available.
	EnvRequire = "ACTORSTORE_REQUIRE_POSTGRES"
)

// ErrNotManaged is returned by Stop and Start on a server the harness did
// not start (ACTORSTORE_TEST_DATABASE_URL).
var ErrNotManaged = errors.New("pgtest: the server was not started by the harness")

// Instance is the PostgreSQL server of the test binary. It is safe for
// concurrent use.
type Instance struct {
	admin *url.URL // superuser URL of the maintenance database
	seq   atomic.Uint64

	mu      sync.Mutex // guards cluster start and stop
	cluster *cluster   // nil when not managed
}

var (
	once     sync.Once
	shared   *Instance
	startErr error
)

// Server returns the test binary's server, starting it on first use. It
// skips t when no PostgreSQL is available (fails it when
// ACTORSTORE_REQUIRE_POSTGRES=1) and fails t when the server cannot start.
func Server(t testing.TB) *Instance {
	t.Helper()
	once.Do(func() { shared, startErr = launch() })
	switch {
	case errors.Is(startErr, errNoPostgres) && os.Getenv(EnvRequire) != "1":
		t.Skip(startErr.Error())
	case startErr != nil:
		t.Fatal(startErr)
	}
	return shared
}

// Main runs the tests and then stops the server and removes its files.
// Call it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
// It does not exit: when TestMain returns, the test binary exits with the
// code of m.Run (only programs under cmd/ call os.Exit; archtest).
func Main(m *testing.M) {
	m.Run()
	if shared != nil {
		shared.shutdown()
	}
}

func launch() (*Instance, error) {
	if raw := os.Getenv(EnvDatabaseURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("pgtest: %s must be a postgres:// URL", EnvDatabaseURL)
		}
		return &Instance{admin: u}, nil
	}
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	c, err := newCluster(bin)
	if err != nil {
		return nil, err
	}
	in := managed(c)
	if err := c.start(in.admin.String()); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	return in, nil
}

// managed is the Instance of a cluster the harness made (not started yet).
func managed(c *cluster) *Instance {
	return &Instance{cluster: c, admin: &url.URL{
		Scheme: "postgres", User: url.UserPassword("postgres", c.password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/postgres",
		RawQuery: "sslmode=disable",
	}}
}

func (in *Instance) shutdown() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cluster == nil {
		return
	}
	if in.cluster.cmd != nil {
		in.cluster.stop(StopFast)
	}
	os.RemoveAll(in.cluster.dir)
}

// Managed reports whether the harness started the server, so that Stop and
// Start work.
func (in *Instance) Managed() bool { return in.cluster != nil }

// RequireManaged skips t when the server is not the harness's own.
func (in *Instance) RequireManaged(t testing.TB) {
	t.Helper()
	if !in.Managed() {
		t.Skip("needs a server started by pgtest (unset " + EnvDatabaseURL + ")")
	}
}

// Host returns the server's host:port.
func (in *Instance) Host() string { return in.admin.Host }

// Password returns the superuser's password ("" when the URL has none), so
// tests can check that it never appears in error text or logs.
func (in *Instance) Password() string {
	p, _ := in.admin.User.Password()
	return p
}

// AdminURL returns the superuser URL of the maintenance database.
func (in *Instance) AdminURL() string { return in.admin.String() }

// URL returns the URL of database name on this server, with the superuser's credentials.
func (in *Instance) URL(name string) string {
	u := *in.admin
	u.Path = "/" + name
	return u.String()
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// NewDatabase creates an empty database for t and returns its URL. On an
// external server (ACTORSTORE_TEST_DATABASE_URL) the database is dropped
// when t ends; a server of the harness keeps it (dropping costs a
// checkpoint-like flush per test) until Main removes the whole cluster.
func (in *Instance) NewDatabase(t testing.TB) string {
	t.Helper()
	name := in.databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := in.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
		" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	if in.Managed() {
		return in.URL(name) // the whole cluster is removed when the binary ends
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		in.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return in.URL(name)
}

func (in *Instance) databaseName(testName string) string {
	slug := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	suffix := fmt.Sprintf("_%d_%d_%s", os.Getpid(), in.seq.Add(1), randomHex(3))
	if max := 63 - len("t_") - len(suffix); len(slug) > max {
		slug = slug[len(slug)-max:]
	}
	return "t_" + slug + suffix
}

// Exec runs sql as the superuser in the maintenance database.
func (in *Instance) Exec(ctx context.Context, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, in.admin.String())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// TerminateBackends ends every connection to the database of dbURL (as
// pg_terminate_backend does) and returns how many it ended.
func (in *Instance) TerminateBackends(ctx context.Context, dbURL string) (int, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, in.admin.String())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, strings.TrimPrefix(u.Path, "/")).Scan(&n)
	return n, err
}

// Stop shuts the server down in mode (StopImmediate for a crash) and waits
// until it has exited. Databases and their data stay; Start brings them back.
func (in *Instance) Stop(mode StopMode) error {
	if !in.Managed() {
		return ErrNotManaged
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cluster.stop(mode)
}

// Start starts a stopped server again on the same port and waits until it
// accepts connections (after crash recovery, if it was stopped immediately).
func (in *Instance) Start() error {
	if !in.Managed() {
		return ErrNotManaged
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cluster.cmd != nil {
		return errors.New("pgtest: server is already running")
	}
	return in.cluster.start(in.admin.String())
}
