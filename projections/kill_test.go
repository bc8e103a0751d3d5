package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/projections"
)

// Environment of the kill test: the child's store, and the long mode.
const (
	killChildEnv  = "ACTORSTORE_PROJECTION_KILL_CHILD"  // "postgres:URL" or "sqlite:DIR" in the child
	killRoundsEnv = "ACTORSTORE_PROJECTION_KILL_ROUNDS" // rounds (default 10; long mode: 100)
	childOwnerEnv = "ACTORSTORE_PROJECTION_CHILD_OWNER" // the child's lease owner; no writers when set
)

const (
	killStreams    = 24
	killPartitions = 4
)

// TestKill9ExactlyOnce: a child process (this test binary re-executed) runs
// a 4-partition projection that increments a counter per stream in the
// store's own database while its writers append; it is killed with
// SIGKILL at random points, round after round, and restarted. At the end
// each counter equals the number of its stream's events exactly: no
// effect lost, none applied twice. Both backends.
func TestKill9ExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 rounds are not short")
	}
	rounds := 10
	if s := os.Getenv(killRoundsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", killRoundsEnv, s)
		}
		rounds = n
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		killRounds(t, "sqlite:"+dir, actorstore.Config{DataDir: dir}, rounds)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Server(t).NewDatabase(t)
		killRounds(t, "postgres:"+url, actorstore.Config{PostgresURL: url}, rounds)
	})
}

func killRounds(t *testing.T, target string, cfg actorstore.Config, rounds int) {
	ctx := context.Background()
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v")
		cmd.Env = append(os.Environ(), killChildEnv+"="+target)
		out, err := os.Create(filepath.Join(t.TempDir(), "child.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond) // a random point
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		_ = out.Close()
		if round == 0 {
			log, _ := os.ReadFile(out.Name())
			t.Logf("first child's output:\n%s", log)
		}
	}
	// Restart once more, here, and let the projection catch up.
	s, err := actorstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, err := s.RunProjection(ctx, killProjection()); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	var from eventstore.Position = 1
	for {
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
	if len(want) < killStreams/2 {
		t.Fatalf("the writers appended to %d streams only: %v", len(want), want)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := s.ProjectionStatus(ctx, "kill")
		if err != nil {
			t.Fatal(err)
		}
		if st[0].Position >= st[0].Head {
			t.Logf("%d rounds, %d streams; status: handled %d, position %d of %d",
				rounds, len(want), st[0].Handled, st[0].Position, st[0].Head)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the projection did not catch up: %+v", st[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := projections.CountsOf(t, openDB(t, cfg), "kill_counts")
	total := int64(0)
	for k, n := range want {
		total += n
		if got[k] != n {
			t.Errorf("counter %s = %d, want %d events", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d counters for %d streams", len(got), len(want))
	}
	t.Logf("%d events checked", total)
}

// openDB opens the store of cfg at the persistence level.
func openDB(t *testing.T, cfg actorstore.Config) persistence.Store {
	var (
		db  persistence.Store
		err error
	)
	if cfg.PostgresURL != "" {
		db, err = postgres.Open(context.Background(), postgres.Config{URL: cfg.PostgresURL})
	} else {
		db, err = sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(cfg.DataDir, actorstore.EmbeddedFileName)})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func killProjection() actorstore.Projection {
	return actorstore.Projection{Name: "kill", Partitions: killPartitions, BatchSize: 50, Owner: os.Getenv(childOwnerEnv),
		Filter: eventstore.Filter{StreamPrefix: "k-"}, LeaseTTL: 500 * time.Millisecond,
		PollInterval: 20 * time.Millisecond,
		Handle: func(ctx context.Context, tx actorstore.ProjectionTx, evs []eventstore.RecordedEvent) error {
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS kill_counts (k text PRIMARY KEY, n bigint NOT NULL)`); err != nil {
				return err
			}
			for _, e := range evs {
				if _, err := tx.Exec(ctx, `INSERT INTO kill_counts (k, n) VALUES ($1, 1)
					ON CONFLICT (k) DO UPDATE SET n = kill_counts.n + 1`, e.Stream); err != nil {
					return err
				}
			}
			return nil
		}}
}

// TestKillChild is the child of TestKill9ExactlyOnce: it runs until killed.
func TestKillChild(t *testing.T) {
	target := os.Getenv(killChildEnv)
	if target == "" {
		t.Skip("the child of TestKill9ExactlyOnce")
	}
	ctx := context.Background()
	cfg := actorstore.Config{}
	if url, ok := strings.CutPrefix(target, "postgres:"); ok {
		cfg.PostgresURL = url
	} else if dir, ok := strings.CutPrefix(target, "sqlite:"); ok {
		cfg.DataDir = dir
	}
	var s *actorstore.Store
	var err error
	for range 200 { // the previous child's file lock goes with its process
		if s, err = actorstore.Open(ctx, cfg); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := killProjection()
	if p.Owner != "" {
		p.LeaseTTL = 2 * time.Second
	}
	if _, err := s.RunProjection(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Owner != "" {
		fmt.Println("child: projection running as", p.Owner)
		select {} // until killed
	}
	fmt.Println("child: projection running; writers start")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				stream := fmt.Sprintf("k-%d", (w*7+i)%killStreams)
				_, _ = s.Append(ctx, stream, eventstore.Any(),
					eventstore.EventData{ID: uuid.New(), Type: "inc", ContentType: "application/json", Data: []byte(`{}`)})
			}
		}()
	}
	wg.Wait()
}
