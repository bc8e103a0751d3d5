package schemas

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// scanSchemas take the fast path; the properties are named from scanKeys.
var scanSchemas = []string{
	`{"type":"object","required":["a","b"],"properties":{"a":{"type":"string","minLength":1,"maxLength":3},
	  "b":{"type":"array","items":{"type":["integer","null"],"minimum":-1,"exclusiveMaximum":5},"maxItems":3}},"additionalProperties":false}`,
	`{"type":"object","properties":{"c":{"type":"object","additionalProperties":{"type":"number","maximum":2.5}}},
	  "additionalProperties":{"type":["boolean","string"]}}`,
	`{"type":"array","minItems":1,"items":{"type":"object","required":["a"],"properties":{"a":{"type":"boolean"}}}}`,
	`{}`,
}

var scanKeys = []string{"a", "b", "c", "d", "é"}

var scanLeaves = []any{"", "x", "xyz", "wxyz", "é日", `q"uote`, `back\slash`, "<&>", "tab\t", "\u2028", "\x00",
	json.Number("0"), json.Number("-1"), json.Number("4"), json.Number("5"), json.Number("2.5"), json.Number("2.50001"),
	json.Number("1.0"), json.Number("1e0"), json.Number("-2"), true, false, nil}

func genScanValue(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		k := rapid.IntRange(0, 3).Draw(t, "k")
		switch {
		case depth == 0 || k < 2:
			return rapid.SampledFrom(scanLeaves).Draw(t, "leaf")
		case k == 2:
			return rapid.SliceOfN(genScanValue(depth-1), 0, 4).Draw(t, "arr")
		}
		return rapid.MapOfN(rapid.SampledFrom(scanKeys), genScanValue(depth-1), 0, 4).Draw(t, "obj")
	})
}

func mustFast(t testing.TB, schema string) *fastNode {
	t.Helper()
	doc, err := decodeJSON([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	n, ok := compileFast(doc, true)
	if !ok {
		t.Fatalf("no fast path for %s", schema)
	}
	return n
}

// Property: on payloads encoding/json writes (no escaped keys, no duplicate
// keys), scanning the bytes decides exactly as checking the decoded value.
func TestScanAgreesWithDecodedFastPath(t *testing.T) {
	nodes := make([]*fastNode, len(scanSchemas))
	for i, s := range scanSchemas {
		nodes[i] = mustFast(t, s)
	}
	rapid.Check(t, func(t *rapid.T) {
		data, err := json.Marshal(genScanValue(3).Draw(t, "value"))
		if err != nil {
			t.Fatal(err)
		}
		if rapid.Bool().Draw(t, "indent") {
			var b bytes.Buffer
			_ = json.Indent(&b, data, " ", "\t")
			data = append(b.Bytes(), "\r\n"...)
		}
		doc, err := decodeJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range nodes {
			if got, want := n.validBytes(data), n.valid(doc); got != want {
				t.Fatalf("schema %s payload %s: scan %v, decoded %v", scanSchemas[i], data, got, want)
			}
		}
	})
}

func TestScanGivesUpOnWhatItCannotDecideExactly(t *testing.T) {
	any := mustFast(t, `{}`)
	obj := mustFast(t, `{"type":"object","required":["n"],"properties":{"n":{"type":"string","maxLength":1}}}`)
	for _, data := range []string{`{"\u006e":"x"}`, `{"n":"\ud83d\ude00"}`, "{\"n\":\"\xff\"}", `{"n":"x"} x`,
		strings.Repeat("[", maxScanDepth+1) + strings.Repeat("]", maxScanDepth+1)} {
		if obj.validBytes([]byte(data)) && any.validBytes([]byte(data)) {
			t.Errorf("%q: scanned instead of deferring", data)
		}
	}
	for _, data := range []string{"\xef\xbb\xbf{}", `{"a":1,}`, `[1,]`, `{"a" 1}`, `01`, `1.`, `-`, `1e`, `1e+`, `"\x"`,
		`"\u12"`, `tru`, `nul`, `{"a":1 "b":2}`, `[1 2]`, `"abc`, "\"a\tb\"", `{`, `[`, ``, ` `, `{"a":}`, `.5`, `+1`, `{0":1}`, `{a":1}`} {
		if any.validBytes([]byte(data)) {
			t.Errorf("%q: invalid JSON accepted", data)
		}
	}
	for _, data := range []string{`{"n":"\n"}`, `{"n":"é","m":[1,{"x":null}]}`, ` {"n":"\u00e9"} `, `{"n":"\/"}`} {
		if !obj.validBytes([]byte(data)) {
			t.Errorf("%q: valid payload not accepted", data)
		}
	}
}

// FuzzFastScan: whatever the scanner accepts, encoding/json decodes and the
// general validator accepts.
func FuzzFastScan(f *testing.F) {
	for _, s := range []string{`{"a":"x","b":[1,null]}`, `{"c":{"z":2.5},"d":true}`, `[{"a":true}]`, `{"a":"\u00e9","b":[]}`} {
		f.Add([]byte(s))
	}
	type pair struct {
		fast    *fastNode
		checker *jsonChecker
	}
	var pairs []pair
	for _, s := range scanSchemas {
		c, _, err := compileJSON("f", 1, []byte(s))
		if err != nil || c.fast == nil {
			f.Fatal(s, err)
		}
		pairs = append(pairs, pair{c.fast, &jsonChecker{schema: c.schema}})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for i, p := range pairs {
			if !p.fast.validBytes(data) {
				continue
			}
			doc, err := decodeJSON(data)
			if err != nil {
				t.Fatalf("scanner accepted %q that does not decode: %v", data, err)
			}
			if probs := p.checker.check(doc); probs != nil {
				t.Fatalf("schema %d: scanner accepted %q, validator: %v", i, data, probs)
			}
		}
	})
}
