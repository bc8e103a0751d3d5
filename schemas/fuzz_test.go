package schemas_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

// FuzzValidateJSON checks that Validate never panics, agrees with a direct
// jsonschema validation of the same schema, reports JSON-pointer paths, and
// that its error survives the wire conversion. Seeds: testdata/fuzz.
func FuzzValidateJSON(f *testing.F) {
	for _, s := range []string{`{"order":{"id":"o","lines":[{"sku":"a","qty":1}]}}`, `{}`, `[]`, `{"order":{"lines":[{"qty":0}]}}`} {
		f.Add([]byte(s))
	}
	r := newOrderRegistry(f)
	c := jsonschema.NewCompiler()
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(orderV1))
	if err := c.AddResource("order.json", doc); err != nil {
		f.Fatal(err)
	}
	direct := c.MustCompile("order.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := r.Validate(event("order-placed", 1, string(data)))
		payload, perr := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		directOK := perr == nil && direct.Validate(payload) == nil
		if (err == nil) != directOK {
			t.Fatalf("Validate err=%v, direct ok=%v for %q", err, directOK, data)
		}
		if err == nil {
			return
		}
		ve := err.(*schemas.ValidationError)
		for _, p := range ve.Events[0].Problems {
			if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
				t.Fatalf("path %q is not a JSON pointer", p.Path)
			}
		}
		raw, err := proto.Marshal(wire.ErrorToProto(ve))
		if err != nil {
			t.Fatalf("wire error does not marshal: %v", err)
		}
		var m messages.Error
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if back := wire.ErrorFromProto(&m); !reflect.DeepEqual(back, ve) {
			t.Fatalf("wire round trip: %#v", back)
		}
	})
}
