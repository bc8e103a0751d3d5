package projections_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/projections"
)

// TestThreeProcessesOneRunner: three processes (this test binary
// re-executed, each an actorstore on one PostgreSQL database) run the same
// 4-partition counter projection while this process appends. The test
// reads the partitions' lease owners from the database: each partition is
// owned by one process, the partitions spread over all three; when the owner of partition 0 is SIGKILLed, another
// process takes it over (the time is logged: bounded by the 2 s lease TTL
// plus a poll) and the partition moves on. Three rounds, then every counter
// equals its stream's events.
func TestThreeProcessesOneRunner(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process")
	}
	ctx := context.Background()
	url := pgtest.Server(t).NewDatabase(t)
	cfg := actorstore.Config{PostgresURL: url}
	children := make([]*exec.Cmd, 3)
	start := func(i int) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
		cmd.Env = append(os.Environ(), killChildEnv+"=postgres:"+url, fmt.Sprintf("%s=node%d", childOwnerEnv, i))
		log, err := os.Create(filepath.Join(t.TempDir(), "child.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children[i] = cmd
	}
	for i := range children {
		start(i)
	}
	defer func() {
		for _, c := range children {
			_ = c.Process.Signal(syscall.SIGKILL)
			_ = c.Wait()
		}
	}()
	s, err := actorstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			_, _ = s.Append(ctx, fmt.Sprintf("k-%d", i%killStreams), eventstore.Any(),
				eventstore.EventData{ID: uuid.New(), Type: "inc", ContentType: "application/json", Data: []byte(`{}`)})
		}
	}()
	owners := func() []projections.PartitionStatus {
		st, err := s.ProjectionStatus(ctx, "kill")
		if err != nil || len(st) == 0 {
			return nil
		}
		return st[0].Parts
	}
	waitFor := func(what string, cond func([]projections.PartitionStatus) bool) {
		deadline := time.Now().Add(60 * time.Second)
		for ps := owners(); ps == nil || !cond(ps); ps = owners() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, ps)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("every partition owned, spread over the three processes", func(ps []projections.PartitionStatus) bool {
		owners := map[string]int{}
		for _, p := range ps {
			if !p.Owned {
				return false
			}
			owners[p.Owner]++
		}
		return len(owners) == 3
	})
	for round := range 3 {
		p0 := owners()[0]
		var victim int
		if _, err := fmt.Sscanf(p0.Owner, "node%d", &victim); err != nil {
			t.Fatalf("owner %q", p0.Owner)
		}
		killed := time.Now()
		_ = children[victim].Process.Signal(syscall.SIGKILL)
		_ = children[victim].Wait()
		waitFor("another process to take partition 0 over and move it on", func(ps []projections.PartitionStatus) bool {
			return ps[0].Owned && ps[0].Owner != p0.Owner && ps[0].Position > p0.Position
		})
		t.Logf("round %d: node%d killed; partition 0 taken over by %s and moved on after %v",
			round, victim, owners()[0].Owner, time.Since(killed).Round(time.Millisecond))
		start(victim)
	}
	stop.Store(true)
	wg.Wait()
	head, err := s.ReadAll(ctx, eventstore.AllRead{From: 1, Limit: 1})
	if err != nil || len(head) == 0 {
		t.Fatalf("no events: %v", err)
	}
	waitFor("the projection to catch up", func(ps []projections.PartitionStatus) bool {
		st, err := s.ProjectionStatus(ctx, "kill")
		return err == nil && st[0].Position >= st[0].Head
	})
	for _, c := range children {
		_ = c.Process.Signal(syscall.SIGKILL)
		_ = c.Wait()
	}
	want := map[string]int64{}
	for from := eventstore.Position(1); ; {
		evs, err := s.ReadAll(ctx, eventstore.AllRead{From: from, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			want[e.Stream]++
			from = e.Position + 1
		}
		if len(evs) < 1000 {
			break
		}
	}
	got := projections.CountsOf(t, openDB(t, cfg), "kill_counts")
	var total int64
	for k, n := range want {
		total += n
		if got[k] != n {
			t.Errorf("counter %s = %d, want %d", k, got[k], n)
		}
	}
	t.Logf("%d events in %d streams counted exactly once across 3 takeovers", total, len(want))
}
