package schemas

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkJSONCheck splits strict validation of the 1 KB benchmark payload
// into its parts: the fast path over the bytes (what a valid payload
// costs), and what a payload it cannot accept goes through: decoding, the
// fast path over the decoded value, the general validator.
func BenchmarkJSONCheck(b *testing.B) {
	schema := `{"type":"object","required":["order"],"properties":{"order":{"type":"object","required":["id","lines"],
	  "properties":{"id":{"type":"string","minLength":1},"lines":{"type":"array","items":{"type":"object",
	  "required":["sku","qty"],"properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1}}}}}}}}`
	var lines []string
	for i := range 28 {
		lines = append(lines, fmt.Sprintf(`{"sku":"sku-%04d-abcdef","qty":%d}`, i, i+1))
	}
	data := []byte(`{"order":{"id":"order-2026-11-27-0001","lines":[` + strings.Join(lines, ",") + `]}}`)
	c, _, err := compileJSON("o", 1, []byte(schema))
	if err != nil || c.fast == nil {
		b.Fatal("fast path not compiled", err)
	}
	doc, err := decodeJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	general := &jsonChecker{schema: c.schema}
	for _, bc := range []struct {
		name string
		f    func() bool
	}{
		{"scan-bytes", func() bool { return c.fast.validBytes(data) }},
		{"decode", func() bool { _, err := decodeJSON(data); return err == nil }},
		{"fast-path-decoded", func() bool { return c.fast.valid(doc) }},
		{"general-validator", func() bool { return general.check(doc) == nil }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			cpu := ProcessCPU()
			for b.Loop() {
				if !bc.f() {
					b.Fatal("failed")
				}
			}
			ReportCPU(b, cpu)
		})
	}
}
