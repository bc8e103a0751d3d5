package subscriptions_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/node"
)

// remotePeerEnv, set to a node's address, makes this test binary a peer
// process that tails that node (TestRemoteSubscriberPeer).
//
// The node runs in the test process and the subscriber in a child process
// (the test binary run again): one protoactor remote endpoint per process,
// since remote.Start writes gRPC's global logger unsynchronised. Both run
// under -race.
const remotePeerEnv = "ACTORSTORE_TEST_SUBS_PEER_OF"

// The peer prints a line when it has received this many events; the test
// appends history events before it starts and live events after.
const (
	remoteHistory = 10
	remoteLive    = 10
)

// TestRemoteSubscriberKilled: a peer process tails all events through the
// node's subscription hub (client.Tail: a SubscribeRequest to the hub at
// {node address, "subscriptions"}, a subscription actor on the node sending
// to the peer over protoactor remote) and is killed with SIGKILL. The
// subscription must go away (the hub's count returns to its baseline): the
// subscription actor watches its remote subscriber, and the lost endpoint
// counts as Terminated. Without that, the count would stay at baseline+1
// (checked below while the peer lives) and the poll would time out. The
// node must keep serving afterwards.
func TestRemoteSubscriberKilled(t *testing.T) {
	if os.Getenv(remotePeerEnv) != "" {
		t.Skip("runs in the parent test process only")
	}
	ctx := context.Background()
	st, eng, err := actorstore.OpenEngine(ctx, actorstore.Config{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = st.Close(cctx)
	})
	// As `actorstore serve` does: the node serves on the store's actor
	// system, so peers reach its hub on the node's endpoint.
	n, err := node.Start(st, node.Config{Address: "127.0.0.1:0", Engine: eng,
		StoreKind: "embedded", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.Close(cctx); err != nil {
			t.Errorf("node close: %v", err)
		}
	})
	hub := eng.Hub
	subscriptionCount := func() int {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		s, err := hub.Stats(sctx)
		if err != nil {
			t.Fatalf("hub stats: %v", err)
		}
		return s.Subscriptions
	}
	baseline := subscriptionCount()
	if baseline != 0 {
		t.Fatalf("baseline: %d subscriptions before the peer, want 0", baseline)
	}

	for i := range remoteHistory {
		nodeAppend(t, n, fmt.Sprintf("remote-sub-%d", i%3))
	}

	// The peer: this test binary again, running TestRemoteSubscriberPeer.
	cmd := exec.Command(os.Args[0], "-test.run=^TestRemoteSubscriberPeer$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), remotePeerEnv+"="+n.Address())
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() { // on early failure: never leave the peer behind
		_ = cmd.Process.Kill()
		<-exited
	})
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_ = cmd.Wait()
		close(exited)
	}()
	waitLine := func(want string) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("peer exited before printing %q", want)
				}
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("peer did not print %q within 30s", want)
			}
		}
	}

	waitLine(fmt.Sprintf("peer received %d events", remoteHistory))
	if got := subscriptionCount(); got != baseline+1 {
		t.Fatalf("while the peer tails: %d subscriptions, want %d", got, baseline+1)
	}
	for i := range remoteLive {
		nodeAppend(t, n, fmt.Sprintf("remote-sub-%d", i%3))
	}
	waitLine(fmt.Sprintf("peer received %d events", remoteHistory+remoteLive))

	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("peer did not exit after SIGKILL")
	}
	killed := time.Now()

	// The subscription must go away within a bounded time.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		got := subscriptionCount()
		if got == baseline {
			t.Logf("subscription gone %v after the kill", time.Since(killed).Round(10*time.Microsecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20s after the peer was killed the hub still has %d subscriptions, want %d (leaked)", got, baseline)
		}
		<-tick.C
	}

	// The node keeps serving: an append through its API succeeds, and
	// through the Go API, whose commit the hub fans out (to no one).
	nodeAppend(t, n, "remote-sub-after")
	res, err := st.Append(ctx, "remote-sub-after", eventstore.Any(),
		eventstore.EventData{ID: uuid.New(), Type: "Ping", Data: []byte(`{}`)})
	if err != nil {
		t.Fatalf("append after the kill: %v", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		s, err := hub.Stats(sctx)
		if err != nil {
			t.Fatalf("hub did not fan out the append after the kill: %v", err)
		}
		if s.Head >= res.FirstPosition {
			if s.Subscriptions != baseline {
				t.Fatalf("after the kill and an append: %d subscriptions, want %d", s.Subscriptions, baseline)
			}
			break
		}
		<-tick.C
	}
}

// nodeAppend appends one event through the node's API actor (from the
// node's own process) and fails t unless it succeeds.
func nodeAppend(t *testing.T, n *node.Node, stream string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id := uuid.New()
	reply, err := actors.Request(ctx, n.System(), n.PID(), &messages.AppendRequest{
		Stream:   stream,
		Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}},
		Events: []*messages.EventData{{EventId: id[:], Type: "Ping",
			ContentType: "application/json", Data: []byte(`{}`)}},
	})
	r, ok := reply.(*messages.AppendReply)
	if err != nil || !ok || r.GetError() != nil {
		t.Fatalf("append through the node: %v, %v", reply, err)
	}
}

// TestRemoteSubscriberPeer is the peer process of TestRemoteSubscriberKilled:
// it tails every event of the node and prints a line after the history and
// after the live events; it is killed, never returns normally.
func TestRemoteSubscriberPeer(t *testing.T) {
	addr := os.Getenv(remotePeerEnv)
	if addr == "" {
		t.Skip("runs as the peer process of TestRemoteSubscriberKilled")
	}
	// Bounded, should the parent die without killing it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := 0
	err = c.Tail(ctx, client.TailOptions{Start: client.FromBeginning}, func(eventstore.RecordedEvent) error {
		got++
		if got == remoteHistory || got == remoteHistory+remoteLive {
			fmt.Printf("peer received %d events\n", got)
		}
		return nil
	})
	t.Fatalf("tail ended after %d events: %v", got, err)
}
