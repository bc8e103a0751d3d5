package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondServeOnSameDataDirIsRefused starts `actorstore serve` on an
// embedded data directory, then a second one on the same directory (as a
// new user would, by starting another node from the same folder): the
// second exits with an error that names the first's PID and points to
// PostgreSQL, and the first keeps serving.
func TestSecondServeOnSameDataDirIsRefused(t *testing.T) {
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	first := exec.Command(bin, "--log-format", "json", "serve", "--data-dir", data,
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Process.Signal(syscall.SIGTERM); _ = first.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Listen string }
			if strings.Contains(sc.Text(), "node ready") && json.Unmarshal(sc.Bytes(), &line) == nil {
				addr <- line.Listen
			}
		}
		close(addr)
	}()
	var node string
	select {
	case node = <-addr:
		if node == "" {
			t.Fatal("first serve exited before it was ready")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("first serve not ready within 60s")
	}

	second := exec.Command(bin, "serve", "--data-dir", data,
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
	done := make(chan struct{})
	var out []byte
	go func() { out, err = second.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = second.Process.Kill()
		<-done
		t.Fatalf("second serve on the same data directory kept running:\n%s", out)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("second serve: %v, want a failed exit\n%s", err, out)
	}
	for _, want := range []string{fmt.Sprint("process ", first.Process.Pid), "PostgreSQL", "one process at a time"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second serve's error does not say %q:\n%s", want, out)
		}
	}
	// The first node still serves.
	run(t, bin, 0, "", "append", "--node", node, "--stream", "lock-1", "--type", "T", "--data", "{}")
	if got := run(t, bin, 0, "", "read", "--node", node, "--stream", "lock-1"); !strings.Contains(got, "T") {
		t.Fatalf("read from the first node: %q", got)
	}
}
