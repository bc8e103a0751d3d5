package tests

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// entityNode is a running tests/entitynode: a user's node program with
// the entity kind "counter", a member of a three-node cluster.
type entityNode struct {
	cmd  *exec.Cmd
	addr string

	mu     sync.Mutex
	folded map[string]bool // entities this member folded events of
}

func (n *entityNode) owned(stream string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.folded[stream]
}

// TestEntityOwnerMovesWhenItsNodeIsKilled runs three node programs that
// register the entity kind "counter" (tests/entitynode, snapshots every 4
// events) as one cluster on one PostgreSQL database, and sends commands to
// twelve counters through node 0 from this process: each command adds 1
// and replies the new total, so a command that saw the entity's full state
// replies exactly the version its own event got. Commands run on the
// member that owns the counter's stream (routed like appends). The member
// other than node 0 that owned the most counters is killed with SIGKILL;
// the commands go on, and every counter must be served again by a
// surviving member (its owner moved), and every acknowledged command, before
// and after the kill, must have replied the version it appended: the new
// owner loads the state (snapshot and the events after it) that the dead
// owner committed, and never decides on less. At the end each counter's
// last reply equals the number of events in its stream.
//
// Nodes run without -race, like the other cluster tests (docs/cluster.md).
func TestEntityOwnerMovesWhenItsNodeIsKilled(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	bin := filepath.Join(t.TempDir(), "entitynode")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/actorstore/actorstore/tests/entitynode").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports := freePorts(t, 3)
	seeds := make([]string, 3)
	for i, p := range ports {
		seeds[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	nodes := make([]*entityNode, 3)
	for i := range nodes {
		nodes[i] = startEntityNode(t, bin, url, strings.Join(seeds, ","), seeds[i])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: nodes[0].addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, 30*time.Second, "node 0 to see a cluster of three", func() bool {
		st, err := c.Status(ctx)
		return err == nil && st.GetCluster().GetJoined() && len(st.GetCluster().GetMembers()) == 3
	})

	counters := make([]string, 12)
	for i := range counters {
		counters[i] = fmt.Sprintf("counter-%d", i)
	}
	last := map[string]int64{}
	// add runs one command on stream through node 0, retrying while the
	// cluster reroutes (a retried command may have run: it appended one
	// more event, which the next reply includes). It checks the reply.
	add := func(stream string) {
		t.Helper()
		for attempt := 1; ; attempt++ {
			cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
			reply, res, err := c.Execute(cctx, stream, wrapperspb.Int64(1))
			ccancel()
			if err != nil {
				if eventstore.IsRetryable(err) && attempt < 20 {
					time.Sleep(100 * time.Millisecond) // pacing of retries, not synchronization
					continue
				}
				t.Fatalf("command on %s failed for good after %d attempt(s): %v", stream, attempt, err)
			}
			var total wrapperspb.Int64Value
			if err := reply.UnmarshalTo(&total); err != nil {
				t.Fatalf("reply of %s: %v", stream, err)
			}
			if total.GetValue() != int64(res.LastVersion) {
				t.Fatalf("%s: the command replied total %d but appended version %d: it was decided on a state "+
					"that was not the fold of every committed event", stream, total.GetValue(), res.LastVersion)
			}
			last[stream] = total.GetValue()
			return
		}
	}
	for range 6 {
		for _, s := range counters {
			add(s)
		}
	}
	victim, owned := 1, 0
	for i := 1; i < 3; i++ {
		n := 0
		for _, s := range counters {
			if nodes[i].owned(s) {
				n++
			}
		}
		if n > owned {
			victim, owned = i, n
		}
	}
	if owned == 0 {
		t.Fatal("no counter was served by node 1 or 2: commands are not routed to their owners")
	}
	var moved []string
	for _, s := range counters {
		if nodes[victim].owned(s) {
			moved = append(moved, s)
		}
	}
	t.Logf("killing node %d, which owned %d of 12 counters %v", victim, owned, moved)
	_ = nodes[victim].cmd.Process.Signal(syscall.SIGKILL)
	killed := time.Now()
	for range 6 {
		for _, s := range counters {
			add(s)
		}
	}
	t.Logf("every counter took 6 more commands within %v of the kill", time.Since(killed).Round(time.Millisecond))
	survivor := 3 - victim // the other of nodes 1 and 2
	for _, s := range moved {
		if !nodes[0].owned(s) && !nodes[survivor].owned(s) {
			t.Errorf("%s: no surviving member served it after node %d was killed", s, victim)
		}
	}
	for _, s := range counters {
		evs, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: s, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(evs)) != last[s] {
			t.Errorf("%s: %d events in the stream, the last command replied total %d", s, len(evs), last[s])
		}
	}
}

func startEntityNode(t *testing.T, bin, url, seeds, listen string) *entityNode {
	t.Helper()
	cmd := exec.Command(bin, "-postgres-url", url, "-cluster-seeds", seeds, "-cluster-listen", listen)
	var stderr strings.Builder
	errMu := &sync.Mutex{}
	cmd.Stderr = &lockedWriter{mu: errMu, b: &stderr}
	logs := func() string { errMu.Lock(); defer errMu.Unlock(); return stderr.String() }
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	n := &entityNode{cmd: cmd, folded: map[string]bool{}}
	ready := make(chan string, 1)
	go n.read(stdout, ready)
	select {
	case addr, ok := <-ready:
		if !ok {
			t.Fatalf("entity node exited before it was ready:\n%s", logs())
		}
		n.addr = addr
	case <-time.After(30 * time.Second):
		t.Fatalf("entity node not ready within 30s:\n%s", logs())
	}
	return n
}

func (n *entityNode) read(r io.Reader, ready chan<- string) {
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if addr, ok := strings.CutPrefix(line, "addr="); ok && !sent {
			ready <- addr
			sent = true
			continue
		}
		if f := strings.Fields(line); len(f) == 3 && f[0] == "folded" {
			n.mu.Lock()
			n.folded[f[1]] = true
			n.mu.Unlock()
		}
	}
	if !sent {
		close(ready)
	}
}
