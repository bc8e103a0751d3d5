package node_test

import (
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorstore/actorstore/messages"
)

func TestAppendReadHeadStatusOverRemote(t *testing.T) { runPeer(t, "TestPeerRoundTrip") }

func TestPeerRoundTrip(t *testing.T) {
	p := newPeer(t, actorsDefault())
	res := p.mustAppend(t, "order-1")
	if res.GetFirstVersion() != 1 || res.GetLastPosition() == 0 {
		t.Fatalf("append result = %v", res)
	}
	p.mustAppend(t, "order-1")

	reply, err := p.request(&messages.ReadStreamRequest{Stream: "order-1", Limit: 10}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	evs := reply.(*messages.ReadReply).GetResult().GetEvents()
	if len(evs) != 2 || evs[1].GetStreamVersion() != 2 || evs[0].GetEvent().GetType() != "Ping" {
		t.Fatalf("read = %v", reply)
	}
	reply, err = p.request(&messages.ReadAllRequest{Limit: 10, StreamPrefix: "order-",
		Direction: messages.ReadDirection_READ_DIRECTION_BACKWARD, From: ^uint64(0)}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if evs := reply.(*messages.ReadReply).GetResult().GetEvents(); len(evs) != 2 || evs[0].GetPosition() < evs[1].GetPosition() {
		t.Fatalf("read all backward = %v", reply)
	}
	reply, err = p.request(&messages.HeadRequest{Stream: "order-1"}, 5*time.Second)
	if err != nil || reply.(*messages.HeadReply).GetResult().GetVersion() != 2 {
		t.Fatalf("head = %v, %v", reply, err)
	}
	reply, err = p.request(&messages.StatusRequest{}, 5*time.Second)
	st := reply.(*messages.StatusReply).GetResult()
	if err != nil || st.GetAddress() != p.node || st.GetStoreKind() != "embedded" || st.GetStats().GetBatches() == 0 {
		t.Fatalf("status = %v, %v", reply, err)
	}
}

// TestPeerKilledMidRequest kills -9 a peer while it has appends in flight;
// the node finishes them (replies to the dead peer are dropped) and keeps
// serving.
func TestPeerKilledMidRequest(t *testing.T) {
	cmd := startPeer(t, "TestPeerFlood", "flooding")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for testNode.InFlight() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still in flight 10s after the peer died", testNode.InFlight())
		}
		time.Sleep(10 * time.Millisecond)
	}
	localAppend(t, "after-kill")
	runPeer(t, "TestPeerAppends")
}

// TestPeerFlood appends from 32 goroutines until it is killed.
func TestPeerFlood(t *testing.T) {
	p := newPeer(t, actorsDefault())
	p.mustAppend(t, "flood-0")
	os.Stdout.WriteString("flooding\n")
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, _ = p.request(appendReq("flood-"+itoa(i), event("Flood", []byte(`{}`))), 5*time.Second)
			}
		}()
	}
	wg.Wait()
}

// TestPeerAppends is a peer that appends once.
func TestPeerAppends(t *testing.T) {
	newPeer(t, actorsDefault()).mustAppend(t, "peer-appends")
}
