package actorstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// Environment of the helper process of TestEntityCrash: the data directory
// or the PostgreSQL URL of the store it executes commands on.
const (
	entityCrashDir = "ACTORSTORE_ENTITY_CRASH_DIR"
	entityCrashURL = "ACTORSTORE_ENTITY_CRASH_URL"
)

// entityAck is what the helper prints after each acknowledged command.
type entityAck struct {
	Stream  string `json:"stream"`
	Amount  int    `json:"amount"`
	Version uint64 `json:"version"`
	Balance int    `json:"balance"`
}

func crashConfig() (actorstore.Config, bool) {
	if url := os.Getenv(entityCrashURL); url != "" {
		return actorstore.Config{PostgresURL: url}, true
	}
	if dir := os.Getenv(entityCrashDir); dir != "" {
		return actorstore.Config{DataDir: dir}, true
	}
	return actorstore.Config{}, false
}

// TestHelperProcessEntities is not a test: TestEntityCrash runs the test
// binary again with the environment above, and this executes commands on
// three entities (snapshots every 5 events) until it is killed.
func TestHelperProcessEntities(t *testing.T) {
	cfg, ok := crashConfig()
	if !ok {
		t.Skip("helper process for TestEntityCrash")
	}
	ctx := context.Background()
	st, err := actorstore.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	k, err := actorstore.Register(st, accounts(actorstore.SnapshotPolicy{Every: 5}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "register:", err)
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout) // unbuffered: one write per line
	deadline := time.Now().Add(time.Minute)
	for seq := 1; time.Now().Before(deadline); seq++ {
		stream := k.Stream(fmt.Sprint(seq % 3))
		bal, res, err := k.Exec(ctx, stream, deposit{seq})
		if err != nil {
			fmt.Fprintln(os.Stderr, "execute:", err)
			os.Exit(3)
		}
		_ = enc.Encode(entityAck{Stream: stream, Amount: seq, Version: res.LastVersion, Balance: bal})
	}
	os.Exit(4) // not killed within a minute
}

// TestEntityCrash kills (SIGKILL) a process executing commands on
// entities, three times, each time after a different number of
// acknowledged commands, and reopens the store: every acknowledged
// command's event is stored at the version it was acknowledged with, the
// balance it replied is the fold of the stream up to there, and the
// recovered entity (from its snapshot and the events after it) has the
// state of the fold of the whole stream and takes the next command. On
// SQLite and PostgreSQL.
func TestEntityCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		entityCrashRounds(t, entityCrashDir+"="+dir, actorstore.Config{DataDir: dir})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Server(t).NewDatabase(t)
		entityCrashRounds(t, entityCrashURL+"="+url, actorstore.Config{PostgresURL: url})
	})
}

func entityCrashRounds(t *testing.T, env string, cfg actorstore.Config) {
	var acks []entityAck
	for round := range 3 {
		acks = append(acks, runEntitiesAndKill(t, env, 20+round*9)...)
		st := openStore(t, cfg)
		k := register(t, st, accounts(actorstore.SnapshotPolicy{Every: 5}))
		for _, a := range acks {
			evs, err := st.ReadStream(context.Background(), actorstore.StreamRead{Stream: a.Stream, Limit: int(a.Version)})
			if err != nil || len(evs) != int(a.Version) {
				t.Fatalf("acknowledged command on %s at version %d: %d events stored, %v", a.Stream, a.Version, len(evs), err)
			}
			var want account
			for _, e := range evs {
				want = foldAccount(want, e)
			}
			if want.Balance != a.Balance || string(evs[len(evs)-1].Data) != fmt.Sprintf(`{"N":%d}`, a.Amount) {
				t.Fatalf("acknowledged deposit of %d on %s at %d: stored %s, fold %d, replied %d",
					a.Amount, a.Stream, a.Version, evs[len(evs)-1].Data, want.Balance, a.Balance)
			}
		}
		for i := range 3 {
			s := k.Stream(fmt.Sprint(i))
			before := wantState(t, st, k, s)
			if got := execOK(t, k, s, deposit{1}); got != before.Balance+1 {
				t.Fatalf("%s after the crash: balance %d, want %d", s, got, before.Balance+1)
			}
		}
		if st.EntityStats().SnapshotsLoaded == 0 {
			t.Fatalf("no entity was recovered from a snapshot: %+v", st.EntityStats())
		}
		if err := st.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// runEntitiesAndKill runs the helper and kills it with SIGKILL after its
// killAt-th acknowledged command; it returns the acknowledgements.
func runEntitiesAndKill(t *testing.T, env string, killAt int) []entityAck {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessEntities$", "-test.count=1")
	cmd.Env = append(os.Environ(), env)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []entityAck
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		var a entityAck
		if json.Unmarshal(sc.Bytes(), &a) != nil || a.Stream == "" {
			continue // test framework output, or a line cut by the kill
		}
		acks = append(acks, a)
		if len(acks) == killAt && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("helper ended before it was killed: %v", werr)
	}
	t.Logf("killed after %d acknowledged commands (%v)", len(acks), werr)
	return acks
}
