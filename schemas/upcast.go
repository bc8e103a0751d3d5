package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
)

// UpcastFunc turns a payload of version k into a payload of version k+1.
// It must not modify data, and must be deterministic.
type UpcastFunc func(data []byte) ([]byte, error)

// JSONUpcastFunc turns a JSON object payload of version k into version k+1
// by changing doc in place. doc holds decoded JSON: map[string]any, []any,
// string, bool, nil and json.Number for numbers (their text is kept
// exactly). Values it adds are encoded with encoding/json.
type JSONUpcastFunc func(doc map[string]any) error

// step upcasts k to k+1; the zero step is the identity.
type step struct {
	bytes UpcastFunc
	json  JSONUpcastFunc
}

// RegisterUpcaster registers the step from -> from+1 of a type. Register it
// before version from+1, whose compatibility check runs it: once both
// versions are registered the step is fixed and this fails. A step may be
// registered for versions older than the first registered one, to read
// events stored before the type had schemas.
func (r *Registry) RegisterUpcaster(typ string, from uint32, f UpcastFunc) error {
	if f == nil {
		return &RegistrationError{Type: typ, Version: from + 1, Reason: "nil upcaster"}
	}
	return r.addStep(typ, from, step{bytes: f})
}

// RegisterJSONUpcaster is RegisterUpcaster for JSON object payloads. The
// JSON steps of a chain that follow each other decode the payload once and
// encode it once; the result is the same as running them one by one.
func (r *Registry) RegisterJSONUpcaster(typ string, from uint32, f JSONUpcastFunc) error {
	if f == nil {
		return &RegistrationError{Type: typ, Version: from + 1, Reason: "nil upcaster"}
	}
	return r.addStep(typ, from, step{json: f})
}

func (r *Registry) addStep(typ string, from uint32, st step) error {
	return r.update(func(s *snapshot) error {
		if from == 0 {
			return &RegistrationError{Type: typ, Version: 1, Reason: "upcasters start at version 1"}
		}
		t := s.entry(typ)
		if t.version(from) != nil && t.version(from+1) != nil {
			return &RegistrationError{Type: typ, Version: from + 1, Reason: fmt.Sprintf(
				"v%d and v%d are already registered: register the upcaster before v%d", from, from+1, from+1)}
		}
		if _, ok := t.steps[from]; ok {
			return &RegistrationError{Type: typ, Version: from + 1, Reason: fmt.Sprintf("an upcaster from v%d is already registered", from)}
		}
		t.steps[from] = st
		return nil
	})
}

// upcastData runs the steps from -> to over data.
func (t *typeEntry) upcastData(data []byte, from, to uint32) ([]byte, error) {
	for k := from; k < to; k++ {
		if _, ok := t.steps[k]; !ok {
			return nil, &MissingUpcasterError{Type: t.name, From: k, To: k + 1}
		}
	}
	var doc map[string]any // a run of JSON steps in progress
	var err error
	for k := from; k < to; k++ {
		st := t.steps[k]
		switch {
		case st.json != nil:
			if doc == nil {
				if doc, err = decodeObject(data); err != nil {
					return nil, &UpcastError{Type: t.name, From: k, Err: err}
				}
			}
			if err = st.json(doc); err != nil {
				return nil, &UpcastError{Type: t.name, From: k, Err: err}
			}
		case st.bytes != nil:
			if doc != nil {
				if data, err = encodeJSON(doc); err != nil {
					return nil, &UpcastError{Type: t.name, From: k - 1, Err: err}
				}
				doc = nil
			}
			if data, err = st.bytes(data); err != nil {
				return nil, &UpcastError{Type: t.name, From: k, Err: err}
			}
		}
	}
	if doc != nil {
		if data, err = encodeJSON(doc); err != nil {
			return nil, &UpcastError{Type: t.name, From: to - 1, Err: err}
		}
	}
	return data, nil
}

func decodeObject(data []byte) (map[string]any, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok || obj == nil {
		return nil, errors.New("payload is not a JSON object")
	}
	return obj, nil
}

// encodeJSON encodes without HTML escaping and without a trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Upcast returns ev with its payload converted to version target (0: the
// latest registered). The stored event is not changed: ev.Data is not
// modified, and the result has its own Data, SchemaVersion and ContentType.
//
// An event with SchemaVersion 0 gets its version detected as Validate does.
// Events of unregistered types come back unchanged when target is 0. A
// missing step is a *MissingUpcasterError; an event newer than target, or a
// version that cannot be found, a *VersionError; a failing upcaster an
// *UpcastError.
func (r *Registry) Upcast(ev eventstore.RecordedEvent, target uint32) (eventstore.RecordedEvent, error) {
	t := r.load().types[ev.Type]
	last := t.latest()
	if last == nil {
		if target == 0 {
			return ev, nil
		}
		return ev, &VersionError{Type: ev.Type, Version: target, Reason: "type is not registered"}
	}
	if target == 0 {
		target = last.number
	}
	to := t.version(target)
	if to == nil {
		return ev, &VersionError{Type: ev.Type, Version: target, Reason: "target version is not registered"}
	}
	from := ev.SchemaVersion
	if from == 0 {
		var ok bool
		if from, ok = t.detect(&ev.EventData); !ok {
			return ev, &VersionError{Type: ev.Type, Reason: "event has no schema version and none matches it"}
		}
	}
	if from > target {
		return ev, &VersionError{Type: ev.Type, Version: from, Reason: fmt.Sprintf("cannot downcast to v%d", target)}
	}
	if from == target {
		ev.SchemaVersion = from
		return ev, nil
	}
	data, err := t.upcastData(ev.Data, from, target)
	if err != nil {
		return ev, err
	}
	ev.Data, ev.SchemaVersion, ev.ContentType = data, target, to.contentType
	return ev, nil
}
