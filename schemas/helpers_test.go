package schemas_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

// orderV1 is a nested schema: an order with lines of sku and qty.
const orderV1 = `{
  "type": "object",
  "required": ["order"],
  "properties": {
    "order": {
      "type": "object",
      "required": ["id", "lines"],
      "properties": {
        "id": {"type": "string", "minLength": 1},
        "lines": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["sku", "qty"],
            "properties": {
              "sku": {"type": "string"},
              "qty": {"type": "integer", "minimum": 1}
            }
          }
        }
      }
    }
  },
  "examples": [{"order": {"id": "o-1", "lines": [{"sku": "a", "qty": 1}]}}]
}`

func newOrderRegistry(t testing.TB) *schemas.Registry {
	t.Helper()
	r := schemas.NewRegistry()
	if err := r.RegisterJSON("order-placed", 1, []byte(orderV1)); err != nil {
		t.Fatalf("register: %v", err)
	}
	return r
}

func event(typ string, version uint32, data string) *eventstore.EventData {
	return &eventstore.EventData{ID: uuid.New(), Type: typ, SchemaVersion: version, Data: []byte(data)}
}

// mustValidationError asserts err is a *ValidationError and returns it.
func mustValidationError(t *testing.T, err error) *schemas.ValidationError {
	t.Helper()
	ve, ok := err.(*schemas.ValidationError)
	if !ok {
		t.Fatalf("want *ValidationError, got %T: %v", err, err)
	}
	return ve
}

// problemSet returns path|rule of every problem of the first event.
func problemSet(ve *schemas.ValidationError) map[string]bool {
	out := map[string]bool{}
	for _, p := range ve.Events[0].Problems {
		out[p.Path+"|"+p.Rule] = true
	}
	return out
}
