package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestReadyzFollowsDatabase stops PostgreSQL under an open store: /readyz
// turns 503 with a body whose database check fails with an error while
// the actors check passes and /healthz stays 200; when PostgreSQL is back,
// /readyz is 200 again.
func TestReadyzFollowsDatabase(t *testing.T) {
	srv := pgtest.Server(t)
	srv.RequireManaged(t)
	src := openStore(t, actorstore.Config{PostgresURL: srv.NewDatabase(t)})
	base := startAdmin(t, src)
	if code, rep, body := readiness(t, base); code != http.StatusOK || !rep.OK || len(rep.Checks) != 3 {
		t.Fatalf("/readyz before the stop: %d, want 200 with 3 checks\n%s", code, body)
	}

	if err := srv.Stop(pgtest.StopImmediate); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = srv.Start()
		}
	})
	eventually(t, 30*time.Second, func() error {
		code, rep, body := readiness(t, base)
		db, _ := check(rep, actorstore.CheckDatabase)
		if code != http.StatusServiceUnavailable || rep.OK || db.OK || db.Error == "" {
			return fmt.Errorf("/readyz with PostgreSQL stopped: %d, want 503 with a failed database check\n%s", code, body)
		}
		return nil
	})
	code, rep, body := readiness(t, base)
	t.Logf("/readyz with PostgreSQL stopped: %d %s", code, body)
	db, _ := check(rep, actorstore.CheckDatabase)
	if !strings.Contains(db.Error, "database") {
		t.Errorf("database check error does not name the database: %q", db.Error)
	}
	if a, ok := check(rep, actorstore.CheckActors); !ok || !a.OK {
		t.Errorf("actors check failed while only the database is down: %d\n%s", code, body)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with PostgreSQL stopped: %d, want 200\n%s", code, body)
	}

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	eventually(t, 30*time.Second, func() error {
		if code, rep, body := readiness(t, base); code != http.StatusOK || !rep.OK {
			return fmt.Errorf("/readyz with PostgreSQL back: %d, want 200\n%s", code, body)
		}
		return nil
	})
}

// TestReadyzAfterClose closes the store under the admin endpoint: /readyz
// answers 503 with the actors check failed, and /healthz stays 200.
func TestReadyzAfterClose(t *testing.T) {
	src := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	st := src.Store
	base := startAdmin(t, src)
	if code, _, body := readiness(t, base); code != http.StatusOK {
		t.Fatalf("/readyz on an open store: %d\n%s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	code, rep, body := readiness(t, base)
	t.Logf("/readyz after Close: %d %s", code, body)
	a, _ := check(rep, actorstore.CheckActors)
	if code != http.StatusServiceUnavailable || rep.OK || a.OK || a.Error == "" {
		t.Errorf("/readyz after Close: %d, want 503 with a failed actors check\n%s", code, body)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK || !strings.Contains(body, "alive") {
		t.Errorf("/healthz after Close: %d\n%s", code, body)
	}
}

// TestAddedCheckTurnsNotReady: a check added with AddHealthCheck is run by
// /readyz and by Store.Health (what a node sends peers): failing, it turns both not
// ready and names itself with its error; passing again, both are ready.
func TestAddedCheckTurnsNotReady(t *testing.T) {
	src := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	st := src.Store
	base := startAdmin(t, src)
	var joined atomic.Bool
	st.AddHealthCheck("membership", func(context.Context) error {
		if !joined.Load() {
			return errors.New("not joined")
		}
		return nil
	})
	code, rep, body := readiness(t, base)
	c, ok := check(rep, "membership")
	if code != http.StatusServiceUnavailable || !ok || c.OK || c.Error != "not joined" || len(rep.Checks) != 4 {
		t.Fatalf("/readyz with a failing added check: %d\n%s", code, body)
	}
	if rep := st.Health(context.Background()); rep.OK || len(rep.Checks) != 4 ||
		rep.Checks[3].Name != "membership" || rep.Checks[3].Error != "not joined" {
		t.Fatalf("Store.Health with a failing added check: %+v", rep)
	}
	joined.Store(true)
	if code, rep, body := readiness(t, base); code != http.StatusOK || !rep.OK {
		t.Fatalf("/readyz with the added check passing: %d\n%s", code, body)
	}
}
