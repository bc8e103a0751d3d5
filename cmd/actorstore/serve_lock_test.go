package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
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
	first := serveNode(t, bin, data)

	second := exec.Command(bin, "serve", "--data-dir", data,
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
	done := make(chan struct{})
	var out []byte
	var err error
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
	for _, want := range []string{fmt.Sprint("process ", first.Pid), "PostgreSQL", "one process at a time"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second serve's error does not say %q:\n%s", want, out)
		}
	}
	// The first node still serves.
	run(t, bin, 0, "", "append", "--node", first.Listen, "--stream", "lock-1", "--type", "T", "--data", "{}")
	if got := run(t, bin, 0, "", "read", "--node", first.Listen, "--stream", "lock-1"); !strings.Contains(got, "T") {
		t.Fatalf("read from the first node: %q", got)
	}
}
