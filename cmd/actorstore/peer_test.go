package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/servetest"
)

// servedNode is a running `actorstore serve` started by serveNode.
type servedNode = servetest.Node

// startServe runs `actorstore serve` on a fresh embedded data directory on
// free loopback ports and returns the address from its ready line. The
// node stops when the test ends.
func startServe(t *testing.T, bin string, extra ...string) string {
	t.Helper()
	return serveNode(t, bin, filepath.Join(t.TempDir(), "data"), extra...).Listen
}

// serveNode runs `actorstore serve` on the embedded store in data, on free
// loopback ports, and waits for its ready line. The node gets SIGTERM when
// the test ends.
func serveNode(t *testing.T, bin, data string, extra ...string) servedNode {
	t.Helper()
	return servetest.StartIn(t, bin, data, extra...)
}

// run runs the binary and returns stdout; it fails t unless the exit
// status is want.
func run(t *testing.T, bin string, want int, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, out.String(), errOut.String())
	}
	return out.String() + errOut.String()
}

func TestAppendReadStatusAgainstServe(t *testing.T) {
	bin := buildBinary(t)
	addr := startServe(t, bin)
	node := "--node=" + addr

	out := run(t, bin, 0, "", "append", node, "-s", "order-1", "-t", "Placed", "-d", `{"total":3}`, "-e", "no-stream")
	if !strings.Contains(out, "to order-1: version 1") {
		t.Fatalf("append output: %s", out)
	}
	out = run(t, bin, 0, `{"paid":true}`, "append", node, "-s", "order-1", "-t", "Paid", "--json")
	var res struct {
		LastVersion uint64 `json:"last_version"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.LastVersion != 2 {
		t.Fatalf("append --json from stdin: %s (%v)", out, err)
	}
	out = run(t, bin, 1, "", "append", node, "-s", "order-1", "-t", "Late", "-d", "{}", "-e", "1")
	if !strings.Contains(out, "wrong expected version: expected 1, actual 2") {
		t.Fatalf("conflict output: %s", out)
	}
	out = run(t, bin, 1, "", "append", node, "-s", "order-1", "-t", "Late", "-d", "{}", "-e", "1", "--json")
	if !strings.Contains(out, `{"error":{"code":"ERROR_CODE_CONCURRENCY"`) || !strings.Contains(out, `"actual_version":"2"`) {
		t.Fatalf("conflict --json output: %s", out)
	}

	out = run(t, bin, 1, "", "append", node, "-s", "order-1", "-t", "Bad", "-d", "{bad")
	if !strings.Contains(out, "not valid JSON") || !strings.Contains(out, `"Bad"`) {
		t.Fatalf("append of invalid JSON: %s", out)
	}

	out = run(t, bin, 0, "", "read", node, "-s", "order-1", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var ev struct {
		Type string
		Data map[string]any
	}
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &ev) != nil || ev.Type != "Paid" || ev.Data["paid"] != true {
		t.Fatalf("read --json: %s", out)
	}
	out = run(t, bin, 0, "", "read", node, "--backward", "-n", "1")
	if !strings.Contains(out, "order-1@2  Paid") {
		t.Fatalf("read all backward: %s", out)
	}
	out = run(t, bin, 0, "", "status", node, "--json")
	if !strings.Contains(out, `"store_kind":"embedded"`) || !strings.Contains(out, `"address":"`+addr+`"`) {
		t.Fatalf("status --json: %s", out)
	}
	var st struct {
		Health struct {
			OK     bool `json:"ok"`
			Checks []struct {
				Name string `json:"name"`
				OK   bool   `json:"ok"`
			} `json:"checks"`
		} `json:"health"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || !st.Health.OK || len(st.Health.Checks) != 3 ||
		st.Health.Checks[0].Name != "database" {
		t.Fatalf("status --json: no ready health report with 3 checks (%v): %s", err, out)
	}
	if out = run(t, bin, 0, "", "status", node); !strings.Contains(out, "health    ready (checks: database, migrations, actors)") {
		t.Fatalf("status: no health line: %s", out)
	}
	run(t, bin, 2, "", "append", node, "-s", "x", "-t", "T", "-d", "{}", "-e", "soon")
}

func TestDeadNodeFailsFast(t *testing.T) {
	bin := buildBinary(t)
	start := time.Now()
	out := run(t, bin, 1, "", "status", "--node", "127.0.0.1:1", "--timeout", "20s")
	if time.Since(start) > 10*time.Second || !strings.Contains(out, "127.0.0.1:1") {
		t.Fatalf("status of a dead node took %v: %s", time.Since(start), out)
	}
}

func TestTailFollowsAppends(t *testing.T) {
	bin := buildBinary(t)
	addr := startServe(t, bin)
	node := "--node=" + addr
	run(t, bin, 0, "", "append", node, "-s", "tail-1", "-t", "Before", "-d", `{"n":1}`)

	tail := exec.Command(bin, "tail", node, "-s", "tail-1", "--beginning", "--json")
	out, err := tail.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(20 * time.Second):
			_ = tail.Process.Kill()
			t.Fatal("tail printed nothing for 20s")
		}
		return ""
	}
	if l := next(); !strings.Contains(l, `"type":"Before"`) {
		t.Fatalf("first line: %s", l)
	}
	run(t, bin, 0, "", "append", node, "-s", "tail-1", "-t", "After", "-d", `{"n":2}`)
	if l := next(); !strings.Contains(l, `"type":"After"`) || !strings.Contains(l, `"version":2`) {
		t.Fatalf("live line: %s", l)
	}
	_ = tail.Process.Signal(syscall.SIGINT)
	if err := tail.Wait(); err != nil {
		t.Fatalf("tail did not exit cleanly on SIGINT: %v", err)
	}
}

// TestStockServeRefusesEntityCommands: `actorstore serve` registers no
// entity kinds, so a peer's command gets a typed unknown-kind error
// (docs/entities.md "From other processes").
func TestStockServeRefusesEntityCommands(t *testing.T) {
	addr := startServe(t, buildBinary(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _, err = c.Execute(ctx, "order-1", wrapperspb.String("ship"))
	var uk *eventstore.UnknownKindError
	if !errors.As(err, &uk) || uk.Stream != "order-1" || !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("command to the stock serve: %T %v, want *eventstore.UnknownKindError", err, err)
	}
}
