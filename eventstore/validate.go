package eventstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits bound what one append may contain. The zero value of a field means
// its default (DefaultLimits).
type Limits struct {
	// MaxStreamIDLength in bytes. Default 512.
	MaxStreamIDLength int
	// MaxTypeLength in bytes. Default 256.
	MaxTypeLength int
	// MaxEventSize is the largest Data plus Metadata of one event, in bytes.
	// Default 1 MiB.
	MaxEventSize int
	// MaxBatchEvents is the largest number of events in one AppendBatch.
	// Default 100,000.
	MaxBatchEvents int
}

// DefaultLimits are the limits used when a field of Limits is zero.
var DefaultLimits = Limits{
	MaxStreamIDLength: 512,
	MaxTypeLength:     256,
	MaxEventSize:      1 << 20,
	MaxBatchEvents:    100_000,
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxStreamIDLength <= 0 {
		l.MaxStreamIDLength = DefaultLimits.MaxStreamIDLength
	}
	if l.MaxTypeLength <= 0 {
		l.MaxTypeLength = DefaultLimits.MaxTypeLength
	}
	if l.MaxEventSize <= 0 {
		l.MaxEventSize = DefaultLimits.MaxEventSize
	}
	if l.MaxBatchEvents <= 0 {
		l.MaxBatchEvents = DefaultLimits.MaxBatchEvents
	}
	return l
}

// ValidateStreamID checks a stream ID: non-empty, valid UTF-8, no NUL byte,
// at most MaxStreamIDLength bytes.
func (l Limits) ValidateStreamID(field, stream string) error {
	l = l.WithDefaults()
	if l.validStreamID(stream) {
		return nil
	}
	return l.streamIDError(field, stream)
}

// validateStreamID is ValidateStreamID of requests[i].stream with defaults
// applied, the field's name built only for an error.
func (l Limits) validateStreamID(request func() string, stream string) error {
	if l.validStreamID(stream) {
		return nil
	}
	return l.streamIDError(request()+".stream", stream)
}

func (l Limits) validStreamID(stream string) bool {
	return stream != "" && len(stream) <= l.MaxStreamIDLength && utf8.ValidString(stream) && !containsNUL(stream)
}

func (l Limits) streamIDError(field, stream string) error {
	switch {
	case stream == "":
		return &InputError{Field: field, Rule: "required", Message: "stream ID is empty"}
	case len(stream) > l.MaxStreamIDLength:
		return &InputError{Field: field, Rule: "max_length", Stream: truncate(stream),
			Message: fmt.Sprintf("stream ID is %d bytes, the limit is %d", len(stream), l.MaxStreamIDLength)}
	case !utf8.ValidString(stream) || containsNUL(stream):
		return &InputError{Field: field, Rule: "utf8", Stream: truncate(stream),
			Message: "stream ID must be valid UTF-8 without NUL bytes"}
	}
	return nil
}

// ValidateEvent checks one event of an append; field names it in errors.
func (l Limits) ValidateEvent(field, stream string, e *EventData) error {
	return l.WithDefaults().validateEvent(func() string { return field }, stream, e)
}

// validateEvent is ValidateEvent with defaults applied and the field's
// name built only for an error (the append path validates every event).
func (l Limits) validateEvent(field func() string, stream string, e *EventData) error {
	bad := func(sub, rule, msg string) error {
		return &InputError{Field: field() + "." + sub, Rule: rule, Message: msg, Stream: stream}
	}
	switch {
	case e.ID == uuid.Nil:
		return bad("id", "required", "event ID is missing")
	case e.Type == "":
		return bad("type", "required", "event type is empty")
	case len(e.Type) > l.MaxTypeLength:
		return bad("type", "max_length",
			fmt.Sprintf("event type is %d bytes, the limit is %d", len(e.Type), l.MaxTypeLength))
	case !utf8.ValidString(e.Type) || containsNUL(e.Type):
		return bad("type", "utf8", "event type must be valid UTF-8 without NUL bytes")
	case e.Data == nil:
		return bad("data", "required", "event data is nil")
	case len(e.ContentType) > l.MaxTypeLength:
		return bad("content_type", "max_length", "content type is too long")
	}
	if size := eventSize(e); size > l.MaxEventSize {
		return bad("data", "max_size",
			fmt.Sprintf("event is %d bytes (data and metadata), the limit is %d", size, l.MaxEventSize))
	}
	if len(e.Data) > 0 && IsJSONContentType(e.ContentType) && !json.Valid(e.Data) {
		return bad("data", "json", fmt.Sprintf("event %s (type %q) has content type %s but its data is not valid JSON",
			e.ID, truncate(e.Type), contentTypeName(e.ContentType)))
	}
	for k, v := range e.Metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) || containsNUL(k) || containsNUL(v) {
			return bad("metadata", "utf8", "metadata keys and values must be valid UTF-8 without NUL bytes")
		}
	}
	return nil
}

// IsJSONContentType reports whether ct says JSON: empty (the default),
// application/json, or a +json media type, with or without parameters.
func IsJSONContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "" || mt == ContentTypeJSON || strings.HasSuffix(mt, "+json")
}

func contentTypeName(ct string) string {
	if ct == "" {
		return ContentTypeJSON + " (the default)"
	}
	return truncate(ct)
}

// ValidateAppend checks a whole batch before any I/O: at least one request,
// each with a valid stream ID named once, at least one event, valid events,
// no event ID twice, and at most MaxBatchEvents events in all. The first
// problem is returned as an *InputError whose Field names it.
func (l Limits) ValidateAppend(reqs []AppendRequest) error {
	l = l.WithDefaults()
	if len(reqs) == 0 {
		return &InputError{Field: "requests", Rule: "required", Message: "the batch has no requests"}
	}
	// Field names and the duplicate sets are built only when needed: this
	// runs for every append (a batch of one request of one event, most
	// often), so it allocates nothing on success.
	var streams map[string]struct{}
	if len(reqs) > 1 {
		streams = make(map[string]struct{}, len(reqs))
	}
	var ids idSet
	total := 0
	for i := range reqs {
		r := &reqs[i]
		field := func() string { return "requests[" + strconv.Itoa(i) + "]" }
		if err := l.validateStreamID(field, r.Stream); err != nil {
			return err
		}
		if streams != nil {
			if _, dup := streams[r.Stream]; dup {
				return &InputError{Field: field() + ".stream", Rule: "duplicate", Stream: r.Stream,
					Message: "a stream may appear only once in a batch"}
			}
			streams[r.Stream] = struct{}{}
		}
		if len(r.Events) == 0 {
			return &InputError{Field: field() + ".events", Rule: "required", Stream: r.Stream,
				Message: "the append has no events"}
		}
		total += len(r.Events)
		if total > l.MaxBatchEvents {
			return &InputError{Field: "requests", Rule: "max_events",
				Message: fmt.Sprintf("the batch has more than %d events", l.MaxBatchEvents)}
		}
		for j := range r.Events {
			ef := func() string { return field() + ".events[" + strconv.Itoa(j) + "]" }
			if err := l.validateEvent(ef, r.Stream, &r.Events[j]); err != nil {
				return err
			}
			if !ids.add(r.Events[j].ID) {
				return &InputError{Field: ef() + ".id", Rule: "duplicate", Stream: r.Stream,
					Message: fmt.Sprintf("event ID %s appears twice in the batch", r.Events[j].ID)}
			}
		}
	}
	return nil
}

// idSet finds a repeated event ID in a batch: a slice for the few IDs of a
// typical append, a map once there are many.
type idSet struct {
	few  [8]uuid.UUID
	n    int
	many map[uuid.UUID]struct{}
}

// add reports false when id is in the set already.
func (s *idSet) add(id uuid.UUID) bool {
	if s.many == nil {
		for _, x := range s.few[:s.n] {
			if x == id {
				return false
			}
		}
		if s.n < len(s.few) {
			s.few[s.n] = id
			s.n++
			return true
		}
		s.many = make(map[uuid.UUID]struct{}, 2*len(s.few))
		for _, x := range s.few {
			s.many[x] = struct{}{}
		}
	}
	if _, dup := s.many[id]; dup {
		return false
	}
	s.many[id] = struct{}{}
	return true
}

// ValidateLimit checks the limit of a read: it must be positive.
func ValidateLimit(limit int) error {
	if limit <= 0 {
		return &InputError{Field: "limit", Rule: "positive", Message: "read limit must be positive"}
	}
	return nil
}

func eventSize(e *EventData) int {
	n := len(e.Data)
	for k, v := range e.Metadata {
		n += len(k) + len(v)
	}
	return n
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

// truncate keeps an over-long stream ID readable in error text.
func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "..."
}
