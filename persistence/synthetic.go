package persistence

import (
	"fmt"
	"strconv"

	"github.com/actorstore/actorstore/eventstore"
)

// Synthetic describes events a backend's Generate function writes straight
// into its tables, for benchmarks that need a large store quickly
// (`actorstore bench --scenario growth`, docs/benchmarks.md). They are
// ordinary events: streams Prefix+"0", Prefix+"1", ... of PerStream events
// each (the last one may be shorter), versions from 1, positions after the
// newest one, random event IDs, type Type, content type application/json,
// no metadata. Prefix must name streams that have no events yet.
type Synthetic struct {
	Events    int
	PerStream int
	Prefix    string
	Type      string
	Data      []byte
	// Chunk is how many events one transaction writes (default
	// SyntheticChunk); a stream may continue in the next chunk.
	Chunk int
}

// ChunkSize is g.Chunk or its default.
func (g Synthetic) ChunkSize() int64 {
	if g.Chunk <= 0 {
		return SyntheticChunk
	}
	return int64(g.Chunk)
}

// Validate reports a Synthetic that cannot be written as an
// *eventstore.InputError naming the field; Generate then writes nothing.
func (g Synthetic) Validate() error {
	bad := func(field, rule, format string, args ...any) error {
		return &eventstore.InputError{Field: field, Rule: rule, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case g.Events < 0:
		return bad("Events", "min", "must not be negative, got %d", g.Events)
	case g.PerStream <= 0:
		return bad("PerStream", "min", "must be positive, got %d", g.PerStream)
	case g.Prefix == "":
		return bad("Prefix", "required", "names the synthetic streams")
	case g.Type == "":
		return bad("Type", "required", "is the synthetic events' type")
	case g.Data == nil:
		return bad("Data", "required", "is the synthetic events' payload")
	}
	return nil
}

// Stream is the ID of the i-th synthetic stream (from 0).
func (g Synthetic) Stream(i int) string { return g.Prefix + strconv.Itoa(i) }

// SyntheticChunk is the default of Synthetic.Chunk.
const SyntheticChunk = 500_000
