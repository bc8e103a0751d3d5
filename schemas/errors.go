package schemas

import (
	"errors"
	"fmt"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
)

// Sentinel errors. Every typed error of this package matches one of them
// with errors.Is:
//
//	if errors.Is(err, schemas.ErrValidation) { reject the append, do not retry }
var (
	// ErrValidation: one or more events failed their schema. Never retryable.
	ErrValidation = errors.New("schema validation failed")
	// ErrRegistration: a schema, upcaster or directory could not be
	// registered (bad schema, bad example, versions out of order).
	ErrRegistration = errors.New("schema registration failed")
	// ErrIncompatible: a new version cannot read the previous versions'
	// examples after upcasting (see Registry.RegisterJSON).
	ErrIncompatible = errors.New("incompatible schema change")
	// ErrMissingUpcaster: no upcasting step exists between two versions.
	ErrMissingUpcaster = errors.New("missing upcaster")
	// ErrUpcast: an upcaster failed on a payload.
	ErrUpcast = errors.New("upcast failed")
	// ErrUnknownVersion: the event's type or version is not registered.
	ErrUnknownVersion = errors.New("unknown schema version")
)

// Problem is one field-level problem with a payload.
type Problem struct {
	// Path is a JSON pointer (RFC 6901) into the payload: "" is the payload
	// itself, "/order/lines/2/qty" a nested field. For a missing required
	// field it names the missing field; for protobuf payloads it uses the
	// proto field names.
	Path string
	// Rule is the JSON Schema keyword that failed ("required", "minimum",
	// "type", ...) or one of the Rule* constants of this package.
	Rule    string
	Message string
}

func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(root)"
	}
	return fmt.Sprintf("%s: %s: %s", path, p.Rule, p.Message)
}

// Rules of problems that are not JSON Schema keywords.
const (
	RuleUnknownType    = "unknown-type"    // the type is not registered (strict)
	RuleUnknownVersion = "unknown-version" // the version is not registered
	RuleContentType    = "content-type"    // the version expects another content type
	RuleSyntax         = "syntax"          // the payload is not well-formed JSON / protobuf
	RuleUnknownField   = "unknown-field"   // a protobuf payload has fields its message lacks
	RuleVersionMeta    = "schema-version"  // the metadata schema-version is not a number
)

// EventProblems are the problems of one event of an append.
type EventProblems struct {
	// Index of the event in the append (0 for a single event).
	Index int
	Type  string
	// Version the event was checked against (0: none could be chosen).
	Version  uint32
	Problems []Problem
}

// ValidationError reports every event of an append that failed its schema,
// with every problem of each. Nothing of the append may be written.
type ValidationError struct {
	// Events that failed, in index order; never empty.
	Events []EventProblems
	// Stream is left for the caller to fill in.
	Stream string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("schema validation failed")
	if e.Stream != "" {
		fmt.Fprintf(&b, " (stream %q)", e.Stream)
	}
	for i, ev := range e.Events {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " event %d %q v%d:", ev.Index, ev.Type, ev.Version)
		for j, p := range ev.Problems {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(" " + p.String())
		}
	}
	return b.String()
}

// Is makes errors.Is(err, ErrValidation) true.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// ErrorCode makes eventstore.CodeOf(err) eventstore.CodeValidation (not retryable).
func (e *ValidationError) ErrorCode() eventstore.Code { return eventstore.CodeValidation }

// RegistrationError reports a registration that was refused; the registry
// is unchanged.
type RegistrationError struct {
	Type    string
	Version uint32
	Reason  string
}

func (e *RegistrationError) Error() string {
	return fmt.Sprintf("schemas: register %q v%d: %s", e.Type, e.Version, e.Reason)
}

// Is makes errors.Is(err, ErrRegistration) true.
func (e *RegistrationError) Is(target error) bool { return target == ErrRegistration }

// IncompatibleError reports a new version To that cannot read an example
// of an earlier version From once upcast: the change was refused.
type IncompatibleError struct {
	Type     string
	From, To uint32
	// Example is the index of the failing example of version From.
	Example int
	// Problems of the upcast example against version To's schema.
	Problems []Problem
	// Err is set when the upcaster itself failed.
	Err error
}

func (e *IncompatibleError) Error() string {
	msg := fmt.Sprintf("schemas: %q v%d is incompatible with v%d: example %d of v%d",
		e.Type, e.To, e.From, e.Example, e.From)
	if e.Err != nil {
		return msg + " cannot be upcast: " + e.Err.Error()
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return msg + " upcast to v" + fmt.Sprint(e.To) + " fails its schema: " + strings.Join(parts, ", ")
}

// Is makes errors.Is(err, ErrIncompatible) true.
func (e *IncompatibleError) Is(target error) bool { return target == ErrIncompatible }

// Unwrap returns the upcaster's error, if any.
func (e *IncompatibleError) Unwrap() error { return e.Err }

// MissingUpcasterError reports that no step leads from From to To.
type MissingUpcasterError struct {
	Type     string
	From, To uint32
}

func (e *MissingUpcasterError) Error() string {
	return fmt.Sprintf("schemas: no upcaster for %q from v%d to v%d", e.Type, e.From, e.To)
}

// Is makes errors.Is(err, ErrMissingUpcaster) true.
func (e *MissingUpcasterError) Is(target error) bool { return target == ErrMissingUpcaster }

// UpcastError reports an upcaster that failed on a payload, at the step
// From -> From+1.
type UpcastError struct {
	Type string
	From uint32
	Err  error
}

func (e *UpcastError) Error() string {
	return fmt.Sprintf("schemas: upcast %q v%d -> v%d: %v", e.Type, e.From, e.From+1, e.Err)
}

// Is makes errors.Is(err, ErrUpcast) true.
func (e *UpcastError) Is(target error) bool { return target == ErrUpcast }

// Unwrap returns the upcaster's error.
func (e *UpcastError) Unwrap() error { return e.Err }

// VersionError reports an event whose type or version is not registered,
// where a registered one is needed (upcasting).
type VersionError struct {
	Type    string
	Version uint32
	Reason  string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("schemas: %q v%d: %s", e.Type, e.Version, e.Reason)
}

// Is makes errors.Is(err, ErrUnknownVersion) true.
func (e *VersionError) Is(target error) bool { return target == ErrUnknownVersion }
