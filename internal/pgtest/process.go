package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// StopMode is a PostgreSQL shutdown mode.
type StopMode string

const (
	// StopSmart waits for clients to disconnect (SIGTERM).
	StopSmart StopMode = "smart"
	// StopFast rolls back open transactions and exits cleanly (SIGINT).
	StopFast StopMode = "fast"
	// StopImmediate quits at once without a checkpoint; the next start runs
	// crash recovery (SIGQUIT), as after a power loss of the server process.
	StopImmediate StopMode = "immediate"
	// StopKill sends SIGKILL to the server's whole process group.
	StopKill StopMode = "kill"
)

// cluster is a data directory and, while it runs, its postmaster.
type cluster struct {
	binDir   string
	dir      string // temporary root: data/, sock/, server.log
	port     int
	password string
	cred     *syscall.Credential // nil unless running as root
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	initArgs []string      // extra initdb arguments
	chown    []string      // directories outside dir the server must own
}

func (c *cluster) dataDir() string { return filepath.Join(c.dir, "data") }
func (c *cluster) sockDir() string { return filepath.Join(c.dir, "sock") }
func (c *cluster) logPath() string { return filepath.Join(c.dir, "server.log") }

// newCluster runs initdb into a fresh temporary directory; initArgs are
// added to initdb's, and chown are directories outside it that the server
// must own (a WAL directory).
func newCluster(binDir string, initArgs ...string) (*cluster, error) {
	return newClusterWith(binDir, initArgs, nil)
}

func newClusterWith(binDir string, initArgs, chown []string) (*cluster, error) {
	c := &cluster{binDir: binDir, password: randomHex(12), initArgs: initArgs, chown: chown}
	base := os.TempDir()
	if os.Geteuid() == 0 {
		base = "/tmp" // must be reachable by the postgres user
	}
	removeStale(base)
	dir, err := os.MkdirTemp(base, "actorstore-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c.dir = dir
	os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	if err := c.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *cluster) init() error {
	if err := os.Mkdir(c.sockDir(), 0o700); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	pwfile := filepath.Join(c.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if err := c.dropRoot(); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	args := append([]string{"-D", c.dataDir(), "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
		"--pwfile=" + pwfile, "--no-sync", "--no-instructions"}, c.initArgs...)
	out, err := c.command("initdb", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %v: %s", err, bytes.TrimSpace(out))
	}
	os.Remove(pwfile)
	return c.writeConfig()
}

// dropRoot makes the postgres system user own the directory when running
// as root, since PostgreSQL refuses to run as root.
func (c *cluster) dropRoot() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("pgtest: running as root needs a postgres system user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	for _, dir := range append([]string{c.dir}, c.chown...) {
		if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (c *cluster) writeConfig() error {
	conf := fmt.Sprintf(`
# actorstore pgtest
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 300
shared_buffers = 64MB
max_wal_size = 256MB
checkpoint_timeout = 1min
log_min_messages = warning
log_min_error_statement = panic
`, c.port, c.sockDir())
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer f.Close()
	_, err = f.WriteString(conf)
	return err
}

// command builds a command for a PostgreSQL binary: its own process
// group, killed when the test binary dies, as the postgres user if root.
func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.dir
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: c.cred,
	}
	return cmd
}

// start launches postgres and waits until it accepts connections.
func (c *cluster) start(adminURL string) error {
	logf, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	cmd := c.command("postgres", "-D", c.dataDir())
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.cmd, c.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(c.exited)
	if err := c.waitReady(adminURL, 3*time.Minute); err != nil {
		c.stop(StopKill)
		return err
	}
	return nil
}

// waitReady polls until a connection succeeds, the server exits, or the
// deadline passes.
func (c *cluster) waitReady(adminURL string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			return fmt.Errorf("pgtest: postgres exited during start: %s", c.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, adminURL)
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		last = err
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-c.exited:
		case <-t.C:
		}
		t.Stop()
	}
	return fmt.Errorf("pgtest: postgres not ready after %v: %v: %s", limit, last, c.logTail())
}

// stop shuts the server down in mode and waits for it to exit; then it
// kills whatever is left of its process group.
func (c *cluster) stop(mode StopMode) error {
	if c.cmd == nil {
		return errors.New("pgtest: server is not running")
	}
	pid := c.cmd.Process.Pid
	sig := map[StopMode]syscall.Signal{StopSmart: syscall.SIGTERM, StopFast: syscall.SIGINT,
		StopImmediate: syscall.SIGQUIT, StopKill: syscall.SIGKILL}[mode]
	if sig == 0 {
		return fmt.Errorf("pgtest: unknown stop mode %q", mode)
	}
	if mode == StopKill {
		syscall.Kill(-pid, syscall.SIGKILL)
	} else {
		c.cmd.Process.Signal(sig)
	}
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-c.exited:
	case <-t.C:
		syscall.Kill(-pid, syscall.SIGKILL)
		<-c.exited
	}
	syscall.Kill(-pid, syscall.SIGKILL) // stragglers of the group, if any
	c.cmd = nil
	return nil
}

func (c *cluster) logTail() string {
	b, _ := os.ReadFile(c.logPath())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// cleanEnv drops PG* variables that would redirect initdb or postgres.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// removeStale deletes the directories of earlier test binaries that died
// without cleaning up (their postgres died with them: parent-death signal).
// A directory whose owner process still exists is left alone.
func removeStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "actorstore-pgtest-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue // being created, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		os.RemoveAll(dir)
	}
}
