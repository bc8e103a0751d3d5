package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/messages"
)

// hostileEnv carries the node's address to the hostile peer process.
const hostileEnv = "ACTORSTORE_TEST_HOSTILE_NODE"

// TestHelperHostilePeer is not a test: TestPeerCannotStopTheNodesActors
// runs the test binary again with hostileEnv set. As a peer with its own
// remote endpoint, it sends PoisonPill and a Stop system message to every
// named actor of the node and to the guessable "$n" IDs of its unnamed
// ones, then asks the API actor for the node's health over the same
// connection (so every message before it has been dispatched) and prints it.
func TestHelperHostilePeer(t *testing.T) {
	addr := os.Getenv(hostileEnv)
	if addr == "" {
		t.Skip("helper process for TestPeerCannotStopTheNodesActors")
	}
	sys, err := actors.NewSystem(actors.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown()
	rm, err := actors.StartRemote(sys, actors.RemoteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Shutdown()
	targets := []string{"actorstore", "subscriptions"}
	for i := 1; i <= 40; i++ {
		targets = append(targets, fmt.Sprintf("$%d", i))
	}
	for _, id := range targets {
		pid := actors.NewPID(addr, id)
		sys.Send(pid, &actors.PoisonPill{})
		sys.Stop(pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := actors.Request(ctx, sys, actors.NewPID(addr, "actorstore"), &messages.HealthRequest{})
	if err != nil {
		fmt.Println("health request:", err)
		return
	}
	b, _ := json.Marshal(reply)
	fmt.Printf("health: %s\n", b)
}

// TestPeerCannotStopTheNodesActors runs `actorstore serve`, lets a peer
// process send PoisonPill and Stop to each of the node's actors, and
// expects the node to keep serving: the peer's own health request over
// the same connection is answered ok, /readyz answers 200, and an append
// and a read through the node work.
func TestPeerCannotStopTheNodesActors(t *testing.T) {
	bin := buildBinary(t)
	node := serveNode(t, bin, filepath.Join(t.TempDir(), "data"))
	if node.Admin == "" {
		t.Fatalf("serve gave no admin address: %+v", node)
	}

	peer := exec.Command(os.Args[0], "-test.run=^TestHelperHostilePeer$", "-test.v", "-test.count=1")
	peer.Env = append(os.Environ(), hostileEnv+"="+node.Listen)
	out, err := peer.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"Result":{"ok":true`) {
		t.Fatalf("after the peer's PoisonPill and Stop, its health request was not answered ok: %v\n%s", err, out)
	}
	if code, body := httpGet(t, "http://"+node.Admin+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after the peer's PoisonPill and Stop: %d\n%s", code, body)
	}
	run(t, bin, 0, "", "append", "--node", node.Listen, "--stream", "hostile-1", "--type", "T", "--data", "{}")
	if got := run(t, bin, 0, "", "read", "--node", node.Listen, "--stream", "hostile-1"); !strings.Contains(got, "T") {
		t.Fatalf("read after the peer's PoisonPill and Stop: %q", got)
	}
}
