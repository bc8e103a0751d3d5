// Package archtest keeps the import rules of DESIGN.md true: imports point
// one way, persistence knows nothing of actors, and only actors/ imports
// protoactor.
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

// forbidden lists, for each layer, the layers of ours it must not import
// (directly or through another package).
var forbidden = map[string][]string{
	"messages":      {"eventstore", "wire", "persistence", "supervisor", "actors", "streams", "subscriptions", "(root)", "cmd"},
	"eventstore":    {"messages", "wire", "persistence", "supervisor", "actors", "streams", "subscriptions", "(root)", "cmd"},
	"wire":          {"persistence", "supervisor", "actors", "streams", "subscriptions", "(root)", "cmd"},
	"persistence":   {"messages", "wire", "supervisor", "actors", "streams", "subscriptions", "(root)", "cmd"},
	"supervisor":    {"actors", "streams", "subscriptions", "(root)", "cmd"},
	"actors":        {"streams", "subscriptions", "(root)", "cmd"},
	"streams":       {"subscriptions", "(root)", "cmd"},
	"subscriptions": {"streams", "(root)", "cmd"},
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
