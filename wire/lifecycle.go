package wire

import (
	"errors"
	"math"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// The wire form of the data lifecycle (docs/lifecycle.md): the typed error
// of a hard-deleted stream and the delete request and result.

func init() {
	RegisterError(ErrorCodec{
		Encode: func(err error, d *Detail) bool {
			var de *eventstore.StreamDeletedError
			if !errors.As(err, &de) {
				return false
			}
			d.Stream = de.Stream
			return true
		},
		Code:   eventstore.CodeStreamDeleted,
		Decode: func(d *Detail) error { return &eventstore.StreamDeletedError{Stream: d.Stream} },
	})
}

// DeleteRequestFromProto checks and converts a peer's delete request
// (the expected version is required, as for an append).
func DeleteRequestFromProto(m *messages.DeleteStreamRequest) (eventstore.DeleteRequest, error) {
	if m.GetStream() == "" {
		return eventstore.DeleteRequest{}, &eventstore.InputError{Field: "stream", Rule: "required",
			Message: "stream ID is missing"}
	}
	exp, err := ExpectedVersionFromProto("expected", m.GetExpected())
	if err != nil {
		return eventstore.DeleteRequest{}, err
	}
	return eventstore.DeleteRequest{Stream: m.GetStream(), Expected: exp, Hard: m.GetHard()}, nil
}

// DeleteRequestToProto is the wire form of r.
func DeleteRequestToProto(r eventstore.DeleteRequest, opts *messages.RequestOptions) *messages.DeleteStreamRequest {
	return &messages.DeleteStreamRequest{Options: opts, Stream: r.Stream,
		Expected: ExpectedVersionToProto(r.Expected), Hard: r.Hard}
}

// DeleteResultToProto is the wire form of r.
func DeleteResultToProto(r eventstore.DeleteResult) *messages.DeleteStreamResult {
	return &messages.DeleteStreamResult{Stream: valid(r.Stream), Version: r.Version, Hard: r.Hard}
}

// DeleteResultFromProto converts a delete result back.
func DeleteResultFromProto(m *messages.DeleteStreamResult) eventstore.DeleteResult {
	return eventstore.DeleteResult{Stream: m.GetStream(), Version: m.GetVersion(), Hard: m.GetHard()}
}

// MetadataToProto is the wire form of m.
func MetadataToProto(m eventstore.StreamMetadata) *messages.StreamMetadata {
	return &messages.StreamMetadata{TruncateBefore: m.TruncateBefore, MaxAgeMs: uint64(m.MaxAge.Milliseconds()),
		MaxCount: m.MaxCount}
}

// MetadataFromProto converts stream metadata back (nil is no retention).
func MetadataFromProto(m *messages.StreamMetadata) eventstore.StreamMetadata {
	return eventstore.StreamMetadata{TruncateBefore: m.GetTruncateBefore(),
		MaxAge:   time.Duration(min(m.GetMaxAgeMs(), math.MaxInt64/uint64(time.Millisecond))) * time.Millisecond,
		MaxCount: m.GetMaxCount()}
}

// MetadataRequestFromProto checks and converts a peer's metadata write.
func MetadataRequestFromProto(m *messages.SetStreamMetadataRequest) (eventstore.MetadataRequest, error) {
	if m.GetStream() == "" {
		return eventstore.MetadataRequest{}, &eventstore.InputError{Field: "stream", Rule: "required",
			Message: "stream ID is missing"}
	}
	exp, err := ExpectedVersionFromProto("expected", m.GetExpected())
	if err != nil {
		return eventstore.MetadataRequest{}, err
	}
	return eventstore.MetadataRequest{Stream: m.GetStream(), Expected: exp, Metadata: MetadataFromProto(m.GetMetadata())}, nil
}

// MetadataResultToProto is the wire form of r.
func MetadataResultToProto(r eventstore.MetadataResult) *messages.StreamMetadataResult {
	return &messages.StreamMetadataResult{Stream: valid(r.Stream), Metadata: MetadataToProto(r.Metadata), Version: r.Version}
}

// MetadataResultFromProto converts a metadata result back.
func MetadataResultFromProto(m *messages.StreamMetadataResult) eventstore.MetadataResult {
	return eventstore.MetadataResult{Stream: m.GetStream(), Metadata: MetadataFromProto(m.GetMetadata()), Version: m.GetVersion()}
}
