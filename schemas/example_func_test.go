package schemas_test

import (
	"errors"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

func ExampleRegistry_Validate() {
	reg := schemas.NewRegistry()
	err := reg.RegisterJSON("item-added", 1, []byte(`{
		"type": "object", "required": ["sku", "qty"],
		"properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
		"examples": [{"sku": "a", "qty": 1}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := &eventstore.EventData{Type: "item-added", Data: []byte(`{"qty": 0}`)}
	_, err = reg.Validate(ev)
	var ve *schemas.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Events[0].Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// /qty: minimum: minimum: got 0, want 1
	// /sku: required: missing required property "sku"
}

func ExampleRegistry_Upcast() {
	reg := schemas.NewRegistry()
	_ = reg.RegisterJSON("renamed", 1, []byte(`{"required":["name"],"examples":[{"name":"a"}]}`))
	_ = reg.RegisterJSONUpcaster("renamed", 1, func(doc map[string]any) error {
		doc["title"] = doc["name"]
		delete(doc, "name")
		return nil
	})
	_ = reg.RegisterJSON("renamed", 2, []byte(`{"required":["title"],"examples":[{"title":"a"}]}`))
	stored := eventstore.RecordedEvent{EventData: eventstore.EventData{Type: "renamed", SchemaVersion: 1, Data: []byte(`{"name":"x"}`)}}
	latest, err := reg.Upcast(stored, 0)
	fmt.Println(latest.SchemaVersion, string(latest.Data), err)
	// Output: 2 {"title":"x"} <nil>
}
