package schemas

import (
	"strconv"

	"github.com/actorstore/actorstore/eventstore"
)

// MetadataVersionKey is the metadata key a writer may use to give the schema
// version of an event instead of EventData.SchemaVersion, as a decimal
// number: Metadata["schema-version"] = "2".
const MetadataVersionKey = "schema-version"

// VersionSource says where a Result's version came from.
type VersionSource uint8

const (
	// VersionNone: no version could be chosen (Result.Version is 0).
	VersionNone VersionSource = iota
	// VersionGiven: EventData.SchemaVersion.
	VersionGiven
	// VersionFromMetadata: the MetadataVersionKey metadata entry.
	VersionFromMetadata
	// VersionDetected: the newest registered version whose schema accepts
	// the payload.
	VersionDetected
)

func (s VersionSource) String() string {
	return [...]string{"none", "given", "metadata", "detected"}[s]
}

// Result is the outcome of validating one event that was not rejected.
type Result struct {
	Type string
	// Version is the schema version to store: the caller sets
	// EventData.SchemaVersion to it. 0 when none could be chosen.
	Version uint32
	Source  VersionSource
	// Mode the event was validated in.
	Mode Mode
	// Warnings are the event's problems under ModeWarn (nil otherwise):
	// the event is accepted, the caller should log them.
	Warnings []Problem
}

// Validate checks one event against its type's schema in the type's mode
// and chooses its schema version:
//
//   - the version given in ev.SchemaVersion, else in ev.Metadata
//     [MetadataVersionKey], must be registered and its schema must accept
//     the payload;
//   - with no version given, the newest registered version of the event's
//     content type (empty means JSON) that accepts the payload is chosen;
//     when none does, the problems reported are those against the latest.
//
// In ModeStrict any problem, an unregistered type or an unregistered
// version returns a *ValidationError (errors.Is(err, ErrValidation)) that
// lists every problem. In ModeWarn the problems come back as
// Result.Warnings and err is nil; in ModeOff nothing is checked. Validate
// does not modify ev. It is safe for concurrent use.
func (r *Registry) Validate(ev *eventstore.EventData) (Result, error) {
	res, probs := r.load().validate(ev)
	if probs != nil {
		return res, &ValidationError{Events: []EventProblems{*probs}}
	}
	return res, nil
}

// ValidateBatch validates the events of one append or transaction with one
// view of the registry. It returns a Result for every event, and a
// *ValidationError naming each rejected event by its index in evs, with
// all its problems. The caller rejects the whole append on error.
func (r *Registry) ValidateBatch(evs []eventstore.EventData) ([]Result, error) {
	s := r.load()
	results := make([]Result, len(evs))
	var failed []EventProblems
	for i := range evs {
		res, probs := s.validate(&evs[i])
		results[i] = res
		if probs != nil {
			probs.Index = i
			failed = append(failed, *probs)
		}
	}
	if failed != nil {
		return results, &ValidationError{Events: failed}
	}
	return results, nil
}

// validate returns the event's result, and its problems when the event is
// rejected.
func (s *snapshot) validate(ev *eventstore.EventData) (Result, *EventProblems) {
	if ev == nil {
		return Result{}, &EventProblems{Problems: []Problem{{Rule: "required", Message: "no event"}}}
	}
	res := Result{Type: ev.Type, Mode: s.mode(ev.Type), Version: ev.SchemaVersion}
	if ev.SchemaVersion != 0 {
		res.Source = VersionGiven
	}
	if res.Mode == ModeOff {
		return res, nil
	}
	checked, probs := s.check(ev, &res)
	if len(probs) == 0 {
		return res, nil
	}
	if res.Mode == ModeWarn {
		res.Warnings = probs
		return res, nil
	}
	return res, &EventProblems{Type: ev.Type, Version: checked, Problems: probs}
}

// check chooses the version (into res) and returns the version checked
// against and the problems found.
func (s *snapshot) check(ev *eventstore.EventData, res *Result) (uint32, []Problem) {
	t := s.types[ev.Type]
	if t.latest() == nil {
		return 0, []Problem{{Rule: RuleUnknownType, Message: "event type " + strconv.Quote(ev.Type) + " is not registered"}}
	}
	n, src, probs := givenVersion(ev)
	if probs != nil {
		return 0, probs
	}
	ct := contentTypeOf(ev.ContentType)
	p := &payload{data: ev.Data}
	if src != VersionNone {
		res.Version, res.Source = n, src
		v := t.version(n)
		if v == nil {
			return n, []Problem{{Rule: RuleUnknownVersion, Message: "version " + strconv.FormatUint(uint64(n), 10) +
				" of " + strconv.Quote(ev.Type) + " is not registered"}}
		}
		return n, v.problems(p, ct)
	}
	if v := t.newestAccepting(p, ct); v != nil {
		res.Version, res.Source = v.number, VersionDetected
		return v.number, nil
	}
	last := t.latest()
	return last.number, last.problems(p, ct)
}

// givenVersion returns the version the writer gave, if any.
func givenVersion(ev *eventstore.EventData) (uint32, VersionSource, []Problem) {
	if ev.SchemaVersion != 0 {
		return ev.SchemaVersion, VersionGiven, nil
	}
	text, ok := ev.Metadata[MetadataVersionKey]
	if !ok {
		return 0, VersionNone, nil
	}
	n, err := strconv.ParseUint(text, 10, 32)
	if err != nil || n == 0 {
		return 0, VersionNone, []Problem{{Rule: RuleVersionMeta,
			Message: "metadata " + MetadataVersionKey + " is " + strconv.Quote(text) + ", not a version number"}}
	}
	return uint32(n), VersionFromMetadata, nil
}

// newestAccepting returns the newest version whose schema accepts p.
func (t *typeEntry) newestAccepting(p *payload, ct string) *version {
	for i := len(t.versions) - 1; i >= 0; i-- {
		if v := t.versions[i]; v.contentType == ct && len(v.problems(p, ct)) == 0 {
			return v
		}
	}
	return nil
}

// detect finds the version of a stored event that has none, for upcasting.
func (t *typeEntry) detect(ev *eventstore.EventData) (uint32, bool) {
	n, src, probs := givenVersion(ev)
	if probs == nil && src != VersionNone {
		return n, true
	}
	if v := t.newestAccepting(&payload{data: ev.Data}, contentTypeOf(ev.ContentType)); v != nil {
		return v.number, true
	}
	return 0, false
}
