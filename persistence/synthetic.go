package persistence

import (
	"fmt"
	"strconv"
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

// Validate reports a Synthetic that cannot be written.
func (g Synthetic) Validate() error {
	switch {
	case g.Events < 0:
		return fmt.Errorf("synthetic events: Events must not be negative, got %d", g.Events)
	case g.PerStream <= 0:
		return fmt.Errorf("synthetic events: PerStream must be positive, got %d", g.PerStream)
	case g.Prefix == "" || g.Type == "":
		return fmt.Errorf("synthetic events: Prefix and Type are required")
	case g.Data == nil:
		return fmt.Errorf("synthetic events: Data is required")
	}
	return nil
}

// Stream is the ID of the i-th synthetic stream (from 0).
func (g Synthetic) Stream(i int) string { return g.Prefix + strconv.Itoa(i) }

// SyntheticChunk is the default of Synthetic.Chunk.
const SyntheticChunk = 500_000
