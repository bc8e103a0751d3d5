package schemas

import (
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
)

// RegisterJSON registers version n of an event type with a JSON Schema
// (draft 2020-12 unless its "$schema" says otherwise; "format" is asserted;
// references outside the schema are refused). The schema is compiled once,
// here.
//
// The examples are payloads of this version; so are the items of the
// schema's top-level "examples" keyword. At least one example is required
// and each must validate, because compatibility is checked with them:
//
//   - The first version registered for a type may be any n >= 1; each later
//     one must be the latest plus one.
//   - Version n > first is compatible when every example of every earlier
//     version, upcast to n-1 and then through the upcaster n-1 -> n (the
//     identity when none is registered), validates against version n.
//     Otherwise the registration fails with an *IncompatibleError and the
//     registry is unchanged.
//
// So adding an optional field needs no upcaster, while adding a required
// field, renaming or retyping one needs an upcaster registered first
// (RegisterUpcaster or RegisterJSONUpcaster).
func (r *Registry) RegisterJSON(typ string, n uint32, schema []byte, examples ...[]byte) error {
	return r.update(func(s *snapshot) error { return registerJSON(s, typ, n, schema, examples) })
}

func registerJSON(s *snapshot, typ string, n uint32, schema []byte, examples [][]byte) error {
	if err := checkNumber(s, typ, n); err != nil {
		return err
	}
	c, fromSchema, err := compileJSON(typ, n, schema)
	if err != nil {
		return &RegistrationError{Type: typ, Version: n, Reason: "invalid JSON Schema: " + err.Error()}
	}
	all := append(append([][]byte(nil), fromSchema...), examples...)
	v := &version{number: n, contentType: eventstore.ContentTypeJSON, json: c, examples: all}
	return addVersion(s, typ, v)
}

// RegisterProto registers version n of an event type whose payloads are
// protobuf messages. Versions and compatibility follow RegisterJSON.
func (r *Registry) RegisterProto(typ string, n uint32, spec ProtoSchema) error {
	return r.update(func(s *snapshot) error { return registerProto(s, typ, n, spec) })
}

func registerProto(s *snapshot, typ string, n uint32, spec ProtoSchema) error {
	if err := checkNumber(s, typ, n); err != nil {
		return err
	}
	c, err := newProtoChecker(spec)
	if err != nil {
		return &RegistrationError{Type: typ, Version: n, Reason: err.Error()}
	}
	v := &version{number: n, contentType: eventstore.ContentTypeProtobuf, proto: c,
		examples: append([][]byte(nil), spec.Examples...)}
	return addVersion(s, typ, v)
}

// checkNumber refuses version numbers out of order.
func checkNumber(s *snapshot, typ string, n uint32) error {
	if n == 0 {
		return &RegistrationError{Type: typ, Version: n, Reason: "versions start at 1"}
	}
	if last := s.types[typ].latest(); last != nil && n != last.number+1 {
		return &RegistrationError{Type: typ, Version: n,
			Reason: fmt.Sprintf("versions are registered in order: the latest is v%d, so the next is v%d", last.number, last.number+1)}
	}
	return nil
}

// addVersion checks the version's own examples and its compatibility with
// the earlier versions, then adds it to s.
func addVersion(s *snapshot, typ string, v *version) error {
	if len(v.examples) == 0 {
		return &RegistrationError{Type: typ, Version: v.number,
			Reason: "no example payload: each version needs at least one (compatibility is checked with them)"}
	}
	for i, ex := range v.examples {
		if probs := v.problems(&payload{data: ex}, v.contentType); len(probs) > 0 {
			return &RegistrationError{Type: typ, Version: v.number,
				Reason: fmt.Sprintf("example %d fails its own schema: %v", i, probs)}
		}
	}
	t := s.entry(typ)
	if t.latest() != nil {
		if _, ok := t.steps[v.number-1]; !ok {
			t.steps[v.number-1] = step{} // identity
		}
		if err := checkCompatible(t, v); err != nil {
			return err
		}
	}
	t.versions = append(t.versions, v)
	return nil
}

// checkCompatible upcasts every example of every registered version of t
// to v and validates it against v.
func checkCompatible(t *typeEntry, v *version) error {
	for _, old := range t.versions {
		for i, ex := range old.examples {
			out, err := t.upcastData(ex, old.number, v.number)
			if err != nil {
				return &IncompatibleError{Type: t.name, From: old.number, To: v.number, Example: i, Err: err}
			}
			if probs := v.problems(&payload{data: out}, v.contentType); len(probs) > 0 {
				return &IncompatibleError{Type: t.name, From: old.number, To: v.number, Example: i, Problems: probs}
			}
		}
	}
	return nil
}
