package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// rootAPIAllowed are the packages of ours an exported signature of the
// root package may name (besides the root itself and the standard
// library); libraries outside the module are allowed only in
// rootAPIExternal.
var (
	rootAPIAllowed = map[string]bool{module + "/eventstore": true, module + "/schemas": true,
		// Projections are aliased from their package, which names pgx.Tx
		// and *sql.Tx on purpose: the handler writes in the store's own
		// transaction (docs/adr/0019-projections.md).
		module + "/projections": true}
	rootAPIExternal = []string{"github.com/rs/zerolog", "go.opentelemetry.io/otel/"}
	// rootAPIHandOver is the one exported function that hands the store's
	// inside to the module's servers (docs/adr/0015-data-plane-root-api.md).
	rootAPIHandOver = map[string]string{"OpenEngine": module + "/internal/engine",
		// Known and left: the typed timeout of a stream request is
		// eventstore.TimeoutError (it names the actor it went to); the root
		// aliases it for errors.As. Moving it to eventstore is open.
		"TimeoutError": module + "/actors",
		// An opt-in snapshot codec for entities whose state is a protobuf
		// message: naming proto.Message is its purpose. The data plane
		// (Store's methods, Kind.Execute) names no protobuf type.
		"ProtoCodec": "google.golang.org/protobuf/proto",
		// The opt-in remote codec for entities whose commands and replies
		// are protobuf messages (peers send them as google.protobuf.Any).
		"ProtoCommands": "google.golang.org/protobuf/proto"}
)

// TestRootAPIIsTheDataPlane: no exported signature of package actorstore
// (functions, methods of exported types, exported fields, alias targets)
// names an internal, protobuf or protoactor type: only the root package,
// eventstore, schemas, the standard library and the logging/telemetry
// libraries of Config. OpenEngine alone returns the internal engine.
func TestRootAPIIsTheDataPlane(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("../../*.go")
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		imports := importNames(f)
		check := func(where string, n ast.Node, allow string) {
			for _, p := range selectorPackages(n, imports) {
				if !rootAPIAllows(p) && p != allow {
					bad = append(bad, where+" names "+p)
				}
			}
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
					continue
				}
				check(filepath.Base(path)+": "+d.Name.Name, d.Type, rootAPIHandOver[d.Name.Name])
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.IsExported() {
						check(filepath.Base(path)+": type "+ts.Name.Name, exportedPart(ts.Type), rootAPIHandOver[ts.Name.Name])
					}
				}
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

func rootAPIAllows(path string) bool {
	if rootAPIAllowed[path] || !strings.Contains(strings.Split(path, "/")[0], ".") {
		return true // ours allowed, or the standard library
	}
	for _, ext := range rootAPIExternal {
		if strings.HasPrefix(path, ext) {
			return true
		}
	}
	return false
}

// importNames maps the names a file uses for its imports to their paths.
func importNames(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if path == "github.com/rs/zerolog" {
			name = "zerolog"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		m[name] = path
	}
	return m
}

// selectorPackages lists the import paths of the qualified identifiers
// (pkg.Name) in n.
func selectorPackages(n ast.Node, imports map[string]string) []string {
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				if p, ok := imports[id.Name]; ok {
					out = append(out, p)
				}
			}
		}
		return true
	})
	return out
}

// exportedPart is the part of a type that other packages see: a struct's
// exported fields (and embedded types), anything else whole.
func exportedPart(e ast.Expr) ast.Node {
	st, ok := e.(*ast.StructType)
	if !ok {
		return e
	}
	var fields []*ast.Field
	for _, f := range st.Fields.List {
		exported := len(f.Names) == 0
		for _, n := range f.Names {
			exported = exported || n.IsExported()
		}
		if exported {
			fields = append(fields, f)
		}
	}
	return &ast.FieldList{List: fields}
}

func exportedRecv(recv *ast.FieldList) bool {
	t := recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

// TestRootDoesNotImportMessages: the root package speaks Go values; the
// protobuf conversions happen in wire, node and client.
func TestRootDoesNotImportMessages(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath != module {
			continue
		}
		for _, imp := range p.Imports {
			if imp == module+"/messages" {
				t.Errorf("package actorstore imports %s", imp)
			}
		}
		return
	}
	t.Fatal("package actorstore not listed")
}
