package schemas_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"pgregory.net/rapid"

	"github.com/actorstore/actorstore/schemas"
)

// fastSchemas use only the fast path's subset, with bounds that are not
// integers, exclusive bounds, unions of types, arrays and nested objects.
var fastSchemas = []string{
	`{"type":"object","required":["n"],"properties":{"n":{"type":"integer","minimum":-2,"maximum":3},"a":{}},"additionalProperties":false,"examples":[{"n":0}]}`,
	`{"type":"object","properties":{"x":{"type":["number","null"],"exclusiveMinimum":0.5,"exclusiveMaximum":1000}},
	  "additionalProperties":{"type":"array","items":{"type":"string","minLength":2,"maxLength":3},"minItems":1,"maxItems":2},"examples":[{}]}`,
	`{"type":"array","items":{"type":"object","required":["a"],"properties":{"a":{"type":"boolean"},"b":{"type":"integer","exclusiveMinimum":0}},"additionalProperties":false},"examples":[[]]}`,
	`{"type":["integer","string"],"minimum":1e2,"maxLength":1,"examples":[100]}`,
}

var tricky = []any{json.Number("1.0"), json.Number("1e2"), json.Number("-0"), json.Number("0.5"), json.Number("0.5000000000000001"),
	json.Number("1000"), json.Number("999.9999999999999"), json.Number("99"), json.Number("100"), json.Number("3"), json.Number("4"),
	json.Number("-2"), json.Number("-3"), json.Number("12345678901234567890"), json.Number("1e400"), "", "a", "é", "日", "ab", "aé", "abc", "日本", true, nil}

func genTricky(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		k := rapid.IntRange(0, 3).Draw(t, "k")
		if depth == 0 || k < 2 {
			return rapid.SampledFrom(tricky).Draw(t, "leaf")
		}
		if k == 2 {
			return rapid.SliceOfN(genTricky(depth-1), 0, 3).Draw(t, "arr")
		}
		return rapid.MapOfN(rapid.SampledFrom([]string{"n", "x", "a", "b", "y"}), genTricky(depth-1), 0, 3).Draw(t, "obj")
	})
}

// Property: for schemas that take the fast path, Validate accepts exactly
// what the general validator accepts.
func TestFastPathAgreesWithTheValidator(t *testing.T) {
	r := schemas.NewRegistry()
	direct := make([]*jsonschema.Schema, len(fastSchemas))
	for i, s := range fastSchemas {
		typ := "fast" + string(rune('a'+i))
		if err := r.RegisterJSON(typ, 1, []byte(s)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		c := jsonschema.NewCompiler()
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(s))
		_ = c.AddResource("s.json", doc)
		direct[i] = c.MustCompile("s.json")
	}
	rapid.Check(t, func(t *rapid.T) {
		for range 20 {
			data, err := json.Marshal(genTricky(3).Draw(t, "payload"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range fastSchemas {
				_, verr := r.Validate(event("fast"+string(rune('a'+i)), 1, string(data)))
				doc, derr := jsonschema.UnmarshalJSON(bytes.NewReader(data))
				ok := derr == nil && direct[i].Validate(doc) == nil
				if (verr == nil) != ok {
					t.Fatalf("schema %s payload %s: Validate err=%v, validator ok=%v", fastSchemas[i], data, verr, ok)
				}
			}
		}
	})
}
