package schemas_test

import (
	"errors"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/actorstore/actorstore/schemas"
)

func TestLoadDir(t *testing.T) {
	r := schemas.NewRegistry()
	if err := r.RegisterJSONUpcaster("customer", 1, renameName); err != nil {
		t.Fatal(err)
	}
	if err := r.LoadDirPath("testdata/schemas"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Types(), r.Versions("customer")); got != "[customer note] [1 2]" {
		t.Fatalf("loaded %s", got)
	}
	if r.Mode("customer") != schemas.ModeStrict || r.Mode("note") != schemas.ModeOff || r.Mode("other") != schemas.ModeWarn {
		t.Fatalf("modes %v %v %v", r.Mode("customer"), r.Mode("note"), r.Mode("other"))
	}
	_, err := r.Validate(event("customer", 2, `{"fullName":"A","email":"not an email"}`))
	if ve := mustValidationError(t, err); !problemSet(ve)["/email|format"] {
		t.Fatalf("format not asserted: %v", ve)
	}
	out, err := r.Upcast(recorded("customer", 1, `{"name":"Ada"}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out.Data, `{"fullName":"Ada"}`)
}

func TestLoadDirWithoutUpcasterIsIncompatibleAndAllOrNothing(t *testing.T) {
	r := schemas.NewRegistry()
	if err := r.LoadDirPath("testdata/schemas"); !errors.Is(err, schemas.ErrIncompatible) {
		t.Fatalf("got %v", err)
	}
	if len(r.Types()) != 0 || r.Mode("x") != schemas.ModeOff {
		t.Fatalf("registry changed by a failed LoadDir: %v", r.Types())
	}
	if err := r.LoadDirPath("testdata/badschemas"); !errors.Is(err, schemas.ErrIncompatible) {
		t.Fatalf("bad schemas: %v", err)
	}
}

func TestLoadDirRejectsBadLayouts(t *testing.T) {
	ok := []byte(`{"examples":[{}]}`)
	cases := map[string]fstest.MapFS{
		"typo in file name": {"t/v1.schema.jsn": {Data: ok}},
		"version zero":      {"t/v0.schema.json": {Data: ok}},
		"gap in versions":   {"t/v1.schema.json": {Data: ok}, "t/v3.schema.json": {Data: ok}},
		"bad mode":          {"modes.json": {Data: []byte(`{"default":"loud"}`)}},
		"bad type mode":     {"modes.json": {Data: []byte(`{"types":{"t":"loud"}}`)}},
		"modes not json":    {"modes.json": {Data: []byte(`{`)}},
		"bad schema":        {"t/v1.schema.json": {Data: []byte(`{"type":1}`)}},
	}
	for name, fsys := range cases {
		r := schemas.NewRegistry()
		if err := r.LoadDir(fsys); !errors.Is(err, schemas.ErrRegistration) {
			t.Errorf("%s: want ErrRegistration, got %v", name, err)
		}
	}
	if err := schemas.NewRegistry().LoadDirPath("testdata/none"); !errors.Is(err, schemas.ErrRegistration) {
		t.Errorf("missing directory: %v", err)
	}
	r := schemas.NewRegistry()
	if err := r.LoadDir(fstest.MapFS{"README.md": {Data: []byte("x")}, "t/v1.schema.json": {Data: ok}, "t/v2.schema.json": {Data: ok}}); err != nil {
		t.Fatalf("valid layout: %v", err)
	}
}
