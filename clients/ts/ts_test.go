// Package ts holds the TypeScript client test of the gRPC/Connect API
// (src/test.ts, with the code generated from messages/*.proto in
// src/gen by `npm run generate`), run from Go so that `go test ./...`
// runs it against a real `actorstore serve`.
package ts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/internal/servetest"
)

// requireEnv makes a missing Node.js setup a failure instead of a skip
// (.ci/run sets it after `npm ci`).
const requireEnv = "ACTORSTORE_REQUIRE_NODE"

func needNode(t *testing.T) {
	t.Helper()
	_, errNode := exec.LookPath("node")
	_, errMods := os.Stat(filepath.Join("node_modules", ".bin", "tsx"))
	if errNode == nil && errMods == nil {
		return
	}
	msg := "Node.js or clients/ts/node_modules missing (run `npm ci` in clients/ts)"
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s, and %s=1", msg, requireEnv)
	}
	t.Skip(msg + "; " + requireEnv + "=1 makes this a failure")
}

// TestTypeScriptClient runs src/test.ts against a node: append with
// expected versions, a typed conflict, reads, a subscription's history
// and live event, and a refused bad request.
func TestTypeScriptClient(t *testing.T) {
	needNode(t)
	n := servetest.Start(t, servetest.Build(t))
	cmd := exec.Command(filepath.Join("node_modules", ".bin", "tsx"), "src/test.ts")
	cmd.Env = append(os.Environ(), "ACTORSTORE_API_URL=http://"+n.API)
	out, err := cmd.CombinedOutput()
	t.Logf("src/test.ts:\n%s", out)
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("src/test.ts failed: %v", err)
	}
}

// TestTypeScriptTypesAndGeneratedCode type-checks the test and the
// generated code, and checks that src/gen is what `npm run generate`
// makes from messages/*.proto now (when protoc is installed).
func TestTypeScriptTypesAndGeneratedCode(t *testing.T) {
	needNode(t)
	if out, err := exec.Command(filepath.Join("node_modules", ".bin", "tsc"), "--noEmit").CombinedOutput(); err != nil {
		t.Fatalf("tsc: %v\n%s", err, out)
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Log("protoc missing: generated code not compared")
		return
	}
	dir := t.TempDir()
	gen := exec.Command("protoc", "--plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es", "--es_out="+dir,
		"--es_opt=target=ts,import_extension=js", "-I", "../../messages",
		"service.proto", "api.proto", "events.proto", "subscriptions.proto", "entities.proto")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ts"))
	if len(files) == 0 {
		t.Fatal("protoc generated nothing")
	}
	for _, f := range files {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join("src", "gen", filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("src/gen/%s is stale: run `npm run generate` in clients/ts", filepath.Base(f))
		}
	}
}
