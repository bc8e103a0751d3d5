package schemas

import (
	"maps"
	"sort"
	"sync"
	"sync/atomic"
)

// Registry holds event types, their schema versions, upcasters and
// validation modes. Its zero value is not usable: call NewRegistry.
//
// A nil *Registry may be used for reading: it has no types, validates
// nothing and upcasts nothing (so validation can be left unconfigured).
//
// Every method is safe for concurrent use. Registrations are serialised and
// published atomically (copy on write): a Validate or Upcast running at the
// same time sees the registry wholly before or wholly after a registration,
// and reads take no lock.
type Registry struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[snapshot]
}

// snapshot is an immutable state of the registry. Writers clone it, change
// the clone and publish it.
type snapshot struct {
	types       map[string]*typeEntry
	modes       map[string]Mode
	defaultMode Mode
}

// typeEntry is one event type. versions are contiguous and ascending:
// versions[i].number == versions[0].number+i. steps[k] upcasts k to k+1.
type typeEntry struct {
	name     string
	versions []*version
	steps    map[uint32]step
}

// NewRegistry returns an empty registry. Registered types are validated in
// ModeStrict unless SetMode says otherwise; unregistered types follow the
// default mode, ModeOff until SetDefaultMode changes it.
func NewRegistry() *Registry {
	r := &Registry{}
	r.cur.Store(&snapshot{types: map[string]*typeEntry{}, modes: map[string]Mode{}, defaultMode: ModeOff})
	return r
}

// emptySnapshot is what a nil *Registry holds: no types, everything off.
var emptySnapshot = &snapshot{types: map[string]*typeEntry{}, modes: map[string]Mode{}, defaultMode: ModeOff}

func (r *Registry) load() *snapshot {
	if r == nil {
		return emptySnapshot
	}
	return r.cur.Load()
}

// update applies fn to a clone of the current state and publishes the clone
// if fn succeeds; otherwise the registry is unchanged.
func (r *Registry) update(fn func(s *snapshot) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := r.load().clone()
	if err := fn(next); err != nil {
		return err
	}
	r.cur.Store(next)
	return nil
}

func (s *snapshot) clone() *snapshot {
	c := &snapshot{types: make(map[string]*typeEntry, len(s.types)), modes: maps.Clone(s.modes), defaultMode: s.defaultMode}
	for name, t := range s.types {
		c.types[name] = &typeEntry{name: t.name, versions: append([]*version(nil), t.versions...), steps: maps.Clone(t.steps)}
	}
	return c
}

// entry returns the type, creating it when absent.
func (s *snapshot) entry(typ string) *typeEntry {
	t := s.types[typ]
	if t == nil {
		t = &typeEntry{name: typ, steps: map[uint32]step{}}
		s.types[typ] = t
	}
	return t
}

// version returns the registered version n of the type, or nil.
func (t *typeEntry) version(n uint32) *version {
	if t == nil || len(t.versions) == 0 || n < t.versions[0].number {
		return nil
	}
	i := int(n - t.versions[0].number)
	if i >= len(t.versions) {
		return nil
	}
	return t.versions[i]
}

// latest returns the newest version, or nil when none is registered.
func (t *typeEntry) latest() *version {
	if t == nil || len(t.versions) == 0 {
		return nil
	}
	return t.versions[len(t.versions)-1]
}

// SetDefaultMode sets the mode of types that are neither registered nor
// given a mode by SetMode. ModeUnset restores ModeOff.
func (r *Registry) SetDefaultMode(m Mode) {
	if m == ModeUnset {
		m = ModeOff
	}
	_ = r.update(func(s *snapshot) error { s.defaultMode = m; return nil })
}

// SetMode sets the mode of one type, registered or not: ModeStrict on an
// unregistered type rejects all its events. ModeUnset restores the default.
func (r *Registry) SetMode(typ string, m Mode) {
	_ = r.update(func(s *snapshot) error {
		if m == ModeUnset {
			delete(s.modes, typ)
		} else {
			s.modes[typ] = m
		}
		return nil
	})
}

// Mode returns the mode Validate uses for the type.
func (r *Registry) Mode(typ string) Mode { return r.load().mode(typ) }

func (s *snapshot) mode(typ string) Mode {
	if m, ok := s.modes[typ]; ok {
		return m
	}
	if t := s.types[typ]; t != nil && len(t.versions) > 0 {
		return ModeStrict
	}
	return s.defaultMode
}

// Types returns the registered type names, sorted.
func (r *Registry) Types() []string {
	s := r.load()
	out := make([]string, 0, len(s.types))
	for name, t := range s.types {
		if len(t.versions) > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Versions returns the registered versions of a type, ascending (nil when
// the type is not registered).
func (r *Registry) Versions(typ string) []uint32 {
	t := r.load().types[typ]
	if t == nil {
		return nil
	}
	out := make([]uint32, len(t.versions))
	for i, v := range t.versions {
		out[i] = v.number
	}
	return out
}

// Latest returns the newest registered version of a type.
func (r *Registry) Latest(typ string) (uint32, bool) {
	if v := r.load().types[typ].latest(); v != nil {
		return v.number, true
	}
	return 0, false
}
