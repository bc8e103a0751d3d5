package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// globalUses are the package-level functions that change or write through
// a process-wide logger, or end the process, by import path.
var globalUses = map[string]map[string]bool{
	"os": {"Exit": true},
	"log/slog": {"SetDefault": true, "SetLogLoggerLevel": true, "Debug": true, "Info": true, "Warn": true,
		"Error": true, "Log": true, "LogAttrs": true, "DebugContext": true, "InfoContext": true,
		"WarnContext": true, "ErrorContext": true, "Default": true},
	"log": {"Print": true, "Printf": true, "Println": true, "Fatal": true, "Fatalf": true, "Fatalln": true,
		"Panic": true, "Panicf": true, "Panicln": true, "SetOutput": true, "SetFlags": true,
		"SetPrefix": true, "Output": true, "Default": true},
	"github.com/rs/zerolog": {"SetGlobalLevel": true, "DisableSampling": true},
}

// globalPackages may not be imported at all outside programs: their whole
// API is a global logger.
var globalPackages = map[string]bool{"github.com/rs/zerolog/log": true}

// program reports whether p is a program allowed to own the process:
// everything under cmd/, the example programs, and the programs the tests
// build and run (tests/entitynode).
func program(p pkg) bool {
	return under(p.ImportPath, "cmd") ||
		((under(p.ImportPath, "examples") || under(p.ImportPath, "tests")) && p.Name == "main")
}

// TestOnlyProgramsTouchGlobals: outside cmd/ (and the example and test programs),
// no non-test file sets or writes through a global logger (zerolog's log
// package, zerolog.SetGlobalLevel or any zerolog package variable,
// slog.SetDefault and slog's package-level logging, the standard log
// package's logger) or calls os.Exit. Libraries take a zerolog.Logger in
// their Config; tests may exit from TestMain.
func TestOnlyProgramsTouchGlobals(t *testing.T) {
	for _, p := range listPackages(t) {
		if program(p) {
			continue
		}
		for _, f := range p.GoFiles {
			for _, v := range globalsIn(t, filepath.Join(p.Dir, f)) {
				t.Errorf("%s: %s; only programs under cmd/ may (inject a zerolog.Logger instead)", v, rel(p.ImportPath))
			}
		}
	}
}

// globalsIn returns the uses of process globals in one Go file.
func globalsIn(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	names := map[string]string{} // local name -> import path
	var out []string
	for _, imp := range file.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		if globalPackages[ip] {
			out = append(out, fmt.Sprintf("%s imports %s", fset.Position(imp.Pos()), ip))
		}
		name := ip[strings.LastIndex(ip, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = ip
	}
	target := func(e ast.Expr) (string, string, bool) {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return "", "", false
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return "", "", false
		}
		ip, ok := names[id.Name]
		return ip, sel.Sel.Name, ok
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if ip, fn, ok := target(n.Fun); ok && globalUses[ip][fn] {
				out = append(out, fmt.Sprintf("%s calls %s.%s", fset.Position(n.Pos()), ip, fn))
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if ip, v, ok := target(l); ok && ip == "github.com/rs/zerolog" {
					out = append(out, fmt.Sprintf("%s sets zerolog.%s", fset.Position(n.Pos()), v))
				}
			}
		}
		return true
	})
	return out
}
