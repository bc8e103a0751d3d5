package wire

import (
	"errors"

	"github.com/actorstore/actorstore/eventstore"
)

// The wire form of *eventstore.TimeoutError (see encodeTimeout).
func init() {
	RegisterError(ErrorCodec{Encode: encodeTimeout, Code: eventstore.CodeTimeout, Decode: decodeTimeout})
}

// encodeTimeout is the wire form of a *eventstore.TimeoutError on a stream or a
// transaction: code TIMEOUT with the operation, the stream (or the
// transaction's streams) and an append's expected version.
func encodeTimeout(err error, d *Detail) bool {
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) || (te.Stream == "" && len(te.Streams) == 0) {
		return false
	}
	d.Operation, d.Stream, d.Streams = te.Op, te.Stream, te.Streams
	if te.Op == "append" {
		d.Expected = &te.Expected
	}
	return true
}

// decodeTimeout rebuilds a *eventstore.TimeoutError from a TIMEOUT that names a
// stream or streams.
func decodeTimeout(d *Detail) error {
	if d.Stream == "" && len(d.Streams) == 0 {
		return nil
	}
	te := &eventstore.TimeoutError{Op: d.Operation, Stream: d.Stream, Streams: d.Streams}
	if d.Expected != nil {
		te.Expected = *d.Expected
	}
	return te
}
