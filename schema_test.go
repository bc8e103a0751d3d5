package actorstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/schemas"
)

// orderSchemas registers OrderPlaced v1 {"amount"} and v2 {"total"} (a
// rename, with an upcaster), both strict.
func orderSchemas(t *testing.T) *schemas.Registry {
	t.Helper()
	reg := schemas.NewRegistry()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.RegisterJSON("OrderPlaced", 1, []byte(`{"type":"object","required":["amount"],
		"properties":{"amount":{"type":"integer","minimum":1},
		"lines":{"type":"array","items":{"type":"object","properties":{"qty":{"type":"integer","minimum":1}}}}}}`),
		[]byte(`{"amount":5}`)))
	must(reg.RegisterJSONUpcaster("OrderPlaced", 1, func(doc map[string]any) error {
		doc["total"] = doc["amount"]
		delete(doc, "amount")
		return nil
	}))
	must(reg.RegisterJSON("OrderPlaced", 2, []byte(`{"type":"object","required":["total"],
		"properties":{"total":{"type":"integer","minimum":1}}}`), []byte(`{"total":5}`)))
	return reg
}

func jsonEvent(data string, version uint32) actorstore.EventData {
	return actorstore.EventData{ID: uuid.New(), Type: "OrderPlaced", SchemaVersion: version, Data: []byte(data)}
}

// TestSchemaValidationRejectsWholeAppend appends one good and one bad event:
// the append fails with a ValidationError naming the bad event's nested
// field path, and nothing is written.
func TestSchemaValidationRejectsWholeAppend(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir(), Schemas: orderSchemas(t)})
	ctx := context.Background()
	_, err := st.Append(ctx, "order-1", actorstore.Any(),
		jsonEvent(`{"amount":3}`, 1), jsonEvent(`{"amount":3,"lines":[{"qty":1},{"qty":0}]}`, 1))
	var ve *actorstore.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, actorstore.ErrValidation) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	if ve.Stream != "order-1" || actorstore.TraceIDOf(err) == "" || len(ve.Events) != 1 || ve.Events[0].Index != 1 {
		t.Fatalf("error does not name stream, trace and event 1: %+v", ve)
	}
	if p := ve.Events[0].Problems; len(p) == 0 || p[0].Path != "/lines/1/qty" {
		t.Fatalf("want the problem at /lines/1/qty, got %+v", p)
	}
	if _, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "order-1", Limit: 10}); !errors.Is(err, actorstore.ErrStreamNotFound) {
		t.Fatalf("a rejected append wrote something: %v", err)
	}
	_, err = st.Transact(ctx,
		actorstore.AppendRequest{Stream: "a", Events: []actorstore.EventData{jsonEvent(`{"total":1}`, 2)}},
		actorstore.AppendRequest{Stream: "b", Events: []actorstore.EventData{jsonEvent(`{"total":"x"}`, 2)}})
	if !errors.As(err, &ve) || ve.Stream != "b" {
		t.Fatalf("transaction with a bad event: want a ValidationError for b, got %v", err)
	}
	if _, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "a", Limit: 10}); !errors.Is(err, actorstore.ErrStreamNotFound) {
		t.Fatalf("a rejected transaction wrote stream a: %v", err)
	}
}

// TestEventsWrittenAsV1AreReadAsV2 stores a v1 event (its version detected
// from the payload), then reads it back through ReadStream, ReadAll and a
// subscription: each sees the upcast v2 payload, while the stored event
// keeps its v1 bytes.
func TestEventsWrittenAsV1AreReadAsV2(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, actorstore.Config{DataDir: dir, Schemas: orderSchemas(t)})
	ctx := context.Background()
	if _, err := st.Append(ctx, "order-1", actorstore.NoStream(), jsonEvent(`{"amount":7}`, 0)); err != nil {
		t.Fatal(err)
	}
	check := func(where string, e actorstore.RecordedEvent) {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal(e.Data, &doc); err != nil {
			t.Fatal(err)
		}
		if e.SchemaVersion != 2 || doc["total"] != float64(7) || doc["amount"] != nil {
			t.Fatalf("%s: want v2 {total:7}, got v%d %s", where, e.SchemaVersion, e.Data)
		}
	}
	evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "order-1", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	check("ReadStream", evs[0])
	evs, err = st.ReadAll(ctx, actorstore.AllRead{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	check("ReadAll", evs[0])
	c := collect(t, st, actorstore.SubscribeOptions{})
	check("Subscribe", c.wait(t, 1)[0])

	// The stored event keeps its v1 bytes (version detected at append):
	// a store without the registry reads it raw (after the first is closed:
	// the embedded store is opened by one Store at a time).
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	raw := openStore(t, actorstore.Config{DataDir: dir})
	evs, err = raw.ReadAll(ctx, actorstore.AllRead{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].SchemaVersion != 1 || string(evs[0].Data) != `{"amount":7}` {
		t.Fatalf("stored event was rewritten: v%d %s", evs[0].SchemaVersion, evs[0].Data)
	}
}
