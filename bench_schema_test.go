package actorstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/schemas"
)

// kbPayload is a ~1 KB JSON order with nested lines.
var kbPayload = func() []byte {
	var lines []string
	for i := 0; i < 14; i++ {
		lines = append(lines, fmt.Sprintf(`{"sku":"SKU-%04d","name":"article number %d","qty":%d,"price":%d}`, i, i, i+1, 100*i+99))
	}
	return []byte(`{"order":"5f1c2a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f","customer":"c-123456","currency":"EUR",` +
		`"lines":[` + strings.Join(lines, ",") + `]}`)
}()

const kbSchema = `{"type":"object","required":["order","customer","currency","lines"],
	"examples":[{"order":"o","customer":"c","currency":"EUR","lines":[{"sku":"s","name":"n","qty":1,"price":1}]}],
	"properties":{"order":{"type":"string","minLength":1},"customer":{"type":"string"},
	"currency":{"type":"string","minLength":3,"maxLength":3},
	"lines":{"type":"array","minItems":1,"items":{"type":"object","required":["sku","qty","price"],
	"properties":{"sku":{"type":"string"},"name":{"type":"string"},"qty":{"type":"integer","minimum":1},
	"price":{"type":"integer","minimum":0}}}}}}`

// BenchmarkAppendValidation: 64 writers append single ~1 KB JSON events to
// their own streams on PostgreSQL, with schema validation off and strict,
// interleaved in one run (target, issue 6: at most 15% lower with it on).
func BenchmarkAppendValidation(b *testing.B) {
	if len(kbPayload) < 900 || len(kbPayload) > 1100 {
		b.Fatalf("payload is %d bytes, want ~1 KB", len(kbPayload))
	}
	srv := pgtest.Server(b)
	reg := schemas.NewRegistry()
	if err := reg.RegisterJSON("OrderPlaced", 1, []byte(kbSchema)); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		reg  *schemas.Registry
	}{{"off", nil}, {"strict", reg}} {
		b.Run(mode.name, func(b *testing.B) {
			st := benchStore(b, actorstore.Config{PostgresURL: srv.NewDatabase(b), Schemas: mode.reg})
			prefix := uuid.NewString()[:8]
			runWriters(b, 64, func(w, _ int) error {
				_, err := st.Append(context.Background(), fmt.Sprintf("%s-%d", prefix, w), actorstore.Any(),
					actorstore.EventData{ID: uuid.New(), Type: "OrderPlaced", Data: kbPayload})
				return err
			})
		})
	}
}
