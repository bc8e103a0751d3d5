package eventstore

import "strconv"

type expectedKind uint8

const (
	expectAny expectedKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

// ExpectedVersion is what a writer believes about a stream's version when it
// appends (optimistic concurrency). The zero value is Any.
type ExpectedVersion struct {
	kind    expectedKind
	version Version
}

// Any accepts the stream at any version, existing or not.
func Any() ExpectedVersion { return ExpectedVersion{kind: expectAny} }

// NoStream requires that the stream has no events.
func NoStream() ExpectedVersion { return ExpectedVersion{kind: expectNoStream} }

// StreamExists requires that the stream has at least one event.
func StreamExists() ExpectedVersion { return ExpectedVersion{kind: expectStreamExists} }

// Exact requires the stream to be at version v. Exact(0) is the same as NoStream.
func Exact(v Version) ExpectedVersion {
	if v == 0 {
		return NoStream()
	}
	return ExpectedVersion{kind: expectExact, version: v}
}

// IsAny reports whether e accepts every version.
func (e ExpectedVersion) IsAny() bool { return e.kind == expectAny }

// IsNoStream reports whether e requires an empty stream.
func (e ExpectedVersion) IsNoStream() bool { return e.kind == expectNoStream }

// IsStreamExists reports whether e requires a non-empty stream.
func (e ExpectedVersion) IsStreamExists() bool { return e.kind == expectStreamExists }

// ExactVersion returns the version e requires and true, or 0 and false when
// e is not an exact expectation.
func (e ExpectedVersion) ExactVersion() (Version, bool) {
	return e.version, e.kind == expectExact
}

// Satisfied reports whether a stream at version actual (0: no events)
// meets the expectation. It is a pure function: stream actors call it in
// memory, stores call it under the stream's lock.
func (e ExpectedVersion) Satisfied(actual Version) bool {
	switch e.kind {
	case expectNoStream:
		return actual == 0
	case expectStreamExists:
		return actual > 0
	case expectExact:
		return actual == e.version
	default:
		return true
	}
}

// Check returns nil when the expectation holds for a stream at version
// actual, and a *ConcurrencyError naming stream, e and actual when it does not.
func (e ExpectedVersion) Check(stream string, actual Version) error {
	if e.Satisfied(actual) {
		return nil
	}
	return &ConcurrencyError{Stream: stream, Expected: e, Actual: actual}
}

// String renders e as "any", "no-stream", "stream-exists" or the version number.
func (e ExpectedVersion) String() string {
	switch e.kind {
	case expectNoStream:
		return "no-stream"
	case expectStreamExists:
		return "stream-exists"
	case expectExact:
		return strconv.FormatUint(e.version, 10)
	default:
		return "any"
	}
}

// ParseExpectedVersion parses the forms String produces.
func ParseExpectedVersion(s string) (ExpectedVersion, error) {
	switch s {
	case "", "any":
		return Any(), nil
	case "no-stream":
		return NoStream(), nil
	case "stream-exists":
		return StreamExists(), nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return ExpectedVersion{}, &InputError{Field: "expected_version", Rule: "format",
			Message: "want any, no-stream, stream-exists or a version number, got " + strconv.Quote(s)}
	}
	return Exact(v), nil
}
