package schemas

import (
	"encoding/json"
	"math"
	"strconv"
)

// annotations are keywords that never affect validity.
var annotations = map[string]bool{"title": true, "description": true, "examples": true, "default": true,
	"$comment": true, "deprecated": true, "readOnly": true, "writeOnly": true}

// drafts whose keywords the fast path reads as it does: 2020-12 (also the
// default when "$schema" is absent) and 2019-09.
var fastDrafts = map[string]bool{"https://json-schema.org/draft/2020-12/schema": true,
	"https://json-schema.org/draft/2019-09/schema": true}

// compileFast compiles a decoded schema to a fastNode, or returns false
// when the schema uses anything outside the subset.
func compileFast(doc any, root bool) (*fastNode, bool) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, false // boolean schemas: leave them to the general validator
	}
	n := &fastNode{minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}
	for k, v := range obj {
		if annotations[k] {
			continue
		}
		if k == "$schema" && root {
			if s, _ := v.(string); fastDrafts[s] {
				continue
			}
			return nil, false
		}
		if !n.compileKeyword(k, v) {
			return nil, false
		}
	}
	return n, true
}

func (n *fastNode) compileKeyword(k string, v any) bool {
	var ok bool
	switch k {
	case "type":
		n.types, ok = compileTypes(v)
	case "properties":
		n.props, ok = compileProps(v)
	case "required":
		n.required, ok = stringList(v)
	case "additionalProperties":
		if b, isBool := v.(bool); isBool {
			n.closed, ok = !b, true
		} else {
			n.additional, ok = compileFast(v, false)
		}
	case "items":
		n.items, ok = compileFast(v, false)
	case "minItems", "maxItems", "minLength", "maxLength":
		ok = n.compileCount(k, v)
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		ok = n.compileBound(k, v)
	}
	return ok
}

func compileTypes(v any) (typeSet, bool) {
	names, ok := stringList(v)
	if s, isString := v.(string); isString {
		names, ok = []string{s}, true
	}
	var set typeSet
	for _, name := range names {
		t, known := typeNames[name]
		if !known {
			return 0, false
		}
		set |= t
	}
	return set, ok && set != 0
}

func compileProps(v any) (map[string]*fastNode, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	props := make(map[string]*fastNode, len(obj))
	for name, sub := range obj {
		if props[name], ok = compileFast(sub, false); !ok {
			return nil, false
		}
	}
	return props, true
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(list))
	for i, item := range list {
		if out[i], ok = item.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

func (n *fastNode) compileCount(k string, v any) bool {
	num, ok := v.(json.Number)
	if !ok {
		return false
	}
	c, err := strconv.Atoi(string(num))
	if err != nil || c < 0 {
		return false
	}
	switch k {
	case "minItems":
		n.minItems = c
	case "maxItems":
		n.maxItems = c
	case "minLength":
		n.minLen = c
	default:
		n.maxLen = c
	}
	return true
}

func (n *fastNode) compileBound(k string, v any) bool {
	num, ok := v.(json.Number)
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	op := map[string]string{"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[k]
	n.bounds = append(n.bounds, bound{op: op, value: f})
	return true
}
