package schemas

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// fastNode is a schema of a common subset of JSON Schema, compiled so that
// valid payloads are accepted without the general validator, which costs
// most of the time of validation (see docs/benchmarks.md). It only ever
// answers "certainly valid": on any doubt (a problem, a number it cannot
// compare exactly) the payload goes to the general validator, which
// decides and reports the problems. A schema using any keyword outside the
// subset has no fastNode at all.
type fastNode struct {
	types              typeSet // 0: any type
	props              map[string]*fastNode
	required           []string
	closed             bool      // additionalProperties: false
	additional         *fastNode // additionalProperties: {schema}
	items              *fastNode
	minItems, maxItems int // -1: none
	minLen, maxLen     int // -1: none
	bounds             []bound
}

type typeSet uint8

const (
	tObject typeSet = 1 << iota
	tArray
	tString
	tInteger
	tNumber
	tBoolean
	tNull
)

var typeNames = map[string]typeSet{"object": tObject, "array": tArray, "string": tString,
	"integer": tInteger, "number": tNumber, "boolean": tBoolean, "null": tNull}

// bound is minimum (op ">="), maximum ("<="), exclusiveMinimum (">") or
// exclusiveMaximum ("<").
type bound struct {
	op    string
	value float64
}

func (n *fastNode) allows(t typeSet) bool { return n.types == 0 || n.types&t != 0 }

// valid reports whether v certainly satisfies the schema.
func (n *fastNode) valid(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return n.allows(tObject) && n.validObject(x)
	case []any:
		return n.allows(tArray) && n.validArray(x)
	case string:
		return n.allows(tString) && n.validString(x)
	case json.Number:
		return n.validNumber([]byte(x))
	case bool:
		return n.allows(tBoolean)
	case nil:
		return n.allows(tNull)
	}
	return false
}

func (n *fastNode) validObject(obj map[string]any) bool {
	for _, name := range n.required {
		if _, ok := obj[name]; !ok {
			return false
		}
	}
	for k, val := range obj {
		switch p := n.props[k]; {
		case p != nil:
			if !p.valid(val) {
				return false
			}
		case n.closed:
			return false
		case n.additional != nil:
			if !n.additional.valid(val) {
				return false
			}
		}
	}
	return true
}

func (n *fastNode) validArray(arr []any) bool {
	if (n.minItems >= 0 && len(arr) < n.minItems) || (n.maxItems >= 0 && len(arr) > n.maxItems) {
		return false
	}
	if n.items != nil {
		for _, it := range arr {
			if !n.items.valid(it) {
				return false
			}
		}
	}
	return true
}

func (n *fastNode) validString(s string) bool {
	if n.minLen < 0 && n.maxLen < 0 {
		return true
	}
	c := utf8.RuneCountInString(s) // JSON Schema counts code points
	return (n.minLen < 0 || c >= n.minLen) && (n.maxLen < 0 || c <= n.maxLen)
}

// validNumber accepts only what it can decide exactly: integers are plain
// integer literals of at most 15 digits ("1.0" and "1e2" go to the general
// validator), and a bound is met when it holds with a margin far above the
// rounding of float64, or exactly between two such integers.
func (n *fastNode) validNumber(num []byte) bool {
	plainInt := isPlainInt(num)
	if !(n.allows(tNumber) || (n.allows(tInteger) && plainInt)) {
		return false
	}
	if len(n.bounds) == 0 {
		return true
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsInf(f, 0) {
		return false
	}
	for _, b := range n.bounds {
		if !b.certainlyHolds(f, plainInt) {
			return false
		}
	}
	return true
}

func (b bound) certainlyHolds(f float64, exact bool) bool {
	exact = exact && b.value == math.Trunc(b.value) && math.Abs(b.value) < 1e15
	margin := 0.0
	if !exact {
		margin = 1e-9 * math.Max(1, math.Abs(b.value))
	}
	switch b.op {
	case ">=":
		return f-margin >= b.value
	case "<=":
		return f+margin <= b.value
	case ">":
		return f-margin > b.value
	}
	return f+margin < b.value
}

// isPlainInt reports a literal of an optional minus and 1 to 15 digits,
// exactly representable as a float64.
func isPlainInt(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
