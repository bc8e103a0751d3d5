package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Pair is a primary and a streaming standby started by the harness for
// one test, with synchronous replication on: a commit is acknowledged
// only when the standby has it (synchronous_commit = on with the standby
// as the one synchronous standby), so promoting the standby loses no
// acknowledged commit.
type Pair struct {
	Primary, Standby *Instance
	password         string
}

// standbyName is the standby's application_name, the one synchronous standby.
const standbyName = "standby1"

// NewPair starts a primary and a standby that streams from it (both from
// the PostgreSQL binaries the harness uses) and removes both when t ends.
// It skips t when the binaries are missing and the harness uses an
// external server.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	bin, err := findBinDir()
	if err != nil {
		t.Skip(err)
	}
	primary, err := newCluster(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := &Pair{password: primary.password}
	p.Primary = p.instance(primary)
	t.Cleanup(func() { p.Primary.shutdown() })
	if err := primary.appendConfig(fmt.Sprintf(`
wal_level = replica
max_wal_senders = 4
hot_standby = on
synchronous_standby_names = '%s'
wal_sender_timeout = 5s
`, standbyName)); err != nil {
		t.Fatal(err)
	}
	hba := "host replication postgres 127.0.0.1/32 scram-sha-256\n"
	if err := appendFile(filepath.Join(primary.dataDir(), "pg_hba.conf"), hba); err != nil {
		t.Fatal(err)
	}
	if err := primary.start(p.Primary.AdminURL()); err != nil {
		t.Fatal(err)
	}
	standby, err := p.baseBackup(bin, primary)
	if err != nil {
		t.Fatal(err)
	}
	p.Standby = p.instance(standby)
	t.Cleanup(func() { p.Standby.shutdown() })
	if err := standby.start(p.Standby.AdminURL()); err != nil {
		t.Fatal(err)
	}
	if err := p.waitSynchronous(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *Pair) instance(c *cluster) *Instance {
	return &Instance{cluster: c, admin: &url.URL{
		Scheme: "postgres", User: url.UserPassword("postgres", p.password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/postgres", RawQuery: "sslmode=disable",
	}}
}

// baseBackup copies the running primary into a new standby cluster.
func (p *Pair) baseBackup(bin string, primary *cluster) (*cluster, error) {
	base := os.TempDir()
	if os.Geteuid() == 0 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "actorstore-pgtest-")
	if err != nil {
		return nil, err
	}
	os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	c := &cluster{binDir: bin, dir: dir, password: p.password}
	if err := os.Mkdir(c.sockDir(), 0o700); err != nil {
		return nil, err
	}
	if err := c.dropRoot(); err != nil {
		return nil, err
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	cmd := c.command("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres",
		"-D", c.dataDir(), "-X", "stream", "--no-sync")
	cmd.Env = append(cmd.Env, "PGPASSWORD="+p.password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: pg_basebackup: %v: %s", err, out)
	}
	conninfo := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres password=%s application_name=%s",
		primary.port, p.password, standbyName)
	if err := c.appendConfig(fmt.Sprintf("port = %d\nunix_socket_directories = '%s'\nprimary_conninfo = '%s'\n",
		c.port, c.sockDir(), conninfo)); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.dataDir(), "standby.signal"), nil, 0o644); err != nil {
		return nil, err
	}
	return c, c.dropRoot()
}

// waitSynchronous waits until the primary sees the standby as its
// synchronous standby, streaming.
func (p *Pair) waitSynchronous(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var state string
		conn, err := pgx.Connect(ctx, p.Primary.AdminURL())
		if err == nil {
			err = conn.QueryRow(ctx, "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1",
				standbyName).Scan(&state)
			conn.Close(ctx)
		}
		cancel()
		if err == nil && state == "sync" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: the standby is not a streaming synchronous standby after %v (state %q, %v)",
				limit, state, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Promote makes the standby a primary (pg_promote, waiting for it). The
// new primary has no standby of its own, so, as a failover manager does,
// it drops synchronous_standby_names (copied from the old primary):
// otherwise every commit would wait for a standby that is not there.
func (p *Pair) Promote(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.Standby.AdminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_promote(true, 60)").Scan(&ok); err != nil || !ok {
		return fmt.Errorf("pgtest: promote: %v (promoted %v)", err, ok)
	}
	if _, err := conn.Exec(ctx, "ALTER SYSTEM SET synchronous_standby_names = ''"); err != nil {
		return fmt.Errorf("pgtest: promote: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("pgtest: promote: %w", err)
	}
	return nil
}

// URL returns a multi-host URL of database name: the primary first, then
// the standby, with target_session_attrs=read-write, so a client connects
// to whichever of the two accepts writes.
func (p *Pair) URL(name string) string {
	u := *p.Primary.admin
	u.Host = p.Primary.admin.Host + "," + p.Standby.admin.Host
	u.Path = "/" + name
	u.RawQuery = "sslmode=disable&target_session_attrs=read-write&connect_timeout=2"
	return u.String()
}

func (c *cluster) appendConfig(conf string) error {
	return appendFile(filepath.Join(c.dataDir(), "postgresql.conf"), conf)
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer f.Close()
	_, err = f.WriteString(text)
	return err
}
