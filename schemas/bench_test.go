package schemas_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

// benchOrder is a 1 KB order payload (1,000 to 1,040 bytes) that validates
// against orderV1: an id and lines of sku and qty.
func benchOrder() string {
	var lines []string
	for i := 0; ; i++ {
		lines = append(lines, fmt.Sprintf(`{"sku":"sku-%04d-abcdef","qty":%d}`, i, i+1))
		if s := `{"order":{"id":"order-2026-11-27-0001","lines":[` + strings.Join(lines, ",") + `]}}`; len(s) >= 1000 {
			return s
		}
	}
}

// BenchmarkValidate1KB is the per-event cost of validation of a ~1 KB JSON
// payload: off (no validation), strict with the version given, strict with
// the version detected, strict on a payload with one bad field (rejected,
// problems reported); json.Valid and encoding the event for the store are
// there for scale.
func BenchmarkValidate1KB(b *testing.B) {
	data := benchOrder()
	r := newOrderRegistry(b)
	ev := event("order-placed", 1, data)
	b.Logf("payload %d bytes", len(data))
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu := schemas.ProcessCPU()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
			schemas.ReportCPU(b, cpu)
		})
	}
	off := schemas.NewRegistry()
	run("off", func() error { _, err := off.Validate(ev); return err })
	run("strict-given", func() error { _, err := r.Validate(ev); return err })
	detect := *ev
	detect.SchemaVersion = 0
	run("strict-detected", func() error { _, err := r.Validate(&detect); return err })
	bad := event("order-placed", 1, strings.Replace(data, `"qty":1}`, `"qty":0}`, 1))
	run("strict-rejected", func() error {
		if _, err := r.Validate(bad); err == nil {
			return fmt.Errorf("accepted")
		}
		return nil
	})
	run("json.Valid", func() error {
		if !json.Valid(ev.Data) {
			return fmt.Errorf("invalid")
		}
		return nil
	})
	run("encode-event", func() error { _, err := proto.Marshal(wire.EventDataToProto(ev)); return err })
}

// BenchmarkUpcast2Step is the per-event cost of reading a v1 event as v3.
func BenchmarkUpcast2Step(b *testing.B) {
	data := benchOrder()
	ren := func(doc map[string]any) error { doc["o"] = doc["order"]; delete(doc, "order"); return nil }
	back := func(doc map[string]any) error { doc["order"] = doc["o"]; delete(doc, "o"); return nil }
	schema := []byte(`{"type":"object","examples":[{"order":{}}]}`)
	build := func(b *testing.B, reg func(r *schemas.Registry, from uint32, f schemas.JSONUpcastFunc) error) *schemas.Registry {
		r := schemas.NewRegistry()
		for i, err := range []error{r.RegisterJSON("o", 1, schema), reg(r, 1, ren), r.RegisterJSON("o", 2, schema),
			reg(r, 2, back), r.RegisterJSON("o", 3, schema)} {
			if err != nil {
				b.Fatal(i, err)
			}
		}
		return r
	}
	asBytes := func(r *schemas.Registry, from uint32, f schemas.JSONUpcastFunc) error {
		return r.RegisterUpcaster("o", from, func(data []byte) ([]byte, error) {
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				return nil, err
			}
			if err := f(doc); err != nil {
				return nil, err
			}
			return json.Marshal(doc)
		})
	}
	asJSON := func(r *schemas.Registry, from uint32, f schemas.JSONUpcastFunc) error {
		return r.RegisterJSONUpcaster("o", from, f)
	}
	ev := eventstore.RecordedEvent{EventData: *event("o", 1, data)}
	for _, c := range []struct {
		name   string
		r      *schemas.Registry
		target uint32
	}{{"json-steps", build(b, asJSON), 3}, {"bytes-steps", build(b, asBytes), 3}, {"same-version", build(b, asJSON), 1}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu := schemas.ProcessCPU()
			for b.Loop() {
				if _, err := c.r.Upcast(ev, c.target); err != nil {
					b.Fatal(err)
				}
			}
			schemas.ReportCPU(b, cpu)
		})
	}
}
