package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// Environment of the crash loop.
const (
	// SeedEnv fixes the seed of the fault schedule and the appends (the test
	// prints the seed it used; give it back to repeat a run).
	SeedEnv = "ACTORSTORE_SEED"
	// RoundsEnv sets the number of kill -9 rounds (default 20).
	RoundsEnv = "ACTORSTORE_CRASH_ROUNDS"
)

const (
	crashPrefix  = "crash-"
	crashDurable = "crashloop"
)

// TestCrashLoopLosesNoAcknowledgedAppend runs `actorstore serve` on one
// PostgreSQL database for R rounds. Each round a driver process appends
// through client.Dial from several writers (exact expected versions on
// their own streams, Any on shared ones), the node is killed with SIGKILL
// after a random delay, and the node is started again. After every round
// the database must hold every acknowledged append at its version and
// position, no failed append in part (an append with an unknown outcome is
// absent or complete, a definitely failed one absent), contiguous versions
// and strictly increasing unique positions. A durable subscription in this
// process, closed and reopened every round, must end up having seen every
// committed event at least once, in order per stream.
func TestCrashLoopLosesNoAcknowledgedAppend(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(SeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", SeedEnv, s, err)
		}
		seed = v
	}
	rounds := 20
	if s := os.Getenv(RoundsEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("%s=%q: want a positive number", RoundsEnv, s)
		}
		rounds = v
	}
	t.Logf("crash loop: seed %d, %d rounds (repeat with %s=%d)", seed, rounds, SeedEnv, seed)
	url := pgtest.Server(t).NewDatabase(t)
	bin := buildNode(t)
	db := openDirect(t, url)
	rng := rand.New(rand.NewPCG(seed, 0))

	exact := map[string]uint64{}
	for i := range 4 {
		exact[fmt.Sprintf("%sexact-%d", crashPrefix, i)] = 0
	}
	anyStreams := []string{crashPrefix + "any-0", crashPrefix + "any-1", crashPrefix + "any-2"}
	sub := &subRecorder{last: map[string]uint64{}}
	var all []outcome
	var tl tally
	killedAcked := 0
	for round := range rounds {
		sub.open(t, url)
		node := startNode(t, bin, url)
		delay := time.Duration(100+rng.IntN(900)) * time.Millisecond
		outs := runDriverRound(t, driverConfig{Node: node.addr, Seed: rng.Uint64(), Exact: exact,
			AnyStreams: anyStreams, AnyWriters: 4, MaxOps: 3000, Timeout: 10 * time.Second},
			func() { node.kill(t, delay) })
		node.wait()
		sub.close(t)
		all = append(all, outs...)
		tl = checkStore(t, db, crashPrefix, all)
		if t.Failed() {
			t.Fatalf("round %d (seed %d, kill after %v) broke an invariant", round, seed, delay)
		}
		acked, failed := 0, 0
		for _, o := range outs {
			if o.OK {
				acked++
			} else {
				failed++
			}
		}
		killedAcked += acked
		for s := range exact {
			exact[s] = tl.versions[s]
		}
		t.Logf("round %d: killed after %v: %d appends acknowledged, %d failed; store holds %d events",
			round, delay, acked, failed, tl.events)
	}

	if killedAcked == 0 {
		t.Fatal("no append succeeded in any round: the kills tested nothing")
	}

	// The node after the last kill: every writer must succeed at the
	// versions the store holds.
	sub.open(t, url)
	node := startNode(t, bin, url)
	outs := runDriverRound(t, driverConfig{Node: node.addr, Seed: rng.Uint64(), Exact: exact,
		AnyStreams: anyStreams, AnyWriters: 4, MaxOps: 5, Timeout: 10 * time.Second}, nil)
	node.stop(t)
	for _, o := range outs {
		if !o.OK {
			t.Errorf("append to %s on the restarted node failed: %s", o.Stream, o.Err)
		}
	}
	all = append(all, outs...)
	tl = checkStore(t, db, crashPrefix, all)
	sub.waitAll(t, tl.positions)
	sub.close(t)
	t.Logf("crash loop: seed %d, %d kill -9 rounds survived; %d appends acknowledged before kills, %d appends checked "+
		"(%d acknowledged, %d failed and absent, %d with unknown outcome committed completely); %d events in %d streams, "+
		"last position %d; durable subscription: %d deliveries over %d sessions, every event seen",
		seed, rounds, killedAcked, len(all), tl.acked, tl.failedAbsent, tl.unknownCommitted, tl.events, tl.streams,
		tl.lastPosition, sub.deliveries, sub.sessions)
}

// buildNode compiles cmd/actorstore once (without -race: the node is a
// separate process, and the race detector would slow it several times).
func buildNode(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actorstore")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/actorstore/actorstore/cmd/actorstore").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// nodeProc is a running `actorstore serve`.
type nodeProc struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
	once   sync.Once

	mu   sync.Mutex
	logs []string // the last lines it logged after it was ready
}

func (n *nodeProc) keepLog(line string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.logs) >= 200 {
		n.logs = n.logs[1:]
	}
	n.logs = append(n.logs, line)
}

// lastLogs returns the last lines the node logged after it was ready.
func (n *nodeProc) lastLogs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.logs, "\n")
}

func startNode(t *testing.T, bin, url string, extra ...string) *nodeProc {
	t.Helper()
	args := append([]string{"--log-format", "json", "serve", "--postgres-url", url, "--listen", "127.0.0.1:0",
		"--admin-listen", "127.0.0.1:0"}, extra...) // no fixed ports: test packages run in parallel
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &nodeProc{cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	var tail []string
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line struct{ Listen string }
			if !sent && strings.Contains(sc.Text(), "node ready") && json.Unmarshal(sc.Bytes(), &line) == nil {
				addr <- line.Listen
				sent = true
			} else if !sent {
				tail = append(tail, sc.Text())
			} else {
				n.keepLog(sc.Text())
			}
		}
		_ = cmd.Wait()
		if !sent {
			close(addr)
		}
		close(n.exited)
	}()
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGKILL); n.wait() })
	select {
	case a, ok := <-addr:
		if !ok || a == "" {
			<-n.exited
			t.Fatalf("serve exited before it was ready:\n%s", strings.Join(tail, "\n"))
		}
		n.addr = a
		return n
	case <-time.After(60 * time.Second):
		t.Fatal("serve not ready within 60s")
	}
	return nil
}

// kill sends SIGKILL after delay (the fault schedule).
func (n *nodeProc) kill(t *testing.T, delay time.Duration) {
	n.once.Do(func() {
		time.AfterFunc(delay, func() { _ = n.cmd.Process.Signal(syscall.SIGKILL) })
	})
}

func (n *nodeProc) wait() {
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.exited
	}
}

// stop ends the node with SIGTERM and waits for it.
func (n *nodeProc) stop(t *testing.T) {
	n.once.Do(func() { _ = n.cmd.Process.Signal(syscall.SIGTERM) })
	n.wait()
}

// runDriverRound runs the driver process against a node; onReady runs once
// the driver has dialled. It returns every outcome the driver printed.
func runDriverRound(t *testing.T, cfg driverConfig, onReady func()) []outcome {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), driverEnv+"="+string(raw))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // the driver's bound: its calls end after their timeout anyway
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
		}
	}()
	var outs []outcome
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if sc.Text() == "ready" {
			if onReady != nil {
				onReady()
			}
			continue
		}
		var o outcome
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("driver printed %q: %v", sc.Text(), err)
		}
		outs = append(outs, o)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("driver: %v\n%s", err, stderr.String())
	}
	return outs
}

// subRecorder is a durable subscription in this process, on its own
// Store, opened and closed every round like a restarting consumer. It
// records what it saw and any order violation.
type subRecorder struct {
	st  *actorstore.Store
	sub *actorstore.Subscription

	mu         sync.Mutex
	seen       map[uint64]bool
	last       map[string]uint64 // per stream, the version last delivered in this session
	lastPos    uint64            // the position last delivered in this session
	deliveries int
	sessions   int
	errs       []string
}

func (r *subRecorder) open(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: url})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	if r.seen == nil {
		r.seen = map[uint64]bool{}
	}
	r.last, r.lastPos = map[string]uint64{}, 0
	r.sessions++
	r.mu.Unlock()
	sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{
		Durable: crashDurable, Filter: eventstore.Filter{StreamPrefix: crashPrefix}}, r.handle)
	if err != nil {
		st.Close(context.Background())
		t.Fatal(err)
	}
	r.st, r.sub = st, sub
}

func (r *subRecorder) handle(_ context.Context, e eventstore.RecordedEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliveries++
	if e.Position <= r.lastPos {
		r.errs = append(r.errs, fmt.Sprintf("session %d: position %d delivered after %d", r.sessions, e.Position, r.lastPos))
	}
	if last, ok := r.last[e.Stream]; ok && e.Version != last+1 {
		r.errs = append(r.errs, fmt.Sprintf("session %d: %s@%d delivered after %s@%d", r.sessions, e.Stream, e.Version, e.Stream, last))
	}
	r.last[e.Stream], r.lastPos = e.Version, e.Position
	r.seen[e.Position] = true
	return nil
}

func (r *subRecorder) close(t *testing.T) {
	t.Helper()
	if r.sub == nil {
		return
	}
	_ = r.sub.Close()
	if err := r.sub.Err(); err != nil {
		t.Errorf("durable subscription ended with %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.st.Close(ctx); err != nil {
		t.Errorf("close subscriber store: %v", err)
	}
	r.st, r.sub = nil, nil
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		t.Errorf("durable subscription out of order:\n%s", summarize(r.errs))
	}
}

// waitAll waits until every committed position was delivered at least once.
func (r *subRecorder) waitAll(t *testing.T, positions []uint64) {
	t.Helper()
	missing := func() []uint64 {
		r.mu.Lock()
		defer r.mu.Unlock()
		var m []uint64
		for _, p := range positions {
			if !r.seen[p] {
				m = append(m, p)
			}
		}
		return m
	}
	deadline := time.Now().Add(60 * time.Second)
	for m := missing(); len(m) > 0; m = missing() {
		if time.Now().After(deadline) {
			t.Fatalf("durable subscription never delivered %d of %d committed events (first missing positions %v)",
				len(m), len(positions), m[:min(len(m), 10)])
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}
