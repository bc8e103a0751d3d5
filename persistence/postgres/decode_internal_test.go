package postgres

import (
	"encoding/json"
	"reflect"
	"testing"
)

// metadataSeeds are objects as PostgreSQL prints them and what else a
// metadata column could hold.
var metadataSeeds = []string{
	`{}`, ` { } `, `{"k": "v"}`, `{"e": "", "k": "v \"quoted\" ü"}`, `{"a":"1","b":"2"}`,
	`{"a": "x\ny"}`, "{\"a\": \"x\ty\"}", `{"a": "\u00e9"}`, `{"a": "b", "a": "c"}`, `{"a": 1}`,
	`{"a": null}`, `{"a": ["b"]}`, `null`, `[]`, `"s"`, `{"a": "b",}`, `{"a" "b"}`, `{"a": "b"} x`,
	`{"a": "b"`, `{`, ``, "{\"\xff\": \"v\"}", "{\"k\": \"\xc3\"}", `{ "k" : "v" , "l" : "w" }`,
}

// FuzzMetadataEqualsEncodingJSON: the page decoder's metadata parser
// gives what encoding/json gives, the same map or an error for both.
func FuzzMetadataEqualsEncodingJSON(f *testing.F) {
	for _, s := range metadataSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &pageDecoder{strs: map[string]string{}}
		got, err := d.metadata(b)
		var want map[string]string
		werr := json.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("metadata(%q) = %#v, %v; encoding/json: %#v, %v", b, got, err, want, werr)
		}
	})
}

// TestPlainObjectsSkipEncodingJSON: the objects PostgreSQL prints for
// plain metadata are parsed without encoding/json.
func TestPlainObjectsSkipEncodingJSON(t *testing.T) {
	d := &pageDecoder{strs: map[string]string{}}
	for _, s := range []string{`{}`, `{"k": "v"}`, `{"corr": "c-123456", "src": "bench"}`, `{"é": "ü"}`} {
		if _, ok := d.simpleObject([]byte(s)); !ok {
			t.Errorf("%s went to encoding/json", s)
		}
	}
}
