package schemas_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

// fieldSpec is one generated constraint on a top-level property.
type fieldSpec struct {
	name     string
	kind     string // "integer", "string" or "boolean"
	required bool
	min, max int // bounds of integers, or of string lengths
}

type objectSpec struct {
	fields []fieldSpec
	closed bool // additionalProperties: false
}

func genSpec(t *rapid.T) objectSpec {
	n := rapid.IntRange(1, 5).Draw(t, "fields")
	spec := objectSpec{closed: rapid.Bool().Draw(t, "closed")}
	for i := range n {
		lo := rapid.IntRange(0, 5).Draw(t, "lo")
		spec.fields = append(spec.fields, fieldSpec{name: fmt.Sprintf("f%d", i),
			kind:     rapid.SampledFrom([]string{"integer", "string", "boolean"}).Draw(t, "kind"),
			required: rapid.Bool().Draw(t, "required"), min: lo, max: lo + rapid.IntRange(0, 5).Draw(t, "span")})
	}
	return spec
}

// schemaJSON renders the spec as a JSON Schema, with one valid example.
func (s objectSpec) schemaJSON() []byte {
	props, example := map[string]any{}, map[string]any{}
	var required []string
	for _, f := range s.fields {
		switch f.kind {
		case "integer":
			props[f.name] = map[string]any{"type": "integer", "minimum": f.min, "maximum": f.max}
			example[f.name] = f.min
		case "string":
			props[f.name] = map[string]any{"type": "string", "minLength": f.min, "maxLength": f.max}
			example[f.name] = strings.Repeat("x", f.min)
		default:
			props[f.name] = map[string]any{"type": "boolean"}
			example[f.name] = true
		}
		if f.required {
			required = append(required, f.name)
		}
	}
	doc := map[string]any{"type": "object", "properties": props, "examples": []any{example}}
	if required != nil {
		doc["required"] = required
	}
	if s.closed {
		doc["additionalProperties"] = false
	}
	b, _ := json.Marshal(doc)
	return b
}

// genValue draws a value for field f that may or may not fit it: of any
// type, and often of f's type at or next to its bounds.
func genValue(t *rapid.T, f fieldSpec) any {
	edge := rapid.SampledFrom([]int{f.min - 1, f.min, f.max, f.max + 1}).Draw(t, "edge")
	switch rapid.IntRange(0, 5).Draw(t, "vkind") {
	case 0:
		return rapid.IntRange(-3, 12).Draw(t, "int")
	case 1:
		return rapid.StringN(0, 12, -1).Draw(t, "str")
	case 2:
		return rapid.Bool().Draw(t, "bool")
	case 3:
		return nil
	}
	if f.kind == "string" {
		return strings.Repeat(rapid.SampledFrom([]string{"a", "é", "日"}).Draw(t, "char"), max(edge, 0))
	}
	return edge
}

func genPayload(t *rapid.T, s objectSpec) map[string]any {
	p := map[string]any{}
	for _, f := range s.fields {
		if rapid.IntRange(0, 3).Draw(t, "present") > 0 {
			p[f.name] = genValue(t, f)
		}
	}
	if rapid.IntRange(0, 4).Draw(t, "extra") == 0 {
		p["extra"] = 1
	}
	return p
}

// violations is the hand-checked predicate: the paths of the fields that
// break their constraints.
func (s objectSpec) violations(p map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, f := range s.fields {
		v, ok := p[f.name]
		if !ok {
			if f.required {
				out["/"+f.name] = true
			}
			continue
		}
		if !f.fits(v) {
			out["/"+f.name] = true
		}
	}
	if _, ok := p["extra"]; ok && s.closed {
		out["/extra"] = true
	}
	return out
}

func (f fieldSpec) fits(v any) bool {
	switch x := v.(type) {
	case int:
		return f.kind == "integer" && x >= f.min && x <= f.max
	case string:
		n := utf8.RuneCountInString(x)
		return f.kind == "string" && n >= f.min && n <= f.max
	case bool:
		return f.kind == "boolean"
	}
	return false
}

// Property: strict validation accepts exactly what the schema accepts (a
// direct jsonschema validation) and what the predicate accepts, and its
// problems name exactly the violating fields.
func TestValidationAgreesWithSchemaAndPredicate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := genSpec(t)
		schema := spec.schemaJSON()
		r := schemas.NewRegistry()
		if err := r.RegisterJSON("gen", 1, schema); err != nil {
			t.Fatalf("register %s: %v", schema, err)
		}
		direct := compileDirect(t, schema)
		for range 10 {
			checkAgreement(t, r, direct, spec, schema)
		}
	})
}

func checkAgreement(t *rapid.T, r *schemas.Registry, direct *jsonschema.Schema, spec objectSpec, schema []byte) {
	payload := genPayload(t, spec)
	data, _ := json.Marshal(payload)

	_, err := r.Validate(event("gen", 1, string(data)))
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	directOK := direct.Validate(doc) == nil
	want := spec.violations(payload)
	if (err == nil) != directOK || directOK != (len(want) == 0) {
		t.Fatalf("schema %s payload %s: Validate err=%v, direct ok=%v, predicate violations=%v", schema, data, err, directOK, want)
	}
	if err != nil {
		ve := err.(*schemas.ValidationError)
		got := map[string]bool{}
		for _, p := range ve.Events[0].Problems {
			got[p.Path] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("schema %s payload %s: problem paths %v, want %v", schema, data, keys(got), keys(want))
		}
	}
}

func compileDirect(t *rapid.T, schema []byte) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("gen.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("gen.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// genJSON draws an arbitrary JSON document.
func genJSON(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		k := rapid.IntRange(0, 6).Draw(t, "k")
		if depth == 0 {
			k %= 4
		}
		switch k {
		case 0:
			return nil
		case 1:
			return rapid.Bool().Draw(t, "b")
		case 2:
			return json.Number(fmt.Sprint(rapid.Int64().Draw(t, "n")))
		case 3:
			return rapid.String().Draw(t, "s")
		case 4:
			return rapid.SliceOfN(genJSON(depth-1), 0, 3).Draw(t, "arr")
		}
		return rapid.MapOfN(rapid.StringN(0, 5, -1), genJSON(depth-1), 0, 4).Draw(t, "obj")
	})
}

// Property: an event with any JSON object payload survives serialization
// (JSON encoding, the protobuf event codec) and upcasting to its own
// version is the identity.
func TestEventRoundTripProperty(t *testing.T) {
	r := schemas.NewRegistry()
	if err := r.RegisterJSON("any", 1, []byte(`{"type":"object","examples":[{}]}`)); err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(t *rapid.T) {
		doc := rapid.MapOfN(rapid.StringN(0, 5, -1), genJSON(2), 0, 5).Draw(t, "doc")
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		ev := event("any", 0, string(data))
		res, err := r.Validate(ev)
		if err != nil || res.Version != 1 {
			t.Fatalf("validate %s: %+v %v", data, res, err)
		}
		ev.SchemaVersion = res.Version
		raw, err := proto.Marshal(wire.EventDataToProto(ev))
		if err != nil {
			t.Fatal(err)
		}
		var m messages.EventData
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		back, err := wire.EventDataFromProto(&m)
		if err != nil || !bytes.Equal(back.Data, data) || back.SchemaVersion != 1 {
			t.Fatalf("codec round trip: %+v %v", back, err)
		}
		out, err := r.Upcast(eventstore.RecordedEvent{EventData: back}, 1)
		if err != nil || !bytes.Equal(out.Data, data) || out.SchemaVersion != 1 {
			t.Fatalf("upcast to the same version: %s %v", out.Data, err)
		}
		var decoded any
		dec := json.NewDecoder(bytes.NewReader(out.Data))
		dec.UseNumber()
		if err := dec.Decode(&decoded); err != nil || !reflect.DeepEqual(normalize(decoded), normalize(doc)) {
			t.Fatalf("payload changed: %s", out.Data)
		}
	})
}

// normalize turns []any from generators into a comparable form.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}
