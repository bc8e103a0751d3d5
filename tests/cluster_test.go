package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorstore/actorstore/internal/pgtest"
)

const clusterPrefix = "cl-"

// TestClusterFailoverLosesNothing starts three `actorstore serve` processes
// as one cluster (automanaged membership over a loopback seed list) on one
// PostgreSQL database. A peer process per node appends through its node:
// exact expected versions on streams of its own (placed on any of the three
// nodes by the stream's hash, so most appends are routed to another node)
// and Any on streams all peers share, and tails every event from the
// beginning. Under that load one node is killed with SIGKILL (and its
// peer with it). Then every append to the surviving nodes must succeed
// again (its streams moved), the database must hold every acknowledged
// append at its versions and positions with contiguous versions, and the
// tails on the surviving nodes must have seen every committed event, in
// order. Appends in flight to the killed node fail over when the topology
// drops it, not when a timeout ends them (finding 6 of issue 18). The time
// until every stream took appends again after the kill is logged
// (docs/benchmarks.md "Cluster failover").
//
// The nodes are built and run WITHOUT -race: protoactor's cluster package
// (gossip, member list, identity lookup) has data races of its own that
// the race detector reports in any multi-process cluster, whatever the
// code around it does. The peers and this process run no cluster code.
func TestClusterFailoverLosesNothing(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	t0 := time.Now()
	phase := func(what string) { t.Logf("%6.1fs %s", time.Since(t0).Seconds(), what) }
	bin := buildNode(t)
	phase("node binary built")
	db := openDirect(t, url)
	ports := freePorts(t, 3)
	seeds := make([]string, len(ports))
	for i, p := range ports {
		seeds[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	nodes := make([]*nodeProc, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			nodes[i] = startNode(t, bin, url, "--cluster-name", "test", "--cluster-seeds", strings.Join(seeds, ","),
				"--cluster-listen", seeds[i], "--cluster-refresh", "500ms", "--cluster-grain-idle", "1s",
				"--cluster-attempt-timeout", "10m")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, n := range nodes {
		waitJoined(t, bin, n.addr, 3)
	}
	phase("three nodes joined")
	place := checkPlacement(t, bin, nodes)
	phase("placement checked")
	anyStreams := []string{clusterPrefix + "any-0", clusterPrefix + "any-1", clusterPrefix + "any-2"}
	drivers := make([]*clusterDriver, 3)
	for i, n := range nodes {
		exact := map[string]uint64{}
		for k := range 6 {
			exact[fmt.Sprintf("%sexact-%d-%d", clusterPrefix, i, k)] = 0
		}
		drivers[i] = startClusterDriver(t, clusterDriverConfig{Node: n.addr, Seed: uint64(i + 1), Exact: exact,
			AnyStreams: anyStreams, AnyWriters: 2, Prefix: clusterPrefix,
			Timeout: 30 * time.Second, RetryFor: 60 * time.Second})
	}
	// Under load: every driver has appends acknowledged.
	for _, d := range drivers {
		waitFor(t, 30*time.Second, "appends through every node", func() bool { return d.acked() >= 30 })
	}
	phase("under load; killing node 2")
	killed := time.Now()
	_ = nodes[2].cmd.Process.Signal(syscall.SIGKILL)
	drivers[2].kill()
	nodes[2].wait()
	// Every surviving writer succeeds again after the kill.
	for _, d := range drivers[:2] {
		waitFor(t, 40*time.Second, "every writer of the surviving nodes to append again after the kill", func() bool {
			return d.allProgressedAfter(killed) || d.failed() != ""
		})
		if f := d.failed(); f != "" {
			t.Fatalf("an append through a surviving node failed for good: %s\nnode 0 logs:\n%s", f, nodes[0].lastLogs())
		}
	}
	phase("every surviving writer appended again")
	// Appends routed to node 2 were in flight when it died. Their routed
	// attempts are bounded by --cluster-attempt-timeout 10m and their
	// callers' by 30 s: they must fail over to the streams' new owners as
	// soon as the topology drops node 2 (about one 500ms refresh), not wait
	// until a timeout ends them (issue 18, finding 6: actors.Cluster cancels
	// an attempt to a departed member). Without that, every stream that
	// lived on node 2 is held up for the callers' whole 30 s, so half of it
	// separates the two outcomes by far more than this machine's noise.
	for i, d := range drivers[:2] {
		if took, _ := d.recovery(killed); took > 15*time.Second {
			t.Errorf("through node %d, appends in flight to node 2 waited %v for a timeout instead of failing over when "+
				"node 2 left the cluster", i, took.Round(time.Millisecond))
		}
	}
	for _, d := range drivers[:2] {
		d.stopWriters(t)
	}
	// Idle grains stop: none is left on the surviving nodes. Appends to the
	// placement streams through node 1 activate theirs again.
	for _, n := range nodes[:2] {
		waitFor(t, 20*time.Second, "the idle stream grains on "+n.addr+" to stop", func() bool {
			st, ok := nodeStatus(bin, n.addr)
			return ok && st.Cluster.Grains == "" // protojson omits 0
		})
	}
	again := startClusterDriver(t, clusterDriverConfig{Node: nodes[1].addr, Seed: 98, Exact: place, Ops: 1,
		Timeout: 5 * time.Second, RetryFor: 10 * time.Second})
	<-again.exit
	if f := again.failed(); f != "" || again.acked() != len(place) {
		t.Fatalf("appends to idle streams through node 1: %d of %d acknowledged (%s)\n%s",
			again.acked(), len(place), f, again.stderrText())
	}
	var all []outcome
	for _, d := range append(drivers, again) {
		all = append(all, d.outcomes()...)
	}
	phase("idle grains stopped and reactivated")
	tl := checkStore(t, db, clusterPrefix, all)
	for i, d := range drivers[:2] {
		waitFor(t, 30*time.Second, fmt.Sprintf("the tail on node %d to see all %d events", i, tl.events),
			func() bool { return d.seen() >= tl.events || d.tailError() != "" })
		if e := d.tailError(); e != "" {
			t.Fatalf("tail on node %d ended: %s", i, e)
		}
		d.checkTail(t, i, tl.positions)
		d.close()
	}
	failover, slow := drivers[0].recovery(killed)
	if f, s := drivers[1].recovery(killed); f > failover {
		failover, slow = f, s+slow
	} else {
		slow += s
	}
	t.Logf("cluster: 3 nodes, one killed under load; %d appends checked (%d acknowledged, %d failed and absent, "+
		"%d unknown and complete); %d events in %d streams; every writer appended again within %v of the kill "+
		"(%d writer(s) were held up over 1s); tails on both surviving nodes saw all events in order",
		len(all), tl.acked, tl.failedAbsent, tl.unknownCommitted, tl.events, tl.streams, failover.Round(time.Millisecond), slow)
}

// checkPlacement appends once to each of 24 streams through node 0 only,
// and checks that every node then hosts some of their stream actors:
// appends are routed to the owner the stream's hash picks.
func checkPlacement(t *testing.T, bin string, nodes []*nodeProc) map[string]uint64 {
	t.Helper()
	place := map[string]uint64{}
	for k := range 24 {
		place[fmt.Sprintf("%splace-%d", clusterPrefix, k)] = 0
	}
	d := startClusterDriver(t, clusterDriverConfig{Node: nodes[0].addr, Seed: 99, Exact: place, Ops: 1,
		Timeout: 5 * time.Second, RetryFor: 10 * time.Second})
	<-d.exit
	if f := d.failed(); f != "" || d.acked() != len(place) {
		t.Fatalf("placement appends through node 0: %d of %d acknowledged (%s)\n%s", d.acked(), len(place), f, d.stderrText())
	}
	var hosted []uint64
	for _, n := range nodes {
		st, ok := nodeStatus(bin, n.addr)
		if !ok {
			t.Fatalf("status of %s failed", n.addr)
		}
		a, _ := strconv.ParseUint(st.Stats.Activations, 10, 64) // absent: 0
		hosted = append(hosted, a)
	}
	for i, a := range hosted {
		if a == 0 {
			t.Errorf("node %d hosts none of the 24 streams appended through node 0 (activations per node: %v): "+
				"appends are not routed to their owners", i, hosted)
		}
	}
	t.Logf("24 streams appended through node 0 are hosted by the nodes as %v", hosted)
	for _, o := range d.outcomes() {
		place[o.Stream] = o.LastVer
	}
	return place
}

// freePorts finds n free loopback TCP ports for the membership endpoints
// (which must be known before the nodes start: they are the seed list).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return ports
}

// waitJoined polls `actorstore status --json` of the node at addr until it
// reports it has joined a cluster of members nodes.
func waitJoined(t *testing.T, bin, addr string, members int) {
	t.Helper()
	waitFor(t, 30*time.Second, "node "+addr+" to join the cluster", func() bool {
		st, ok := nodeStatus(bin, addr)
		return ok && st.Cluster.Joined && len(st.Cluster.Members) == members
	})
}

// statusJSON is what the tests read of `actorstore status --json`
// (protojson: uint64 fields are strings, zero fields are absent).
type statusJSON struct {
	Stats struct {
		Activations string `json:"activations"`
	} `json:"stats"`
	Cluster struct {
		Joined  bool     `json:"joined"`
		Members []string `json:"members"`
		Grains  string   `json:"grains"`
	} `json:"cluster"`
}

// nodeStatus runs `actorstore status --json` against the node at addr.
func nodeStatus(bin, addr string) (statusJSON, bool) {
	var st statusJSON
	out, err := exec.Command(bin, "status", "--json", "--node", addr, "--timeout", "2s").Output()
	return st, err == nil && json.Unmarshal(out, &st) == nil
}

// clusterDriver is a running cluster driver process and what it printed.
type clusterDriver struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	exit  chan struct{}

	mu          sync.Mutex
	lines       []driverLine
	events      []seenEvent
	tailErr     string
	writersDone bool
	stderr      strings.Builder
}

func startClusterDriver(t *testing.T, cfg clusterDriverConfig) *clusterDriver {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &clusterDriver{cmd: exec.Command(os.Args[0], "-test.run=^$"), exit: make(chan struct{})}
	d.cmd.Env = append(os.Environ(), clusterDriverEnv+"="+string(raw))
	d.cmd.Stderr = &lockedWriter{mu: &d.mu, b: &d.stderr}
	if d.stdin, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.kill() })
	ready := make(chan struct{})
	go d.read(t, out, ready)
	select {
	case <-ready:
	case <-d.exit:
		t.Fatalf("cluster driver exited before it was ready:\n%s", d.stderrText())
	case <-time.After(30 * time.Second):
		t.Fatal("cluster driver not ready within 30s")
	}
	return d
}

func (d *clusterDriver) read(t *testing.T, out io.Reader, ready chan struct{}) {
	defer close(d.exit)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		switch sc.Text() {
		case "ready":
			close(ready)
			continue
		case "writers done":
			d.mu.Lock()
			d.writersDone = true
			d.mu.Unlock()
			continue
		}
		var l driverLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("cluster driver printed %q: %v", sc.Text(), err)
			continue
		}
		d.mu.Lock()
		switch {
		case l.Event != nil:
			d.events = append(d.events, *l.Event)
		case l.Append != nil:
			d.lines = append(d.lines, l)
		case l.TailErr != "":
			d.tailErr = l.TailErr
		}
		d.mu.Unlock()
	}
	_ = d.cmd.Wait()
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (d *clusterDriver) stderrText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

func (d *clusterDriver) acked() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, l := range d.lines {
		if l.Append.OK {
			n++
		}
	}
	return n
}

// failed describes an append that failed for good, or is empty.
func (d *clusterDriver) failed() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.lines {
		if !l.Append.OK {
			return fmt.Sprintf("%s after %d attempts: %s", l.Append.Stream, l.Attempts, l.Append.Err)
		}
	}
	return ""
}

// allProgressedAfter reports whether every exact stream of the driver has
// an append that started after at.
func (d *clusterDriver) allProgressedAfter(at time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	streams, after := map[string]bool{}, map[string]bool{}
	for _, l := range d.lines {
		if l.Append.Exact < 0 {
			continue
		}
		streams[l.Append.Stream] = true
		if l.Append.OK && l.Start > at.UnixNano() {
			after[l.Append.Stream] = true
		}
	}
	return len(streams) > 0 && len(after) == len(streams)
}

// recovery is, over the driver's exact streams, the longest time from at
// until the stream's first append acknowledged after at, and how many
// streams took over a second.
func (d *clusterDriver) recovery(at time.Time) (time.Duration, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	first := map[string]int64{}
	for _, l := range d.lines {
		if l.Append.Exact < 0 || !l.Append.OK || l.Done <= at.UnixNano() {
			continue
		}
		if f, ok := first[l.Append.Stream]; !ok || l.Done < f {
			first[l.Append.Stream] = l.Done
		}
	}
	var worst time.Duration
	slow := 0
	for _, done := range first {
		r := time.Duration(done - at.UnixNano())
		worst = max(worst, r)
		if r > time.Second {
			slow++
		}
	}
	return worst, slow
}

func (d *clusterDriver) outcomes() []outcome {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]outcome, len(d.lines))
	for i, l := range d.lines {
		out[i] = *l.Append
	}
	return out
}

func (d *clusterDriver) seen() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.events)
}

func (d *clusterDriver) tailError() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tailErr
}

// checkTail checks that the tail delivered exactly the committed
// positions, in order, with contiguous versions per stream.
func (d *clusterDriver) checkTail(t *testing.T, node int, positions []uint64) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	got := make([]uint64, len(d.events))
	versions := map[string]uint64{}
	for i, e := range d.events {
		got[i] = e.Position
		if want := versions[e.Stream] + 1; e.Version != want {
			t.Errorf("tail on node %d: %s@%d delivered after version %d", node, e.Stream, e.Version, want-1)
		}
		versions[e.Stream] = e.Version
	}
	if !slices.Equal(got, positions) {
		t.Errorf("tail on node %d delivered %d events, want the %d committed ones in position order", node, len(got), len(positions))
	}
}

// stopWriters ends the driver's writers and waits until they have printed
// their last outcomes.
func (d *clusterDriver) stopWriters(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(d.stdin, "stop\n"); err != nil {
		t.Fatalf("cluster driver: %v\n%s", err, d.stderrText())
	}
	waitFor(t, 60*time.Second, "the writers to stop", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.writersDone
	})
}

// close ends the driver (its tail) and waits for it.
func (d *clusterDriver) close() {
	_ = d.stdin.Close()
	select {
	case <-d.exit:
	case <-time.After(20 * time.Second):
		d.kill()
	}
}

func (d *clusterDriver) kill() {
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exit
}
