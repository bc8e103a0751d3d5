package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupAndRestoreOfARunningNode: `actorstore backup` copies the
// embedded store while a node runs on it; `restore --check-only` checks
// the copy; `restore` makes it the store of a new data directory, on
// which a node serves the same events.
func TestBackupAndRestoreOfARunningNode(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	node := "--node=" + serveNode(t, bin, data).Listen
	for range 3 {
		run(t, bin, 0, "", "append", node, "-s", "order-1", "-t", "Placed", "-d", `{"total":3}`)
	}
	bak := filepath.Join(dir, "backup.db")
	out := run(t, bin, 0, "", "backup", "--data-dir", data, "--to", bak, "--json")
	var rep struct {
		Events       int `json:"events"`
		LastPosition int `json:"last_position"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Events != 3 || rep.LastPosition != 3 {
		t.Fatalf("backup --json: %s (%v)", out, err)
	}
	run(t, bin, 1, "", "backup", "--data-dir", data, "--to", bak) // exists: refused
	out = run(t, bin, 0, "", "restore", "--from", bak, "--check-only")
	if !strings.Contains(out, "checked") || !strings.Contains(out, "3 events") {
		t.Fatalf("restore --check-only: %s", out)
	}
	restored := filepath.Join(dir, "restored")
	run(t, bin, 0, "", "restore", "--from", bak, "--data-dir", restored)
	node2 := "--node=" + serveNode(t, bin, restored).Listen
	out = run(t, bin, 0, "", "read", node2, "-s", "order-1", "--json")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 {
		t.Fatalf("read from the restored node: %s", out)
	}
}
