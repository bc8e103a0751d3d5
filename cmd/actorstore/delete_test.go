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

// TestMetadataAgainstServe: `actorstore metadata` sets a retention that
// reads honour at once, reads it back, and refuses a stale
// --expected-version with the typed error.
func TestMetadataAgainstServe(t *testing.T) {
	bin := buildBinary(t)
	node := "--node=" + startServe(t, bin)
	for range 5 {
		run(t, bin, 0, "", "append", node, "-s", "kept-1", "-t", "A", "-d", "{}")
	}
	out := run(t, bin, 0, "", "metadata", node, "-s", "kept-1", "--max-count", "2", "--expected-version", "no-stream")
	if !strings.Contains(out, "kept-1 metadata version 1: truncate-before 0, max-age 0s, max-count 2") {
		t.Fatalf("metadata set output: %s", out)
	}
	out = run(t, bin, 0, "", "read", node, "-s", "kept-1", "--json")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.Contains(lines[0], `"version":4`) {
		t.Fatalf("read within max-count 2: %s", out)
	}
	out = run(t, bin, 0, "", "metadata", node, "-s", "kept-1", "--json")
	if !strings.Contains(out, `"max_count":2`) || !strings.Contains(out, `"version":1`) {
		t.Fatalf("metadata read --json: %s", out)
	}
	out = run(t, bin, 1, "", "metadata", node, "-s", "kept-1", "--clear", "-e", "no-stream")
	if !strings.Contains(out, "wrong expected version") {
		t.Fatalf("metadata with a stale expectation: %s", out)
	}
}
