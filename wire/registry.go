package wire

import (
	"sync"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
)

// Detail is an error's wire form as Go values: what ErrorToProto writes
// and ErrorFromProto reads, and what an ErrorCodec fills in or rebuilds
// from. Fields that do not apply to the code are zero.
type Detail struct {
	Code    eventstore.Code
	Message string
	Stream  string
	// Operation names what failed ("append", "read", a database operation).
	Operation string
	// Streams are the streams of a transaction, when the error names them.
	Streams []string
	// Expected is the expected version of a concurrency error or of a
	// timed-out append; nil when the error has none.
	Expected *eventstore.ExpectedVersion
	Actual   eventstore.Version
	// Fields are field-level problems (invalid input, validation).
	Fields []FieldError
	// EventID and ExistingStream describe a duplicate event.
	EventID        uuid.UUID
	ExistingStream string
}

// FieldError is one field-level problem of an error.
type FieldError struct {
	Path, Rule, Message string
}

// ErrorCodec converts the typed errors of a package built on eventstore
// (for example the schemas package's *ValidationError, or the actors
// package's *TimeoutError) to and from their wire form, so that they
// cross the wire with their fields. Register it once, from an init
// function of the package that defines the error.
type ErrorCodec struct {
	// Encode fills in d when err's chain holds the codec's error type and
	// reports whether it did. d comes with Code (eventstore.CodeOf) and
	// Message (err.Error()) set.
	Encode func(err error, d *Detail) bool
	// Code is the code of the wire errors Decode rebuilds.
	Code eventstore.Code
	// Decode rebuilds the typed error from d, or returns nil to leave d to
	// the next codec of the code and then to the built-in conversion.
	Decode func(d *Detail) error
}

var (
	codecsMu sync.RWMutex
	codecs   []ErrorCodec
)

// RegisterError adds c to the conversions of ErrorToProto and
// ErrorFromProto. Codecs are tried in the order they were registered,
// before the built-in conversion of eventstore's errors. It is safe for
// concurrent use; register from init functions.
func RegisterError(c ErrorCodec) {
	codecsMu.Lock()
	defer codecsMu.Unlock()
	codecs = append(codecs[:len(codecs):len(codecs)], c)
}

func registered() []ErrorCodec {
	codecsMu.RLock()
	defer codecsMu.RUnlock()
	return codecs
}
