package streams

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
)

// BenchmarkMemoryPerStreamCache reports the heap per live stream actor
// with the read cache at its default budget (64 KiB) and off, and per
// passivated stream (issue 13: at most 2 KiB of bookkeeping per
// passivated stream). Each of 20,000 streams (5,000 with -short) gets one
// append of 10 events of about 200 bytes, so a live actor holds its head,
// its idempotency window and, with the cache on, those 10 events. Heap
// figures come from runtime.MemStats after two GCs (heapAlloc); see
// BenchmarkMemoryPerStream for what a passivated stream leaves behind.
//
//	go test -run '^$' -bench MemoryPerStreamCache -benchtime 1x ./streams
func BenchmarkMemoryPerStreamCache(b *testing.B) {
	for _, c := range []struct {
		name  string
		bytes int
	}{{"cache-64KiB", DefaultCacheBytes}, {"cache-off", -1}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				memoryPerStream(b, c.bytes)
			}
		})
	}
}

func memoryPerStream(b *testing.B, cacheBytes int) {
	streams := 20_000
	if testing.Short() {
		streams = 5_000
	}
	data := []byte(`{"p":"` + strings.Repeat("x", 190) + `"}`)
	n := newNode(b, newStore(b), func(c *Config) {
		c.MaxLiveStreams, c.IdleTimeout, c.CacheBytes = 2*streams, time.Hour, cacheBytes
	})
	measureStreamMemory(b, n, streams, 64, func(i int64) error {
		evs := make([]eventstore.EventData, 10)
		for j := range evs {
			evs[j] = eventstore.EventData{ID: uuid.New(), Type: "MemoryBench", Data: data}
		}
		_, err := n.Append(ctxBackground(), fmt.Sprintf("mem-%d", i), eventstore.NoStream(), evs)
		return err
	})
	b.ReportMetric(0, "ns/op")
}
