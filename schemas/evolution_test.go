package schemas_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

// customer evolves: v1 {name}; v2 adds optional email; v3 renames name to
// fullName (upcaster); v4 removes email (identity: extra fields allowed).
const (
	customerV1 = `{"type":"object","required":["name"],"properties":{"name":{"type":"string"}},
		"additionalProperties":false,"examples":[{"name":"Ada"}]}`
	customerV2 = `{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"email":{"type":"string"}},
		"additionalProperties":false,"examples":[{"name":"Ada","email":"ada@example.com"}]}`
	customerV3 = `{"type":"object","required":["fullName"],"properties":{"fullName":{"type":"string"},"email":{"type":"string"}},
		"additionalProperties":false,"examples":[{"fullName":"Ada Lovelace"}]}`
	customerV4 = `{"type":"object","required":["fullName"],"properties":{"fullName":{"type":"string"}},
		"examples":[{"fullName":"Ada Lovelace"}]}`
)

func renameName(doc map[string]any) error {
	name, ok := doc["name"]
	if !ok {
		return errors.New("no name")
	}
	delete(doc, "name")
	doc["fullName"] = name
	return nil
}

func customerRegistry(t *testing.T) *schemas.Registry {
	t.Helper()
	r := schemas.NewRegistry()
	steps := []func() error{
		func() error { return r.RegisterJSON("customer", 1, []byte(customerV1)) },
		func() error { return r.RegisterJSON("customer", 2, []byte(customerV2)) }, // add optional field
		func() error { return r.RegisterJSONUpcaster("customer", 2, renameName) },
		func() error { return r.RegisterJSON("customer", 3, []byte(customerV3)) }, // rename
		func() error { return r.RegisterJSON("customer", 4, []byte(customerV4)) }, // remove email
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return r
}

func recorded(typ string, v uint32, data string) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{EventData: *event(typ, v, data), Stream: "customer-1", Version: 1, Position: 1}
}

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("result %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestEvolutionAddOptionalFieldNeedsNoUpcaster(t *testing.T) {
	r := customerRegistry(t)
	out, err := r.Upcast(recorded("customer", 1, `{"name":"Ada"}`), 2)
	if err != nil || string(out.Data) != `{"name":"Ada"}` || out.SchemaVersion != 2 {
		t.Fatalf("v1 -> v2: %+v, %v", out, err)
	}
	if _, err := r.Validate(event("customer", 2, `{"name":"Ada","email":"a@b.c"}`)); err != nil {
		t.Fatal(err)
	}
}

func TestEvolutionRenameWithUpcaster(t *testing.T) {
	r := customerRegistry(t)
	out, err := r.Upcast(recorded("customer", 2, `{"name":"Ada","email":"a@b.c"}`), 3)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out.Data, `{"fullName":"Ada","email":"a@b.c"}`)
}

func TestEvolutionRemoveField(t *testing.T) {
	r := customerRegistry(t)
	if _, err := r.Validate(event("customer", 4, `{"fullName":"Ada"}`)); err != nil {
		t.Fatal(err)
	}
	out, err := r.Upcast(recorded("customer", 3, `{"fullName":"Ada","email":"a@b.c"}`), 4)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out.Data, `{"fullName":"Ada","email":"a@b.c"}`)
}

func TestEventsWrittenUnderV1AreReadAsLatest(t *testing.T) {
	r := customerRegistry(t)
	stored := recorded("customer", 1, `{"name":"Ada"}`)
	original := string(stored.Data)
	out, err := r.Upcast(stored, 0)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out.Data, `{"fullName":"Ada"}`)
	if out.SchemaVersion != 4 || out.Stream != "customer-1" || out.ID != stored.ID {
		t.Fatalf("upcast event %+v", out)
	}
	if string(stored.Data) != original || stored.SchemaVersion != 1 {
		t.Fatal("the stored event was modified")
	}
	v3, err := r.Upcast(stored, 3)
	if err != nil || v3.SchemaVersion != 3 {
		t.Fatalf("v1 -> v3: %v", err)
	}
	jsonEqual(t, v3.Data, `{"fullName":"Ada"}`)
	if _, err := r.Validate(&v3.EventData); err != nil {
		t.Fatalf("upcast event fails v3: %v", err)
	}
}

func TestIncompatibleChangeIsRejectedAtRegistration(t *testing.T) {
	r := customerRegistry(t)
	// v5 makes "phone" required: v1..v4 examples upcast by identity lack it.
	v5 := `{"type":"object","required":["fullName","phone"],"examples":[{"fullName":"A","phone":"1"}]}`
	err := r.RegisterJSON("customer", 5, []byte(v5))
	var ie *schemas.IncompatibleError
	if !errors.As(err, &ie) || !errors.Is(err, schemas.ErrIncompatible) {
		t.Fatalf("want *IncompatibleError, got %v", err)
	}
	if ie.Type != "customer" || ie.To != 5 || len(ie.Problems) == 0 || ie.Problems[0].Path != "/phone" {
		t.Fatalf("error %+v", ie)
	}
	if latest, _ := r.Latest("customer"); latest != 4 {
		t.Fatalf("registry changed: latest %d", latest)
	}
	// With an upcaster that supplies the field, the same schema is accepted.
	if err := r.RegisterJSONUpcaster("customer", 4, func(d map[string]any) error { d["phone"] = "unknown"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterJSON("customer", 5, []byte(v5)); err != nil {
		t.Fatalf("with upcaster: %v", err)
	}
}

func TestRenameWithoutUpcasterIsIncompatible(t *testing.T) {
	r := schemas.NewRegistry()
	if err := r.RegisterJSON("customer", 1, []byte(customerV1)); err != nil {
		t.Fatal(err)
	}
	v2 := `{"type":"object","required":["fullName"],"examples":[{"fullName":"A"}]}`
	if err := r.RegisterJSON("customer", 2, []byte(v2)); !errors.Is(err, schemas.ErrIncompatible) {
		t.Fatalf("got %v", err)
	}
}

func TestFailingUpcasterIsIncompatible(t *testing.T) {
	r := schemas.NewRegistry()
	_ = r.RegisterJSON("c", 1, []byte(customerV1))
	boom := errors.New("boom")
	_ = r.RegisterUpcaster("c", 1, func([]byte) ([]byte, error) { return nil, boom })
	err := r.RegisterJSON("c", 2, []byte(customerV2))
	if !errors.Is(err, schemas.ErrIncompatible) || !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

func TestRegistrationRules(t *testing.T) {
	r := customerRegistry(t)
	cases := map[string]error{
		"out of order":        r.RegisterJSON("customer", 6, []byte(customerV4)),
		"version zero":        r.RegisterJSON("x", 0, []byte(customerV1)),
		"no example":          r.RegisterJSON("x", 1, []byte(`{"type":"object"}`)),
		"bad example":         r.RegisterJSON("x", 1, []byte(customerV1), []byte(`{"name":1}`)),
		"invalid schema":      r.RegisterJSON("x", 1, []byte(`{"type":"nope","examples":[1]}`)),
		"not json":            r.RegisterJSON("x", 1, []byte(`{`)),
		"external ref":        r.RegisterJSON("x", 1, []byte(`{"$ref":"http://example.com/s.json","examples":[1]}`)),
		"upcaster too late":   r.RegisterJSONUpcaster("customer", 1, renameName),
		"duplicate upcaster":  r.RegisterJSONUpcaster("customer", 2, renameName),
		"nil upcaster":        r.RegisterUpcaster("customer", 9, nil),
		"upcaster from zero":  r.RegisterJSONUpcaster("customer", 0, renameName),
		"proto no descriptor": r.RegisterProto("p", 1, schemas.ProtoSchema{}),
	}
	for name, err := range cases {
		var re *schemas.RegistrationError
		if !errors.As(err, &re) || !errors.Is(err, schemas.ErrRegistration) {
			t.Errorf("%s: want *RegistrationError, got %v", name, err)
		}
	}
	if got := fmt.Sprint(r.Versions("customer")); got != "[1 2 3 4]" {
		t.Fatalf("versions %s", got)
	}
	if got := fmt.Sprint(r.Types()); got != "[customer]" {
		t.Fatalf("types %s", got)
	}
}

func TestUpcastErrors(t *testing.T) {
	r := schemas.NewRegistry()
	// Events of v1 were stored before the type had schemas; only v2, v3 exist.
	v2 := `{"type":"object","required":["n"],"examples":[{"n":1}]}`
	if err := r.RegisterJSON("t", 2, []byte(v2)); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterJSON("t", 3, []byte(v2)); err != nil {
		t.Fatal(err)
	}
	_, err := r.Upcast(recorded("t", 1, `{}`), 0)
	var me *schemas.MissingUpcasterError
	if !errors.As(err, &me) || me.Type != "t" || me.From != 1 || me.To != 2 || !errors.Is(err, schemas.ErrMissingUpcaster) {
		t.Fatalf("want missing upcaster t v1 -> v2, got %v", err)
	}
	// A legacy step may be added after v2, v3 exist; then v1 reads as v3.
	if err := r.RegisterJSONUpcaster("t", 1, func(d map[string]any) error { d["n"] = 0; return nil }); err != nil {
		t.Fatal(err)
	}
	out, err := r.Upcast(recorded("t", 1, `{}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out.Data, `{"n":0}`)

	if _, err := r.Upcast(recorded("t", 3, `{"n":1}`), 2); !errors.Is(err, schemas.ErrUnknownVersion) {
		t.Fatalf("downcast: %v", err)
	}
	if _, err := r.Upcast(recorded("t", 9, `{"n":1}`), 0); !errors.Is(err, schemas.ErrUnknownVersion) {
		t.Fatalf("newer than latest: %v", err)
	}
	if _, err := r.Upcast(recorded("t", 2, `{}`), 7); !errors.Is(err, schemas.ErrUnknownVersion) {
		t.Fatalf("unknown target: %v", err)
	}
	_ = r.RegisterJSONUpcaster("u", 1, renameName)
	_ = r.RegisterJSON("u", 2, []byte(`{"type":"object","examples":[{}]}`))
	if _, err := r.Upcast(recorded("u", 1, `[1]`), 2); !errors.Is(err, schemas.ErrUpcast) {
		t.Fatalf("non-object payload: %v", err)
	}
	unreg := recorded("other", 5, `raw`)
	if out, err := r.Upcast(unreg, 0); err != nil || string(out.Data) != "raw" {
		t.Fatalf("unregistered type: %v", err)
	}
	if _, err := r.Upcast(unreg, 2); !errors.Is(err, schemas.ErrUnknownVersion) {
		t.Fatalf("unregistered type with a target: %v", err)
	}
}
