package actorstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// TestHealthReportsClusterMembership: a store served by a clustered node
// (SetClusterCheck) lists the "cluster" check in Health, and is not ready
// until the check passes ("cluster membership joined").
func TestHealthReportsClusterMembership(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	if r := st.Health(context.Background()); len(r.Checks) != 3 || !r.OK {
		t.Fatalf("unclustered store: %+v, want 3 passing checks", r)
	}
	joined := false
	st.AddHealthCheck(actorstore.CheckCluster, func(context.Context) error {
		if !joined {
			return errors.New("cluster membership not joined: no topology yet")
		}
		return nil
	})
	r := st.Health(context.Background())
	if r.OK || len(r.Checks) != 4 || r.Checks[3].Name != actorstore.CheckCluster || r.Checks[3].OK ||
		!strings.Contains(r.Checks[3].Error, "not joined") {
		t.Fatalf("not joined: %+v, want not ready with a failing cluster check", r)
	}
	joined = true
	if r := st.Health(context.Background()); !r.OK || !r.Checks[3].OK {
		t.Fatalf("joined: %+v, want ready", r)
	}
}

// TestSharedWritersNeedPostgres: a cluster's store (SharedWriters) on the
// embedded store is refused before anything is opened.
func TestSharedWritersNeedPostgres(t *testing.T) {
	_, err := actorstore.Open(context.Background(), actorstore.Config{DataDir: t.TempDir(), SharedWriters: true})
	var ie *eventstore.InputError
	if !errors.As(err, &ie) || ie.Field != "SharedWriters" {
		t.Fatalf("err = %v, want an *InputError on SharedWriters", err)
	}
}
