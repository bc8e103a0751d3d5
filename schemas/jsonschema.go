package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// jsonChecker validates JSON payloads against a compiled JSON Schema.
type jsonChecker struct {
	schema *jsonschema.Schema
	// fast accepts valid payloads of simple schemas quickly; nil when the
	// schema uses keywords outside its subset.
	fast *fastNode
}

// noLoader refuses to load schemas from outside: a schema may only refer to
// itself, so that validation never touches the network or the disk.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external schema reference %q is not allowed", u)
}

// compileJSON compiles a JSON Schema (draft 2020-12 unless "$schema" says
// otherwise; "format" is asserted) and returns the examples of its
// top-level "examples" keyword.
func compileJSON(typ string, n uint32, schema []byte) (*jsonChecker, [][]byte, error) {
	doc, err := decodeJSON(schema)
	if err != nil {
		return nil, nil, fmt.Errorf("schema is not valid JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.AssertFormat()
	loc := fmt.Sprintf("mem:///%s/v%d.schema.json", url.PathEscape(typ), n)
	if err := c.AddResource(loc, doc); err != nil {
		return nil, nil, err
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, nil, err
	}
	examples, err := schemaExamples(doc)
	fast, ok := compileFast(doc, true)
	if !ok {
		fast = nil
	}
	return &jsonChecker{schema: sch, fast: fast}, examples, err
}

func schemaExamples(doc any) ([][]byte, error) {
	obj, _ := doc.(map[string]any)
	list, ok := obj["examples"].([]any)
	if !ok {
		return nil, nil
	}
	out := make([][]byte, 0, len(list))
	for _, ex := range list {
		b, err := json.Marshal(ex)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// decodeJSON decodes one JSON value, numbers as json.Number, and rejects
// trailing data.
func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("invalid data after the top-level value")
	}
	return v, nil
}

// check validates a decoded payload and returns every problem.
func (c *jsonChecker) check(doc any) []Problem {
	if c.fast != nil && c.fast.valid(doc) {
		return nil
	}
	err := c.schema.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Rule: "schema", Message: err.Error()}}
	}
	var out []Problem
	collectProblems(ve, &out)
	return out
}

// collectProblems flattens the error tree into its leaves. Alternatives
// (anyOf, oneOf) are one problem each: their branches' errors would mislead.
func collectProblems(e *jsonschema.ValidationError, out *[]Problem) {
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf, *kind.Not:
		*out = append(*out, leafProblem(e))
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectProblems(c, out)
		}
		return
	}
	base := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, Problem{Path: base + "/" + escapeToken(m), Rule: "required",
				Message: fmt.Sprintf("missing required property %q", m)})
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, Problem{Path: base + "/" + escapeToken(p), Rule: "additionalProperties",
				Message: fmt.Sprintf("property %q is not allowed", p)})
		}
	default:
		*out = append(*out, leafProblem(e))
	}
}

func leafProblem(e *jsonschema.ValidationError) Problem {
	rule := "schema"
	if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
		rule = kp[0]
	} else if _, ok := e.ErrorKind.(*kind.FalseSchema); ok {
		rule = "false"
	}
	return Problem{Path: pointer(e.InstanceLocation), Rule: rule, Message: e.ErrorKind.LocalizedString(printer)}
}

// pointer renders path tokens as a JSON pointer ("" for the root).
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}

func escapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}
