package actorstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/node"
)

// TestStoppedVitalActorMakesStoreUnready: a node serving on the store's
// actor system (as `serve` runs it) is ready; once its API actor is
// stopped (by the process itself: peers cannot, see cmd/actorstore
// TestPeerCannotStopTheNodesActors) Health, and so /readyz, reports the
// actors check failed and names the actor. The same for the subscription hub.
func TestStoppedVitalActorMakesStoreUnready(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	n, err := node.Start(st, node.Config{Address: "127.0.0.1:0", Engine: engineOf(st), StoreKind: "embedded"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	if r := st.Health(ctx); !r.OK {
		t.Fatalf("health before any actor stopped: %+v", r)
	}
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sys := engineOf(st).System
	if err := sys.StopWait(stopCtx, n.PID()); err != nil {
		t.Fatal(err)
	}
	checkUnready(t, st, "node API actor")

	if err := sys.StopWait(stopCtx, engineOf(st).Hub.PID()); err != nil {
		t.Fatal(err)
	}
	checkUnready(t, st, "subscription hub")
}

func checkUnready(t *testing.T, st *actorstore.Store, name string) {
	t.Helper()
	r := st.Health(context.Background())
	if r.OK {
		t.Fatalf("health after the %s stopped is ok: %+v", name, r)
	}
	for _, c := range r.Checks {
		if c.Name == actorstore.CheckActors && !c.OK && strings.Contains(c.Error, name) {
			return
		}
	}
	t.Fatalf("health after the %s stopped does not name it in the actors check: %+v", name, r)
}
