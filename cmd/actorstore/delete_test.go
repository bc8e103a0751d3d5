package main

import (
	"strings"
	"testing"
)

// TestDeleteAgainstServe: `actorstore delete` soft-deletes (the stream then
// reads as not found and the next append continues at the next version),
// refuses a wrong --expected-version with the typed error, hard-deletes
// (appends then fail with ERROR_CODE_STREAM_DELETED) and refuses a bad flag
// with status 2.
func TestDeleteAgainstServe(t *testing.T) {
	bin := buildBinary(t)
	node := "--node=" + startServe(t, bin)
	run(t, bin, 0, "", "append", node, "-s", "gone-1", "-t", "A", "-d", "{}", "-e", "no-stream")
	run(t, bin, 0, "", "append", node, "-s", "gone-1", "-t", "A", "-d", "{}")
	out := run(t, bin, 1, "", "delete", node, "--stream", "gone-1", "--expected-version", "1")
	if !strings.Contains(out, "wrong expected version: expected 1, actual 2") {
		t.Fatalf("delete with a wrong version: %s", out)
	}
	out = run(t, bin, 0, "", "delete", node, "--stream", "gone-1", "--expected-version", "2")
	if !strings.Contains(out, "deleted gone-1: events up to version 2 hidden") {
		t.Fatalf("soft delete output: %s", out)
	}
	out = run(t, bin, 1, "", "read", node, "-s", "gone-1")
	if !strings.Contains(out, "not found") {
		t.Fatalf("read of the deleted stream: %s", out)
	}
	out = run(t, bin, 0, "", "append", node, "-s", "gone-1", "-t", "B", "-d", "{}", "-e", "2")
	if !strings.Contains(out, "to gone-1: version 3") {
		t.Fatalf("append after the soft delete: %s", out)
	}
	out = run(t, bin, 0, "", "delete", node, "-s", "gone-1", "--hard", "--json")
	if !strings.Contains(out, `"hard":true`) || !strings.Contains(out, `"version":3`) {
		t.Fatalf("hard delete --json: %s", out)
	}
	out = run(t, bin, 1, "", "append", node, "-s", "gone-1", "-t", "C", "-d", "{}", "--json")
	if !strings.Contains(out, "ERROR_CODE_STREAM_DELETED") {
		t.Fatalf("append after the hard delete: %s", out)
	}
	run(t, bin, 2, "", "delete", node, "-s", "gone-1", "--expected-version", "soon")
}
