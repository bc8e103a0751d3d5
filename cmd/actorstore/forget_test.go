package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestForgetAgainstServe: a node with a master key file stores events with
// a subject encrypted; after `actorstore forget` `read` and `tail` show
// the subject's events as shredded and the others as they were.
func TestForgetAgainstServe(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "master.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	n := serveNode(t, bin, data, "--master-key-file", key)
	node := "--node=" + n.Listen
	run(t, bin, 0, "", "append", node, "-s", "customer-1", "-t", "Registered", "-d", `{"name":"Ada Secret"}`,
		"--meta", "actorstore.subject=ada")
	run(t, bin, 0, "", "append", node, "-s", "customer-1", "-t", "Noted", "-d", `{"note":"kept"}`)
	out := run(t, bin, 0, "", "read", node, "-s", "customer-1")
	if !strings.Contains(out, "Ada Secret") {
		t.Fatalf("read before forget: %s", out)
	}
	out = run(t, bin, 0, "", "forget", node, "--subject", "ada")
	if !strings.Contains(out, "forgot subject ada") {
		t.Fatalf("forget: %s", out)
	}
	out = run(t, bin, 0, "", "read", node, "-s", "customer-1")
	if strings.Contains(out, "Ada Secret") || !strings.Contains(out, "(shredded: subject ada forgotten)") || !strings.Contains(out, "kept") {
		t.Fatalf("read after forget: %s", out)
	}
	out = run(t, bin, 0, "", "read", node, "-s", "customer-1", "--json")
	if !strings.Contains(out, `"shredded":true`) || !strings.Contains(out, "application/vnd.actorstore.shredded") {
		t.Fatalf("read --json after forget: %s", out)
	}
	tail := exec.Command(bin, "tail", node, "-s", "customer-1", "--beginning", "--json")
	stdout, err := tail.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tail.Process.Kill(); _ = tail.Wait() })
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for i, want := range []string{`"shredded":true`, `"kept"`} {
		select {
		case l := <-lines:
			if !strings.Contains(l, want) || strings.Contains(l, "Ada Secret") {
				t.Fatalf("tail line %d: %s (want %s)", i, l, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("tail printed nothing for 20s")
		}
	}
	_ = tail.Process.Signal(syscall.SIGINT)
	_ = tail.Wait()
}
