package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles the command once per test into a temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actorstore")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestServeRunsOnEmbeddedStoreAndStopsOnSIGTERM starts `actorstore serve`
// with no database configured, waits for its ready log line, sends SIGTERM
// and expects a clean exit and the embedded store's file in the data dir.
func TestServeRunsOnEmbeddedStoreAndStopsOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--log-format", "json", "serve", "--data-dir", filepath.Join(dir, "data"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	var lines []string
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), "node ready") {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("serve exited before it was ready")
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not log readiness within 60s")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "actorstore.db")); err != nil {
		t.Fatalf("embedded store file missing: %v", err)
	}
}

func TestBadFlagsExitWithStatus2(t *testing.T) {
	bin := buildBinary(t)
	for _, args := range [][]string{
		{"--log-level", "loud", "serve"},
		{"serve", "--max-live-streams", "-1", "--data-dir", t.TempDir()},
		{"serve", "--retry-attempts", "-3", "--data-dir", t.TempDir()},
		{"serve", "--lease-ttl", "1ms", "--data-dir", t.TempDir()},
		{"serve", "--cluster-name", "c", "--cluster-seeds", "127.0.0.1:6330", "--data-dir", t.TempDir()},
		{"serve", "--cluster-name", "c", "--postgres-url", "postgres://x@127.0.0.1:1/db"},
		{"serve", "--cluster-seeds", "127.0.0.1:6330", "--postgres-url", "postgres://x@127.0.0.1:1/db"},
		{"serve", "--cluster-name", "c", "--cluster-seeds", "127.0.0.1:6330", "--cluster-etcd", "127.0.0.1:2379",
			"--postgres-url", "postgres://x@127.0.0.1:1/db"},
		{"serve", "--cluster-etcd", "127.0.0.1:2379", "--postgres-url", "postgres://x@127.0.0.1:1/db"},
		{"serve", "--cluster-name", "c", "--cluster-seeds", "127.0.0.1:6330", "--cluster-attempt-timeout", "-1s",
			"--postgres-url", "postgres://x@127.0.0.1:1/db"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%v: want exit status 2, got %v\n%s", args, err, out)
		}
		if !strings.Contains(string(out), "actorstore:") {
			t.Errorf("%v: no error message: %s", args, out)
		}
	}
	out, _ := exec.Command(bin, "serve", "--cluster-name", "c", "--cluster-seeds", "127.0.0.1:6330",
		"--data-dir", t.TempDir()).CombinedOutput()
	if !strings.Contains(string(out), "needs --postgres-url") {
		t.Errorf("a cluster on the embedded store: the error does not say it needs PostgreSQL: %s", out)
	}
}
