package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeValidatesWithSchemaDir runs a node with --schemas: a peer's
// append whose payload breaks the schema fails with a validation error that
// names the nested field, and a valid one is stored. A broken schema
// directory stops serve with status 2.
func TestServeValidatesWithSchemaDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "Placed"), 0o755); err != nil {
		t.Fatal(err)
	}
	schema := `{"type":"object","required":["total"],"examples":[{"total":1,"lines":[{"qty":1}]}],
		"properties":{"total":{"type":"integer","minimum":1},
		"lines":{"type":"array","items":{"type":"object","properties":{"qty":{"type":"integer","minimum":1}}}}}}`
	if err := os.WriteFile(filepath.Join(dir, "Placed", "v1.schema.json"), []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	node := "--node=" + startServe(t, bin, "--schemas", dir)

	out := run(t, bin, 1, "", "append", node, "-s", "order-1", "-t", "Placed", "-d", `{"total":3,"lines":[{"qty":0}]}`, "--json")
	if !strings.Contains(out, "ERROR_CODE_VALIDATION") || !strings.Contains(out, "/lines/0/qty") {
		t.Fatalf("want a validation error naming /lines/0/qty, got: %s", out)
	}
	run(t, bin, 0, "", "append", node, "-s", "order-1", "-t", "Placed", "-d", `{"total":3}`, "-e", "no-stream")

	if err := os.WriteFile(filepath.Join(dir, "Placed", "v2.schema.json"), []byte(`{"type":`), 0o644); err != nil {
		t.Fatal(err)
	}
	out = run(t, bin, 2, "", "serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--schemas", dir)
	if !strings.Contains(out, "--schemas") {
		t.Fatalf("bad schema dir: want an error naming --schemas, got: %s", out)
	}
}
