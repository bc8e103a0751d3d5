package eventstore

import (
	"math"
	"time"
)

// StreamMetadata is a stream's retention document (docs/lifecycle.md):
// which of its events readers and subscribers still see. The zero value
// keeps every event. Events outside the retention are hidden from the
// moment the metadata is set, and a scavenge removes them from disk.
type StreamMetadata struct {
	// TruncateBefore hides every event at a lower version (0 or 1: none).
	TruncateBefore Version
	// MaxAge hides events committed longer ago than this (0: no limit).
	// Whole milliseconds.
	MaxAge time.Duration
	// MaxCount keeps only the newest MaxCount events visible (0: no limit).
	MaxCount uint64
}

// IsZero reports whether m keeps every event.
func (m StreamMetadata) IsZero() bool { return m == StreamMetadata{} }

// MetadataRequest sets a stream's metadata if Expected holds for the
// metadata's own version (0: never set; each set adds one), like an
// append's expectation. A mismatch is a *ConcurrencyError whose Stream is
// MetadataStream(Stream).
type MetadataRequest struct {
	Stream   string
	Expected ExpectedVersion
	Metadata StreamMetadata
}

// MetadataResult is a stream's metadata and its version (0 when it was
// never set).
type MetadataResult struct {
	Stream   string
	Metadata StreamMetadata
	Version  Version
}

// MetadataStream names the metadata document of stream in concurrency
// errors: "$$" + stream.
func MetadataStream(stream string) string { return "$$" + stream }

// ValidateMetadata checks a MetadataRequest before any I/O.
func (l Limits) ValidateMetadata(r MetadataRequest) error {
	if err := l.WithDefaults().ValidateStreamID("stream", r.Stream); err != nil {
		return err
	}
	m := r.Metadata
	switch {
	case m.MaxAge < 0 || m.MaxAge%time.Millisecond != 0:
		return &InputError{Field: "metadata.max_age", Rule: "positive", Stream: r.Stream,
			Message: "max age must be 0 or a positive whole number of milliseconds"}
	case m.TruncateBefore > math.MaxInt64 || m.MaxCount > math.MaxInt64:
		return &InputError{Field: "metadata", Rule: "max", Stream: r.Stream,
			Message: "truncate-before and max-count must fit in 63 bits"}
	}
	return nil
}

// Visible reports whether an event at version, committed at created, of a
// stream at version head, is inside m's retention at time now.
func (m StreamMetadata) Visible(version, head Version, created, now time.Time) bool {
	switch {
	case version < m.TruncateBefore:
		return false
	case m.MaxCount > 0 && head >= m.MaxCount && version <= head-m.MaxCount:
		return false
	case m.MaxAge > 0 && created.Before(now.Add(-m.MaxAge)):
		return false
	}
	return true
}

// Low is the lowest version m keeps of a stream at version head (the
// max-age limit aside).
func (m StreamMetadata) Low(head Version) Version {
	low := max(m.TruncateBefore, 1)
	if m.MaxCount > 0 && head >= m.MaxCount {
		low = max(low, head-m.MaxCount+1)
	}
	return low
}

// Crypto-shredding (docs/lifecycle.md): an event appended with the
// metadata key MetaSubject is stored encrypted with its subject's data
// key; once the subject is forgotten it reads as a shredded marker.
const (
	// MetaSubject is the metadata key that names an event's subject (a
	// customer ID, ...) when the store encrypts events.
	MetaSubject = "actorstore.subject"
	// MetaContentType keeps the original content type of an encrypted or
	// shredded event.
	MetaContentType = "actorstore.content-type"
	// ContentTypeEncrypted is the content type of an event's data as it
	// is stored encrypted (readers never see it from an encrypting store).
	ContentTypeEncrypted = "application/vnd.actorstore.encrypted"
	// ContentTypeShredded marks an event whose subject was forgotten: its
	// data is empty and cannot be recovered; its type, IDs, versions,
	// positions and metadata stay.
	ContentTypeShredded = "application/vnd.actorstore.shredded"
)

// IsShredded reports whether e is the marker of an event whose subject was
// forgotten (crypto-shredding): its data is gone for good.
func IsShredded(e RecordedEvent) bool { return e.ContentType == ContentTypeShredded }
