package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPeerAgainstNodeProcess builds the node binary and this example,
// starts the node, and runs the example against it: three processes.
func TestPeerAgainstNodeProcess(t *testing.T) {
	dir := t.TempDir()
	nodeBin, peerBin := filepath.Join(dir, "actorstore"), filepath.Join(dir, "peer")
	for bin, pkg := range map[string]string{nodeBin: "../../cmd/actorstore", peerBin: "."} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	addr := startNode(t, nodeBin, filepath.Join(dir, "data"))
	out, err := exec.Command(peerBin, "-node", addr).CombinedOutput()
	if err != nil {
		t.Fatalf("peer: %v\n%s", err, out)
	}
	for _, want := range []string{"node " + addr + " (embedded store)", "appended version 1",
		"typed error from the node: expected no-stream, actual 1", "@2 Again"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func startNode(t *testing.T, bin, data string) string {
	t.Helper()
	cmd := exec.Command(bin, "--log-format", "json", "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
		"--admin-listen", "127.0.0.1:0") // no fixed ports: test packages run in parallel
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Listen string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Listen != "" {
				addr <- line.Listen
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(60 * time.Second):
		t.Fatal("node not ready within 60s")
	}
	return ""
}
