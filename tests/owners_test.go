package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// consumerEnv, when set, makes the test binary one node of
// TestOneOwnerPerConsumerAcrossNodes: a process that embeds actorstore on
// the shared PostgreSQL database and runs the durable subscription
// ownersDurable and two members of the consumer group ownersGroup, with
// handlers that print what they handle (one JSON line each, written before
// the handler returns, so before it is acknowledged). End of stdin closes it.
const consumerEnv = "ACTORSTORE_TESTS_CONSUMER"

const (
	ownersDurable = "owners-durable"
	ownersGroup   = "owners-group"
	ownersSlotted = "owners-slotted" // a consumer group with ownersSlots slots, spread over the nodes
	ownersSlots   = 4
)

type consumerConfig struct {
	URL      string        `json:"url"`
	Node     int           `json:"node"`
	LeaseTTL time.Duration `json:"lease_ttl"`
}

// handled is one handler call, as the handler recorded it.
type handled struct {
	Kind     string `json:"k"` // "d": durable, "g": group, "s": slotted group
	Node     int    `json:"n"`
	Inc      string `json:"i"` // process incarnation
	Member   int    `json:"m"`
	Stream   string `json:"s"`
	Version  uint64 `json:"v"`
	Position uint64 `json:"p"`
	Start    int64  `json:"a"` // unix ns
	End      int64  `json:"b"`
}

func (h handled) owner() string { return fmt.Sprintf("%d/%s/%d", h.Node, h.Inc, h.Member) }

func runConsumer(raw string) int {
	var cfg consumerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	c := actorstore.Config{PostgresURL: cfg.URL}
	c.Subscriptions.LeaseTTL = cfg.LeaseTTL
	st, err := actorstore.Open(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	inc := uuid.NewString()[:8]
	var mu sync.Mutex
	record := func(kind string, member int) actorstore.Handler {
		return func(_ context.Context, e actorstore.RecordedEvent) error {
			a := time.Now().UnixNano()
			time.Sleep(time.Millisecond) // some work, so that an overlap would show
			line, _ := json.Marshal(handled{Kind: kind, Node: cfg.Node, Inc: inc, Member: member, Stream: e.Stream,
				Version: e.Version, Position: e.Position, Start: a, End: time.Now().UnixNano()})
			mu.Lock()
			defer mu.Unlock()
			_, err := os.Stdout.Write(append(line, '\n')) // in the pipe before the ack
			return err
		}
	}
	var subs []*actorstore.Subscription
	opts := []struct {
		o      actorstore.SubscribeOptions
		kind   string
		member int
	}{
		{actorstore.SubscribeOptions{Durable: ownersDurable, Window: 16}, "d", 0},
		{actorstore.SubscribeOptions{Durable: ownersGroup, Group: true, Window: 8}, "g", 1},
		{actorstore.SubscribeOptions{Durable: ownersGroup, Group: true, Window: 8}, "g", 2},
		{actorstore.SubscribeOptions{Durable: ownersSlotted, Group: true, GroupSlots: ownersSlots, Window: 8}, "s", 1},
		{actorstore.SubscribeOptions{Durable: ownersSlotted, Group: true, GroupSlots: ownersSlots, Window: 8}, "s", 2},
	}
	for _, o := range opts {
		s, err := st.Subscribe(context.Background(), o.o, record(o.kind, o.member))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		subs = append(subs, s)
	}
	mu.Lock()
	fmt.Println("ready")
	mu.Unlock()
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, s := range subs {
		if err := s.Err(); err != nil {
			fmt.Fprintln(os.Stderr, "subscription:", err)
		}
		_ = s.Close()
	}
	_ = st.Close(context.Background())
	return 0
}

// consumerNode is one running consumer process.
type consumerNode struct {
	node  int
	cmd   *exec.Cmd
	stdin io.WriteCloser
	exit  chan struct{}
}

// ownersRun collects the records of every consumer process.
type ownersRun struct {
	mu      sync.Mutex
	records []handled
}

func (r *ownersRun) snapshot() []handled {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.records)
}

func (r *ownersRun) start(t *testing.T, cfg consumerConfig) *consumerNode {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	n := &consumerNode{node: cfg.Node, cmd: exec.Command(os.Args[0], "-test.run=^$"), exit: make(chan struct{})}
	n.cmd.Env = append(os.Environ(), consumerEnv+"="+string(raw))
	n.cmd.Stderr = os.Stderr
	var err error
	if n.stdin, err = n.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.cmd.Process.Kill(); <-n.exit })
	ready := make(chan struct{})
	go func() {
		defer close(n.exit)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
				continue
			}
			var h handled
			if json.Unmarshal(sc.Bytes(), &h) == nil {
				r.mu.Lock()
				r.records = append(r.records, h)
				r.mu.Unlock()
			}
		}
		_ = n.cmd.Wait()
	}()
	select {
	case <-ready:
	case <-n.exit:
		t.Fatalf("consumer %d exited before it was ready", cfg.Node)
	case <-time.After(60 * time.Second):
		t.Fatalf("consumer %d not ready within 60s", cfg.Node)
	}
	return n
}

// owner returns the node that handled the newest record of kind.
func (r *ownersRun) owner(kind string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.records) - 1; i >= 0; i-- {
		if r.records[i].Kind == kind {
			return r.records[i].Node, true
		}
	}
	return 0, false
}

// handledSince reports whether a node other than not handled a record of
// kind that started after at.
func (r *ownersRun) handledSince(kind string, not int, at time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.records {
		if h.Kind == kind && h.Node != not && h.Start > at.UnixNano() {
			return time.Unix(0, h.Start), true
		}
	}
	return time.Time{}, false
}

// TestOneOwnerPerConsumerAcrossNodes: three processes on one PostgreSQL
// each run one durable subscription, two members of one consumer group and
// two members of a consumer group with four slots, while a writer appends
// to 16 streams; the current owner is killed with SIGKILL twice (first the
// durable subscription's, then the group's) and restarted. From the
// handlers' own records: every acknowledged event was handled by each
// consumer (at least once across the kills), in order per stream (no
// version skipped, each owner in increasing order), and never by two owners
// at once (durable: no two handler calls of different owners overlap in
// time; groups: per stream); the slotted group's events were handled on
// more than one node (its slots are spread).
func TestOneOwnerPerConsumerAcrossNodes(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	ttl := 1500 * time.Millisecond
	st, err := actorstore.Open(context.Background(), actorstore.Config{PostgresURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	run := &ownersRun{}
	nodes := make([]*consumerNode, 3)
	for i := range nodes {
		nodes[i] = run.start(t, consumerConfig{URL: url, Node: i, LeaseTTL: ttl})
	}

	// The writer: acknowledged appends, 1..3 events each, to 16 streams.
	var (
		wmu   sync.Mutex
		acked = map[string]uint64{} // stream -> newest acknowledged version
		stop  = make(chan struct{})
		wdone = make(chan struct{})
	)
	go func() {
		defer close(wdone)
		rng := rand.New(rand.NewPCG(1, 2))
		for {
			select {
			case <-stop:
				return
			default:
			}
			stream := fmt.Sprintf("own-%d", rng.IntN(16))
			evs := make([]actorstore.EventData, 1+rng.IntN(3))
			for i := range evs {
				evs[i] = actorstore.EventData{ID: uuid.New(), Type: "t", Data: []byte(`{}`)}
			}
			res, err := st.Append(context.Background(), stream, actorstore.Any(), evs...)
			if err != nil {
				continue // not acknowledged: not checked
			}
			wmu.Lock()
			acked[stream] = max(acked[stream], res.LastVersion)
			wmu.Unlock()
			time.Sleep(2 * time.Millisecond) // pace the writer, not an ordering wait
		}
	}()

	for _, kind := range []string{"d", "g"} {
		eventuallyT(t, 60*time.Second, "records of "+kind, func() bool { _, ok := run.owner(kind); return ok })
		victim, _ := run.owner(kind)
		killed := time.Now()
		_ = nodes[victim].cmd.Process.Signal(syscall.SIGKILL)
		<-nodes[victim].exit
		var took time.Time
		eventuallyT(t, 60*time.Second, "another owner of "+kind, func() bool {
			var ok bool
			took, ok = run.handledSince(kind, victim, killed)
			return ok
		})
		t.Logf("%s: owner node %d killed; node handling again after %v (lease TTL %v)", kind, victim,
			took.Sub(killed).Round(time.Millisecond), ttl)
		nodes[victim] = run.start(t, consumerConfig{URL: url, Node: victim, LeaseTTL: ttl})
	}
	time.Sleep(time.Second) // keep appending a little after the last restart (load, not ordering)
	close(stop)
	<-wdone

	wmu.Lock()
	want := maps.Clone(acked)
	wmu.Unlock()
	complete := func(kind string) bool {
		seen := map[string]uint64{}
		for _, h := range run.snapshot() {
			if h.Kind == kind {
				seen[h.Stream] = max(seen[h.Stream], h.Version)
			}
		}
		for s, v := range want {
			if seen[s] < v {
				return false
			}
		}
		return true
	}
	eventuallyT(t, 60*time.Second, "every acknowledged event handled", func() bool {
		return complete("d") && complete("g") && complete("s")
	})
	for _, n := range nodes {
		_ = n.stdin.Close()
		<-n.exit
	}
	recs := run.snapshot()
	total := 0
	for _, v := range want {
		total += int(v)
	}
	t.Logf("%d events in %d streams; %d handler calls", total, len(want), len(recs))
	checkOwners(t, recs, "d", want, false)
	checkOwners(t, recs, "g", want, true)
	checkOwners(t, recs, "s", want, true)
	slotted := map[int]int{}
	for _, h := range recs {
		if h.Kind == "s" {
			slotted[h.Node]++
		}
	}
	if len(slotted) < 2 {
		t.Errorf("the group with %d slots was handled on %d node(s) %v: its slots are not spread", ownersSlots,
			len(slotted), slotted)
	}
	t.Logf("slotted group: handler calls per node %v", slotted)
}

// checkOwners checks the records of one consumer: each acknowledged version
// handled, per stream in order (no version skipped after what was handled
// before it; each owner strictly increasing), and no two owners handling at
// once (per stream when perStream).
func checkOwners(t *testing.T, recs []handled, kind string, want map[string]uint64, perStream bool) {
	t.Helper()
	var rs []handled
	for _, h := range recs {
		if h.Kind == kind {
			rs = append(rs, h)
		}
	}
	slices.SortFunc(rs, func(a, b handled) int { return int(a.Start - b.Start) })
	handledMax := map[string]uint64{}       // stream -> newest version handled so far
	ownerLast := map[string]uint64{}        // owner+stream -> its last version
	busy := map[string]map[string]handled{} // scope -> owner -> its latest call
	seen := map[string]map[uint64]bool{}    // stream -> versions handled
	for _, h := range rs {
		if h.Version > handledMax[h.Stream]+1 {
			t.Errorf("%s: %s v%d handled (by %s) before v%d", kind, h.Stream, h.Version, h.owner(), handledMax[h.Stream]+1)
		}
		handledMax[h.Stream] = max(handledMax[h.Stream], h.Version)
		key := h.owner() + " " + h.Stream
		if last, ok := ownerLast[key]; ok && h.Version <= last {
			t.Errorf("%s: owner %s handled %s v%d after v%d", kind, h.owner(), h.Stream, h.Version, last)
		}
		ownerLast[key] = h.Version
		scope := ""
		if perStream {
			scope = h.Stream
		}
		if busy[scope] == nil {
			busy[scope] = map[string]handled{}
		}
		for o, other := range busy[scope] {
			if o != h.owner() && other.End > h.Start {
				t.Errorf("%s: %s handled %s v%d while %s handled %s v%d", kind, h.owner(), h.Stream, h.Version,
					o, other.Stream, other.Version)
			}
		}
		if prev, ok := busy[scope][h.owner()]; !ok || h.End > prev.End {
			busy[scope][h.owner()] = h
		}
		if seen[h.Stream] == nil {
			seen[h.Stream] = map[uint64]bool{}
		}
		seen[h.Stream][h.Version] = true
	}
	for s, v := range want {
		for x := uint64(1); x <= v; x++ {
			if !seen[s][x] {
				t.Errorf("%s: %s v%d acknowledged but never handled", kind, s, x)
			}
		}
	}
}

// eventuallyT polls cond until it holds or timeout passes.
func eventuallyT(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
