package client_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// The remote benchmarks run the client in this process and the node in a
// child process (see TestMain), on loopback:
//
//	go test -run '^$' -bench Remote -benchtime 5s ./client/
//
// Echo is protoactor's raw remote request/reply to an echo actor in the
// node process (an AppendRequest-sized message there and back); Status
// goes through the API actor and is answered in its mailbox; Append goes
// through the API actor, a goroutine, the stream actor and the
// group-commit writer to the embedded SQLite store; EmbeddedAppend is the
// same append on an embedded store in the benchmark's own process.
func BenchmarkRemote(b *testing.B) {
	for _, callers := range []int{1, 32} {
		b.Run(fmt.Sprintf("Echo/callers=%d", callers), func(b *testing.B) { benchEcho(b, callers) })
		b.Run(fmt.Sprintf("Status/callers=%d", callers), func(b *testing.B) {
			runCallers(b, callers, func(int) error { _, err := cl.Status(context.Background()); return err })
		})
		b.Run(fmt.Sprintf("Append/callers=%d", callers), func(b *testing.B) { benchAppend(b, callers) })
		b.Run(fmt.Sprintf("EmbeddedAppend/callers=%d", callers), func(b *testing.B) { benchEmbedded(b, callers) })
	}
}

// benchEmbedded appends through an embedded store in this process, on the
// same disk: what the store costs without the remote hop.
func benchEmbedded(b *testing.B, callers int) {
	st, err := actorstore.Open(context.Background(), actorstore.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close(context.Background())
	runCallers(b, callers, func(i int) error {
		_, err := st.Append(context.Background(), fmt.Sprintf("bench-%d", i), eventstore.Any(), benchEvent())
		return err
	})
}

func benchEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "BenchEvent",
		Data: []byte(`{"order":"o-123456","sku":"sku-42","quantity":3,"price_cents":1999,"note":"bench"}`)}
}

func benchAppend(b *testing.B, callers int) {
	run := uuid.NewString()[:8]
	runCallers(b, callers, func(i int) error {
		_, err := cl.Append(context.Background(), fmt.Sprintf("bench-%s-%d", run, i), eventstore.Any(), benchEvent())
		return err
	})
}

func benchEcho(b *testing.B, callers int) {
	sys := client.SystemOf(cl)
	pid := actors.NewPID(cl.NodeAddress(), "echo")
	e := benchEvent()
	msg := &messages.AppendRequest{Stream: "bench-echo", Expected: wire.ExpectedVersionToProto(eventstore.Any()),
		Events:  []*messages.EventData{wire.EventDataToProto(&e)},
		Options: &messages.RequestOptions{TraceId: uuid.NewString(), TimeoutMs: 10_000}}
	runCallers(b, callers, func(int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := actors.Request(ctx, sys, pid, msg)
		return err
	})
}

// runCallers runs b.N calls from callers goroutines and reports
// throughput and latency percentiles.
func runCallers(b *testing.B, callers int, call func(caller int) error) {
	lat := make([][]time.Duration, callers)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := call(i); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
