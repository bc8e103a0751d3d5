package schemas_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

// op is one generated upcasting step over a JSON object: set, rename or
// delete a field. bytes says whether it is registered as an UpcastFunc
// (over the encoded payload) rather than a JSONUpcastFunc.
type op struct {
	kind     string
	from, to string
	value    string
	bytes    bool
}

func (o op) apply(doc map[string]any) {
	switch o.kind {
	case "set":
		doc[o.to] = o.value
	case "rename":
		if v, ok := doc[o.from]; ok {
			delete(doc, o.from)
			doc[o.to] = v
		}
	case "delete":
		delete(doc, o.from)
	}
}

func (o op) register(r *schemas.Registry, from uint32) error {
	if !o.bytes {
		return r.RegisterJSONUpcaster("chain", from, func(doc map[string]any) error { o.apply(doc); return nil })
	}
	return r.RegisterUpcaster("chain", from, func(data []byte) ([]byte, error) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			return nil, err
		}
		o.apply(doc)
		return json.Marshal(doc)
	})
}

var fieldNames = []string{"a", "b", "c", "d"}

func genOp(t *rapid.T) op {
	return op{kind: rapid.SampledFrom([]string{"set", "rename", "delete"}).Draw(t, "kind"),
		from: rapid.SampledFrom(fieldNames).Draw(t, "from"), to: rapid.SampledFrom(fieldNames).Draw(t, "to"),
		value: rapid.StringN(0, 4, -1).Draw(t, "value"), bytes: rapid.Bool().Draw(t, "bytes")}
}

// Property: upcasting v1 -> vN in one call gives the same bytes as
// upcasting one version at a time, and the same document as applying the
// steps to the decoded payload directly.
func TestUpcastChainEqualsStepsOneByOne(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := rapid.SliceOfN(rapid.Custom(genOp), 1, 6).Draw(t, "ops")
		r := schemas.NewRegistry()
		schema := []byte(`{"type":"object","examples":[{},{"a":"x","b":1}]}`)
		if err := r.RegisterJSON("chain", 1, schema); err != nil {
			t.Fatal(err)
		}
		for i, o := range ops {
			if err := o.register(r, uint32(i+1)); err != nil {
				t.Fatal(err)
			}
			if err := r.RegisterJSON("chain", uint32(i+2), schema); err != nil {
				t.Fatal(err)
			}
		}
		doc := map[string]any{}
		for _, f := range fieldNames {
			if rapid.Bool().Draw(t, "has "+f) {
				doc[f] = rapid.SampledFrom([]any{"s<&>", json.Number("1.50"), true, nil}).Draw(t, "v")
			}
		}
		data, _ := json.Marshal(doc)
		ev := eventstore.RecordedEvent{EventData: *event("chain", 1, string(data))}

		whole, err := r.Upcast(ev, 0)
		if err != nil {
			t.Fatal(err)
		}
		stepwise := ev
		for v := uint32(2); v <= uint32(len(ops)+1); v++ {
			if stepwise, err = r.Upcast(stepwise, v); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(whole.Data, stepwise.Data) || whole.SchemaVersion != stepwise.SchemaVersion {
			t.Fatalf("chain %s, one by one %s", whole.Data, stepwise.Data)
		}
		for _, o := range ops {
			o.apply(doc)
		}
		var got map[string]any
		dec := json.NewDecoder(bytes.NewReader(whole.Data))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil || !reflect.DeepEqual(got, doc) {
			t.Fatalf("ops %+v: got %s, model %v", ops, whole.Data, fmt.Sprint(doc))
		}
	})
}
