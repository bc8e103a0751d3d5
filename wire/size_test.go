package wire_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// TestAppendSizeBoundCoversSize: the size the coalescer counts for an
// append (a bound summed from its field lengths) is never below its
// encoded size, for requests with empty and missing fields, lengths at
// the varint boundaries (127/128, 16383/16384 bytes), metadata, the
// largest uint64 expected version and several events: a batch counted
// with it never exceeds the message limit, and a node never lets an
// oversize append through unmeasured. Unknown fields count too.
func TestAppendSizeBoundCoversSize(t *testing.T) {
	var reqs []*messages.AppendRequest
	reqs = append(reqs, &messages.AppendRequest{}, &messages.AppendRequest{Stream: "s"})
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 70000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = 0xff
		}
		id := uuid.New()
		e := &messages.EventData{EventId: id[:], Type: strings.Repeat("t", n%300), SchemaVersion: math.MaxUint32,
			ContentType: "application/json", Data: data,
			Metadata: map[string]string{"k": strings.Repeat("v", n%200), strings.Repeat("k", 130): ""}}
		reqs = append(reqs, &messages.AppendRequest{Stream: strings.Repeat("s", n%1000),
			Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Exact{Exact: math.MaxUint64}},
			Events:   []*messages.EventData{e, e, {}},
			Options:  &messages.RequestOptions{TraceId: uuid.NewString(), TimeoutMs: math.MaxUint32}})
	}
	// A peer's message with unknown fields at every level: kept, and
	// encoded again.
	unknown := protowire.AppendTag(nil, 99, protowire.BytesType)
	unknown = protowire.AppendBytes(unknown, make([]byte, 5000))
	padded := &messages.AppendRequest{Stream: "s", Options: &messages.RequestOptions{TraceId: "t"},
		Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}},
		Events:   []*messages.EventData{{Type: "t"}}}
	for _, m := range []proto.Message{padded, padded.Options, padded.Expected, padded.Events[0]} {
		m.ProtoReflect().SetUnknown(unknown)
	}
	reqs = append(reqs, padded)
	for i, r := range reqs {
		if bound, size := wire.AppendSizeBound(r), proto.Size(r); bound < size {
			t.Errorf("request %d: bound %d < encoded size %d", i, bound, size)
		}
	}
}
