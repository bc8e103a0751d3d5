// Package servetest builds the actorstore binary and runs `actorstore
// serve` for tests of other processes' view of a node (the TypeScript
// client, the browser console): on free loopback ports, stopped with
// SIGTERM when the test ends.
package servetest

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Node is a running `actorstore serve`, with the addresses of its ready
// line ("off" for a door that is off).
type Node struct {
	Listen string `json:"listen"`
	Admin  string `json:"admin"`
	API    string `json:"api"`
	Pid    int    `json:"-"`
}

// BinaryEnv, when set, names a built actorstore binary that Build returns
// instead of building one (benchmarks build it before they measure).
const BinaryEnv = "ACTORSTORE_TEST_BINARY"

// Build builds cmd/actorstore into a temporary directory of t (or returns
// the binary BinaryEnv names).
func Build(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv(BinaryEnv); bin != "" {
		return bin
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(t.TempDir(), "actorstore")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/actorstore")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Start runs `bin serve` on the embedded store in a temporary directory,
// the peer transport, admin endpoint and gRPC/Connect API on free loopback
// ports, with extra flags appended, and returns once it is ready.
func Start(t testing.TB, bin string, extra ...string) Node {
	t.Helper()
	return StartIn(t, bin, filepath.Join(t.TempDir(), "data"), append([]string{"--api-addr", "127.0.0.1:0"}, extra...)...)
}

// StartIn runs `bin serve` on the embedded store in data, the peer
// transport and admin endpoint on free loopback ports, with extra flags
// appended, and returns once it is ready.
func StartIn(t testing.TB, bin, data string, extra ...string) Node {
	t.Helper()
	args := append([]string{"--log-format", "json", "serve", "--data-dir", data,
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	ready := make(chan Node, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var n Node
			if strings.Contains(sc.Text(), "node ready") && json.Unmarshal(sc.Bytes(), &n) == nil {
				ready <- n
			}
		}
		close(ready)
	}()
	select {
	case n, ok := <-ready:
		if !ok || n.Listen == "" {
			t.Fatal("serve exited before it was ready")
		}
		n.Pid = cmd.Process.Pid
		return n
	case <-time.After(60 * time.Second):
		t.Fatal("serve not ready within 60s")
	}
	return Node{}
}
