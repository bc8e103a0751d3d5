// Package archtest keeps the import rules of docs/architecture.md true:
// imports point one way, persistence knows nothing of actors, only actors/
// imports protoactor, and only programs (cmd/, and the example programs)
// touch global logging or exit the process.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/actorstore/actorstore"

type pkg struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func rel(path string) string {
	if path == module {
		return "(root)"
	}
	return strings.TrimPrefix(path, module+"/")
}

func under(path, dir string) bool {
	r := rel(path)
	return r == dir || strings.HasPrefix(r, dir+"/")
}

// ours lists every layer of the module, for the packages that must import
// none of them.
var ours = []string{"messages", "eventstore", "wire", "persistence", "schemas", "supervisor", "actors", "internal",
	"streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"}

// forbidden lists, for each layer, the layers of ours it must not import
// (directly or through another package). A layer is a directory and
// everything under it; "(root)" is package actorstore alone.
var forbidden = map[string][]string{
	"messages":      {"eventstore", "wire", "persistence", "schemas", "supervisor", "actors", "internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"eventstore":    {"messages", "wire", "persistence", "schemas", "supervisor", "actors", "internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"wire":          {"persistence", "schemas", "supervisor", "actors", "internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"persistence":   {"messages", "wire", "schemas", "supervisor", "actors", "internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"schemas":       {"supervisor", "actors", "internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"supervisor":    {"actors", "internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"actors":        {"internal", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"streams":       {"subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"subscriptions": {"streams", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	"(root)":        {"node", "client", "telemetry", "cmd"},
	// projections: read models fed from the store; below the root, beside
	// subscriptions, without actors (docs/adr/0019-projections.md).
	// It shares internal/leasing with consumer groups.
	"projections": {"messages", "wire", "schemas", "supervisor", "actors", "internal/engine", "internal/instruments",
		"streams", "subscriptions", "(root)", "node", "client", "telemetry", "cmd"},
	"node":      {"(root)", "client", "telemetry", "cmd"},
	"client":    {"streams", "subscriptions", "projections", "internal", "(root)", "node", "telemetry", "cmd"},
	"telemetry": {"node", "client", "cmd"},
	"examples":  {"cmd", "internal/pgtest"},
	"tests":     {"cmd"},

	// internal/: the hot path's instruments sit below the actors' users;
	// the test harnesses import nothing of ours.
	"internal/instruments": {"actors", "streams", "subscriptions", "projections", "(root)", "node", "client", "telemetry", "cmd"},
	// engine: the store's inside handed to its servers; below them.
	"internal/engine":   {"(root)", "node", "client", "telemetry", "cmd"},
	"internal/pgtest":   ours,
	"internal/archtest": ours,
}

func TestImportsPointOneWay(t *testing.T) {
	for _, p := range listPackages(t) {
		for layer, banned := range forbidden {
			if !under(p.ImportPath, layer) {
				continue
			}
			for _, d := range p.Deps {
				if !strings.HasPrefix(d, module) {
					continue
				}
				for _, b := range banned {
					if (b == "(root)" && d == module) || (b != "(root)" && under(d, b)) {
						t.Errorf("%s imports %s: %s must not depend on %s", rel(p.ImportPath), rel(d), layer, b)
					}
				}
			}
		}
	}
}

func TestOnlyActorsImportsProtoactor(t *testing.T) {
	for _, p := range listPackages(t) {
		if under(p.ImportPath, "actors") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/asynkron/protoactor-go") {
				t.Errorf("%s imports %s directly; keep protoactor behind actors/", rel(p.ImportPath), imp)
			}
		}
	}
}

func TestPersistenceHasNoActors(t *testing.T) {
	for _, p := range listPackages(t) {
		if !under(p.ImportPath, "persistence") {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/asynkron/protoactor-go") {
				t.Errorf("%s depends on %s; persistence must build without actors", rel(p.ImportPath), d)
			}
		}
	}
}
