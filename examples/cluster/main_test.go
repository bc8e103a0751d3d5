package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestClusterExample builds this example and runs it against a throwaway
// PostgreSQL database. It is built without -race: protoactor's cluster
// package has data races of its own (gossip, member list, identity lookup)
// that the race detector reports in any cluster.
func TestClusterExample(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	bin := filepath.Join(t.TempDir(), "cluster")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-postgres-url", url).CombinedOutput()
	if err != nil {
		t.Fatalf("example: %v\n%s", err, out)
	}
	for _, want := range []string{"node 2 at 127.0.0.1:", "cluster membership joined, 3 members",
		"appended to 12 streams through node 0", "read through node 2: 1 event(s), Placed@1",
		"typed error through node 2: expected no-stream, actual 1",
		"a subscriber on node 1 saw the 12 events appended through node 0", "node 2 stopped",
		"cluster membership joined, 2 members", "after node 2 left, 12 appends through node 0 succeeded"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("%s", out)
}
