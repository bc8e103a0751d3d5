package projections

import "time"

// Observer receives what a projection's partitions do, for telemetry. Its
// methods are called from the partitions' goroutines concurrently and
// must not block.
type Observer interface {
	// Batch: a batch of n events committed in d.
	Batch(name string, version, part, n int, d time.Duration)
	// Failed: a batch attempt failed (handler or database).
	Failed(name string, version, part int)
	// Parked: an event was parked (skipped or stopping its partition).
	Parked(name string, version, part int)
	// Lag: the partition's distance from the head of the log, in positions
	// and in seconds (age of the newest handled event's successor).
	Lag(name string, version, part int, positions uint64, seconds float64)
}

type nopObserver struct{}

func (nopObserver) Batch(string, int, int, int, time.Duration) {}
func (nopObserver) Failed(string, int, int)                    {}
func (nopObserver) Parked(string, int, int)                    {}
func (nopObserver) Lag(string, int, int, uint64, float64)      {}
