package eventstore

import (
	"bytes"
	"testing"
)

// TestNewEventIDIsTimeOrdered: NewEventID makes version 7 UUIDs, and each
// sorts after the one made before it (the property that keeps a store's
// event-ID index appending at its end).
func TestNewEventIDIsTimeOrdered(t *testing.T) {
	prev := NewEventID()
	for range 10000 {
		id := NewEventID()
		if id.Version() != 7 {
			t.Fatalf("version %d, want 7", id.Version())
		}
		if bytes.Compare(id[:], prev[:]) <= 0 {
			t.Fatalf("%s made after %s sorts before it", id, prev)
		}
		prev = id
	}
}
