package main

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/projections"
)

// TestProjectionsCommand: `actorstore projections` against an embedded
// store's directory lists a projection with its position, head and parked
// count, lists the parked event, skips it, refuses to rebuild the live
// version, resets it to 0, and answers an unknown name with exit status 2.
func TestProjectionsCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, actorstore.EmbeddedFileName)})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"ok", "poison", "ok"} {
		if _, err := db.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "s-1", Expected: eventstore.Any(),
			Events: []eventstore.EventData{{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}}}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := projections.Run(ctx, db, projections.Projection{Name: "totals", OnFailure: projections.SkipAndPark,
		Retry: persistence.RetryPolicy{MaxAttempts: 1}, PollInterval: 10 * time.Millisecond,
		HandleAtLeastOnce: func(_ context.Context, evs []eventstore.RecordedEvent) error {
			for _, e := range evs {
				if e.Type == "poison" {
					return errors.New("cannot total a poison")
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st, err := projections.StatusOf(ctx, db, "totals")
		if err != nil {
			t.Fatal(err)
		}
		if st[0].Position == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("projection stuck: %+v", st)
		}
	}
	_ = r.Close()
	_ = db.Close()

	bin := buildBinary(t)
	cli := func(args ...string) (string, int) {
		out, err := exec.Command(bin, append([]string{"projections"}, args...)...).CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	status := func() projections.Status {
		out, code := cli("status", "totals", "--db", dir, "--json")
		var st []projections.Status
		if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || len(st) != 1 {
			t.Fatalf("status: %d %v %s", code, err, out)
		}
		return st[0]
	}
	if st := status(); st.Position != 3 || st.Head != 3 || st.Parked != 1 || !st.Live || st.Version != 1 ||
		!strings.Contains(st.LastError, "poison") {
		t.Fatalf("status %+v", st)
	}
	if out, code := cli("list", "--db", dir); code != 0 || !strings.Contains(out, "totals") || !strings.Contains(out, "LAG SECONDS") {
		t.Fatalf("list: %d %s", code, out)
	}
	if out, code := cli("parked", "totals", "--version", "1", "--db", dir); code != 0 || !strings.Contains(out, "poison") {
		t.Fatalf("parked: %d %s", code, out)
	}
	if out, code := cli("skip", "totals", "--version", "1", "--position", "2", "--db", dir); code != 0 {
		t.Fatalf("skip: %d %s", code, out)
	}
	if st := status(); st.Parked != 0 {
		t.Fatalf("after skip %+v", st)
	}
	if out, code := cli("rebuild", "totals", "--version", "1", "--db", dir); code != 2 || !strings.Contains(out, "live") {
		t.Fatalf("rebuild of the live version: %d %s", code, out)
	}
	if out, code := cli("reset", "totals", "--version", "1", "--db", dir); code != 0 {
		t.Fatalf("reset: %d %s", code, out)
	}
	if st := status(); st.Position != 0 || st.LagEvents != 3 {
		t.Fatalf("after reset %+v", st)
	}
	if out, code := cli("status", "nothing", "--db", dir); code != 2 || !strings.Contains(out, "not found") {
		t.Fatalf("unknown projection: %d %s", code, out)
	}
}
