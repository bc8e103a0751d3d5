package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/node"
	"github.com/actorstore/actorstore/wire"
)

// benchNodeEnv, when set, makes the test binary a node for
// BenchmarkClusterRemote: a store on PostgreSQL served by a node (a
// cluster member when the config names a cluster) with an echo actor next
// to its API actor. It prints "addr=<remote address>" and runs until stdin
// closes.
const benchNodeEnv = "ACTORSTORE_TESTS_BENCH_NODE"

type benchNodeConfig struct {
	URL     string   `json:"url"`
	Cluster string   `json:"cluster"`
	Seeds   []string `json:"seeds"`
	Listen  string   `json:"listen"`
}

// BenchmarkClusterRemote measures remote appends from a peer (this
// process) to a three-node cluster on PostgreSQL, next to protoactor's raw
// remote request/reply and to the same append on a single, unclustered
// node on the same database, in the same run:
//
//	go test -c -o /tmp/tests.bench ./tests/
//	cd tests && /tmp/tests.bench -test.run '^$' -test.bench ClusterRemote -test.benchtime 3s -test.count 5
//
// Echo is a raw request/reply to an echo actor on cluster node 0 (an
// AppendRequest there and back); Append/single sends AppendRequests to the
// single node's API actor; Append/cluster-of-one to a node that is the only
// member of its cluster (the routing machinery: lookup, the grain, no
// remote hop, one writer); Append/cluster to node 0 of the three-node
// cluster, which routes each to its stream's owner (two thirds of the
// streams live on the other nodes, each node's writer commits its own). One stream per caller, one ~180-byte event per
// append. Run it without -race: the nodes run protoactor's cluster.
func BenchmarkClusterRemote(b *testing.B) {
	url := pgtest.Server(b).NewDatabase(b)
	ports := freePorts(b, 3)
	seeds := make([]string, 3)
	for i, p := range ports {
		seeds[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	var cluster []string
	for i := range 3 {
		cluster = append(cluster, startBenchNode(b, benchNodeConfig{URL: url, Cluster: "bench", Seeds: seeds, Listen: seeds[i]}))
	}
	single := startBenchNode(b, benchNodeConfig{URL: url})
	solo := freePorts(b, 1)[0]
	soloSeed := "127.0.0.1:" + strconv.Itoa(solo)
	one := startBenchNode(b, benchNodeConfig{URL: url, Cluster: "solo", Seeds: []string{soloSeed}, Listen: soloSeed})
	sys, err := actors.NewSystem(actors.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Shutdown()
	rm, err := actors.StartRemote(sys, actors.RemoteConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer rm.Shutdown()
	for _, addr := range cluster {
		waitBenchJoined(b, sys, addr, 3)
	}
	waitBenchJoined(b, sys, one, 1)
	for _, callers := range []int{1, 32} {
		b.Run(fmt.Sprintf("Echo/callers=%d", callers), func(b *testing.B) {
			msg := benchAppendRequest("bench-echo")
			pid := actors.NewPID(cluster[0], "echo")
			runBenchCallers(b, callers, func(int) error { _, err := benchRequest(sys, pid, msg); return err })
		})
		for _, target := range []struct{ name, addr string }{
			{"single", single}, {"cluster-of-one", one}, {"cluster", cluster[0]}} {
			b.Run(fmt.Sprintf("Append/%s/callers=%d", target.name, callers), func(b *testing.B) {
				run := uuid.NewString()[:8]
				pid := actors.NewPID(target.addr, node.APIActorName)
				runBenchCallers(b, callers, func(i int) error {
					return benchAppend(sys, pid, benchAppendRequest(fmt.Sprintf("bench-%s-%d", run, i)))
				})
			})
		}
	}
}

func benchAppendRequest(stream string) *messages.AppendRequest {
	e := eventstore.EventData{ID: uuid.New(), Type: "BenchEvent",
		Data: []byte(`{"order":"o-123456","sku":"sku-42","quantity":3,"price_cents":1999,"note":"bench"}`)}
	return &messages.AppendRequest{Stream: stream, Expected: wire.ExpectedVersionToProto(eventstore.Any()),
		Events:  []*messages.EventData{wire.EventDataToProto(&e)},
		Options: &messages.RequestOptions{TraceId: uuid.NewString(), TimeoutMs: 10_000}}
}

func benchRequest(sys *actors.System, pid *actors.PID, msg proto.Message) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return actors.Request(ctx, sys, pid, msg)
}

func benchAppend(sys *actors.System, pid *actors.PID, msg *messages.AppendRequest) error {
	reply, err := benchRequest(sys, pid, msg)
	if err != nil {
		return err
	}
	r, ok := reply.(*messages.AppendReply)
	if !ok {
		return fmt.Errorf("reply %T", reply)
	}
	if e := r.GetError(); e != nil {
		return fmt.Errorf("append: %s", e.GetMessage())
	}
	return nil
}

// runBenchCallers runs b.N calls from callers goroutines and reports
// throughput and latency percentiles.
func runBenchCallers(b *testing.B, callers int, call func(caller int) error) {
	lat := make([][]time.Duration, callers)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range callers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := call(i); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
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

// startBenchNode runs this binary as a bench node and returns its address.
func startBenchNode(b *testing.B, cfg benchNodeConfig) string {
	b.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchNodeEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "addr=") {
		_ = cmd.Process.Kill()
		b.Fatal("bench node did not start")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return strings.TrimPrefix(sc.Text(), "addr=")
}

func waitBenchJoined(b *testing.B, sys *actors.System, addr string, members int) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		reply, err := benchRequest(sys, actors.NewPID(addr, node.APIActorName), &messages.StatusRequest{})
		if r, ok := reply.(*messages.StatusReply); err == nil && ok && r.GetResult().GetCluster().GetJoined() &&
			len(r.GetResult().GetCluster().GetMembers()) == members {
			return
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
	b.Fatalf("node %s did not join the cluster within 30s", addr)
}

// benchEcho answers every protobuf message with itself.
type benchEcho struct{}

func (benchEcho) Receive(c actors.Context) {
	if _, ok := c.Message().(proto.Message); ok {
		c.Respond(c.Message())
	}
}

// runBenchNode serves a node as raw (a benchNodeConfig) says until stdin
// closes; it returns the exit status.
func runBenchNode(raw string) int {
	var cfg benchNodeConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench node config:", err)
		return 2
	}
	ctx := context.Background()
	st, eng, err := actorstore.OpenEngine(ctx, actorstore.Config{PostgresURL: cfg.URL, SharedWriters: cfg.Cluster != ""})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench node:", err)
		return 1
	}
	defer st.Close(ctx)
	ncfg := node.Config{Address: "127.0.0.1:0", StoreKind: "postgres", Engine: eng}
	if cfg.Cluster != "" {
		ncfg.Cluster = &node.ClusterConfig{Name: cfg.Cluster, Seeds: cfg.Seeds, Listen: cfg.Listen}
	}
	n, err := node.Start(st, ncfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench node:", err)
		return 1
	}
	defer n.Close(ctx)
	if _, err := n.System().SpawnNamed(actors.PropsOf(func() actors.Actor { return benchEcho{} }), "echo"); err != nil {
		fmt.Fprintln(os.Stderr, "bench node:", err)
		return 1
	}
	fmt.Printf("addr=%s\n", n.Address())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent exits
	return 0
}
