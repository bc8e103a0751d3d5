package actors

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// guardEnv tells the helper peer process what to send: "addr mode vital other".
const guardEnv = "ACTORSTORE_TEST_GUARD_PEER"

// TestHelperGuardPeer is not a test: TestPeerLifecycleMessagesAreRefused
// runs the test binary again with guardEnv set. As a peer with its own
// remote endpoint it sends one kind of lifecycle message about the node's
// actors, then a request to the target over the same connection (so the
// message before it has been dispatched), and prints "done" on its reply.
func TestHelperGuardPeer(t *testing.T) {
	args := strings.Fields(os.Getenv(guardEnv))
	if len(args) != 4 {
		t.Skip("helper process for TestPeerLifecycleMessagesAreRefused")
	}
	addr, mode := args[0], args[1]
	vital, other := actor.NewPID(addr, args[2]), actor.NewPID(addr, args[3])
	sys, err := NewSystem(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown()
	rm, err := StartRemote(sys, RemoteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Shutdown()
	switch mode {
	case "poison":
		sys.Send(vital, &actor.PoisonPill{})
	case "stop":
		sys.Stop(vital)
	case "watch": // make vital report its end to other, an actor of the node
		sys.sendSystem(vital, &actor.Watch{Watcher: other})
	case "unwatch": // remove other's own watch of vital
		sys.sendSystem(vital, &actor.Unwatch{Watcher: other})
	case "terminated": // tell other, which watches vital, that vital has ended
		sys.sendSystem(other, &actor.Terminated{Who: vital})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Request(ctx, sys, vital, wrapperspb.String("ping")); err != nil {
		fmt.Println("request:", err)
		return
	}
	fmt.Println("done")
}

// pinger answers a StringValue with itself.
type pinger struct{}

func (pinger) Receive(c Context) {
	if m, ok := c.Message().(*wrapperspb.StringValue); ok {
		c.Respond(m)
	}
}

// TestPeerLifecycleMessagesAreRefused: a peer process sends, one kind per
// case, PoisonPill, Stop, a Watch or Unwatch on behalf of one of the
// node's own actors, or a Terminated about one of the node's actors. The
// target keeps running, watches are what the node's actors set up, and
// the refused messages are counted.
func TestPeerLifecycleMessagesAreRefused(t *testing.T) {
	sys, err := NewSystem(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown()
	rm, err := StartRemote(sys, RemoteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Shutdown()
	for i, mode := range []string{"poison", "stop", "watch", "unwatch", "terminated"} {
		t.Run(mode, func(t *testing.T) {
			vital, err := sys.SpawnNamed(PropsOf(func() Actor { return pinger{} }), fmt.Sprintf("vital-%d", i))
			if err != nil {
				t.Fatal(err)
			}
			// other watches vital itself in "unwatch" and "terminated".
			other := sys.NewMailbox(16)
			defer other.Close()
			if mode == "unwatch" || mode == "terminated" {
				other.Watch(vital)
			}
			refused := rm.RefusedMessages()
			peer := exec.Command(os.Args[0], "-test.run=^TestHelperGuardPeer$", "-test.v", "-test.count=1")
			peer.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %s %s", guardEnv, rm.Address(), mode, vital.Id, other.PID().Id))
			out, err := peer.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "\ndone\n") {
				t.Fatalf("peer: %v\n%s", err, out)
			}
			if !sys.Alive(vital) {
				t.Fatalf("%s from a peer stopped the node's actor", mode)
			}
			if rm.RefusedMessages() <= refused {
				t.Errorf("%s from a peer was not counted as refused", mode)
			}
			// The node stops vital itself: other hears of it exactly once
			// when it watched (its watch survived an Unwatch, and no fake
			// Terminated came before), and not at all when it did not (a
			// peer's Watch on its behalf was refused).
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := sys.StopWait(ctx, vital); err != nil {
				t.Fatal(err)
			}
			sys.Send(other.PID(), "marker")
			var got []string
			for m := range other.C() {
				if m == "marker" {
					break
				}
				got = append(got, fmt.Sprintf("%T", m))
			}
			want := 0
			if mode == "unwatch" || mode == "terminated" {
				want = 1
			}
			if len(got) != want {
				t.Fatalf("the node's actor received %v after vital stopped, want %d Terminated", got, want)
			}
		})
	}
}
