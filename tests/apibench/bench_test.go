// Package apibench compares the front doors of a node for appends: the
// gRPC/Connect API (gRPC calls from connect-go's client, as docs/api.md
// shows, and from grpc-go's), the protoactor peer protocol (package
// client) and the embedded Go API, at 1 and 256 callers, each caller on
// its own stream. The node is a real `actorstore serve` process on the embedded
// store; the callers run in the benchmark process (so gRPC and peer
// calls cross a process boundary on loopback, and the embedded appends do
// not). Run it with
//
//	go test -run '^$' -bench FrontDoors -benchtime 5s ./tests/apibench
//
// (figures in docs/benchmarks.md, taken through quiet-bench).
package apibench_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/servetest"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
)

// serveFlagsEnv names extra flags for the node (space-separated), e.g.
// "--admin-token-file /tmp/tokens" to profile it through the admin
// endpoint's /debug/pprof/ while the benchmark runs.
const serveFlagsEnv = "APIBENCH_SERVE_FLAGS"

const payload = `{"order":"o-123456","sku":"sku-42","quantity":3,"price_cents":1999,"note":"bench"}`

func BenchmarkFrontDoors(b *testing.B) {
	n := servetest.Start(b, servetest.Build(b), strings.Fields(os.Getenv(serveFlagsEnv))...)
	peer, err := client.Dial(context.Background(), client.Config{NodeAddress: n.Listen})
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	tr := &http.Transport{Protocols: new(http.Protocols), MaxConnsPerHost: 0}
	tr.Protocols.SetUnencryptedHTTP2(true)
	api := messagesconnect.NewEventStoreServiceClient(&http.Client{Transport: tr}, "http://"+n.API, connect.WithGRPC())
	// grpc-go's client, as a production gRPC program in Go would call the
	// API: one connection to the node, no generated grpc-go stubs (Invoke
	// with the method's path).
	gconn, err := grpc.NewClient(n.API, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer gconn.Close()
	st, err := actorstore.Open(context.Background(), actorstore.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close(context.Background())

	for _, callers := range []int{1, 256} {
		b.Run(fmt.Sprintf("grpc/callers=%d", callers), func(b *testing.B) {
			run := uuid.NewString()[:8]
			runCallers(b, n.Pid, callers, func(i int) error {
				id := uuid.New()
				_, err := api.Append(context.Background(), connect.NewRequest(&messages.AppendRequest{
					Stream:   fmt.Sprintf("grpc-%s-%d", run, i),
					Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}},
					Events: []*messages.EventData{{EventId: id[:], Type: "BenchEvent",
						Data: []byte(payload)}}}))
				return err
			})
		})
		b.Run(fmt.Sprintf("grpc-go/callers=%d", callers), func(b *testing.B) {
			run := uuid.NewString()[:8]
			runCallers(b, n.Pid, callers, func(i int) error {
				id := uuid.New()
				return gconn.Invoke(context.Background(), messagesconnect.EventStoreServiceAppendProcedure,
					&messages.AppendRequest{
						Stream:   fmt.Sprintf("grpcgo-%s-%d", run, i),
						Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}},
						Events: []*messages.EventData{{EventId: id[:], Type: "BenchEvent",
							Data: []byte(payload)}}}, new(messages.AppendResult))
			})
		})
		b.Run(fmt.Sprintf("peer/callers=%d", callers), func(b *testing.B) {
			run := uuid.NewString()[:8]
			runCallers(b, n.Pid, callers, func(i int) error {
				_, err := peer.Append(context.Background(), fmt.Sprintf("peer-%s-%d", run, i), eventstore.Any(), event())
				return err
			})
		})
		b.Run(fmt.Sprintf("embedded/callers=%d", callers), func(b *testing.B) {
			run := uuid.NewString()[:8]
			runCallers(b, 0, callers, func(i int) error {
				_, err := st.Append(context.Background(), fmt.Sprintf("emb-%s-%d", run, i), eventstore.Any(), event())
				return err
			})
		})
	}
}

func event() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "BenchEvent", Data: []byte(payload)}
}

// runCallers runs b.N calls from callers goroutines and reports
// throughput, latency percentiles, and the CPU time per call of the
// benchmark process (the callers: client-cpu-µs/op) and of the node
// process nodePid (node-cpu-µs/op; 0: no node). CPU per call depends far
// less on the machine's load than throughput does: on the shared two
// cores it says what each door costs.
func runCallers(b *testing.B, nodePid, callers int, call func(caller int) error) {
	lat := make([][]time.Duration, callers)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	client0, node0 := processCPU(b, os.Getpid()), nodeCPU(b, nodePid)
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
	client1, node1 := processCPU(b, os.Getpid()), nodeCPU(b, nodePid)
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64((client1-client0).Microseconds())/float64(len(all)), "client-cpu-µs/op")
	if nodePid != 0 {
		b.ReportMetric(float64((node1-node0).Microseconds())/float64(len(all)), "node-cpu-µs/op")
	}
}

// nodeCPU is processCPU of the node's process, 0 for none (pid 0).
func nodeCPU(b *testing.B, pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	return processCPU(b, pid)
}

// processCPU is the user+system CPU time that process pid has used so
// far (Linux /proc, 10 ms ticks).
func processCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) in parentheses:
	// state is field 3, utime 14, stime 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %v %v", pid, err1, err2)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100
