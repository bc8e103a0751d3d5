package schemas

import (
	"strings"
	"testing"
)

func TestFastPathCompilesOnlyItsSubset(t *testing.T) {
	cases := map[string]bool{
		`{"type":"object","required":["a"],"properties":{"a":{"type":"integer","minimum":1}},"examples":[{"a":1}]}`: true,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":["string","null"],"maxLength":3}`:         true,
		`{"type":"array","items":{"type":"number","exclusiveMaximum":1.5},"minItems":1,"maxItems":2}`:               true,
		`{"additionalProperties":{"type":"boolean"},"title":"t","description":"d"}`:                                 true,
		`{"type":"string","pattern":"^a$"}`:                                     false,
		`{"type":"string","format":"email"}`:                                    false,
		`{"$ref":"#/$defs/a","$defs":{"a":{}}}`:                                 false,
		`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`: false,
		`{"properties":{"a":{"enum":[1,2]}}}`:                                   false,
		`{"items":[{"type":"string"}]}`:                                         false,
		`{"type":"integer","minimum":"1"}`:                                      false,
		`{"type":"wat"}`:                                                        false,
		`{"properties":{"a":true}}`:                                             false,
		`{"minLength":-1}`:                                                      false,
		`{"type":"object","properties":{"a":{"type":"object","unevaluatedProperties":false}}}`: false,
	}
	for schema, want := range cases {
		doc, err := decodeJSON([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		if _, got := compileFast(doc, true); got != want {
			t.Errorf("%s: fast path %v, want %v", schema, got, want)
		}
	}
}

func TestRegisteredSimpleSchemaUsesTheFastPath(t *testing.T) {
	c, _, err := compileJSON("t", 1, []byte(`{"type":"object","properties":{"a":{"type":"integer"}}}`))
	if err != nil || c.fast == nil {
		t.Fatalf("fast path not compiled: %v", err)
	}
	c, _, err = compileJSON("t", 1, []byte(`{"type":"object","properties":{"a":{"type":"string","format":"date"}}}`))
	if err != nil || c.fast != nil {
		t.Fatalf("fast path compiled for an unsupported keyword: %v", err)
	}
}

func TestFastPathDefersOnDoubt(t *testing.T) {
	doc, _ := decodeJSON([]byte(`{"type":"integer","minimum":0.1}`))
	n, _ := compileFast(doc, true)
	for _, num := range []string{"1.0", "1e2", "1234567890123456", "0.1000000000001"} {
		v, _ := decodeJSON([]byte(num))
		if n.valid(v) {
			t.Errorf("%s: the fast path decided instead of deferring", num)
		}
	}
	v, _ := decodeJSON([]byte(strings.Repeat("9", 15)))
	if !n.valid(v) {
		t.Error("a plain 15-digit integer above the minimum was not accepted")
	}
}
