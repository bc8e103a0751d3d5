package sqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// crashEnv names the database file the helper process appends to.
const crashEnv = "ACTORSTORE_SQLITE_CRASH_PATH"

// crashLine is one line the helper process prints: "try" before an
// AppendBatch with the IDs of each request, "ack" after it returned with the
// results.
type crashLine struct {
	Kind    string                    `json:"kind"`
	Seq     int                       `json:"seq"`
	Streams []string                  `json:"streams"`
	IDs     [][]uuid.UUID             `json:"ids"`
	Results []eventstore.AppendResult `json:"results,omitempty"`
}

// TestHelperProcessAppend is not a test: TestCrashDurability runs the test
// binary again with crashEnv set, and this appends until it is killed.
func TestHelperProcessAppend(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashDurability")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout) // os.Stdout is unbuffered: one write per line
	deadline := time.Now().Add(time.Minute)
	for seq := 0; time.Now().Before(deadline); seq++ {
		reqs := []eventstore.AppendRequest{ // one transaction of two streams
			{Stream: fmt.Sprintf("acct-%d", seq%3), Events: crashEvents(1 + seq%3), Group: 1},
			{Stream: fmt.Sprintf("log-%d", seq%2), Events: crashEvents(1 + seq%2), Group: 1},
		}
		line := crashLine{Kind: "try", Seq: seq}
		for _, r := range reqs {
			line.Streams = append(line.Streams, r.Stream)
			ids := make([]uuid.UUID, len(r.Events))
			for i, e := range r.Events {
				ids[i] = e.ID
			}
			line.IDs = append(line.IDs, ids)
		}
		_ = enc.Encode(line)
		res, err := st.AppendBatch(ctx, reqs)
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			fmt.Fprintln(os.Stderr, "append:", err, res)
			os.Exit(3)
		}
		line.Kind, line.Results = "ack", res
		_ = enc.Encode(line)
	}
	os.Exit(4) // not killed within a minute
}

func crashEvents(n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{ID: uuid.New(), Type: "Crash", Data: []byte(`{"payload":"` +
			"some bytes so that pages fill up" + `"}`)}
	}
	return out
}

// TestCrashDurability kills a process that appends (SIGKILL, no chance to
// close the store) and reopens the file, three times over: every append it
// acknowledged is there at the versions and positions it was told, no
// transaction is partially there, versions are contiguous and positions
// gapless. The kill comes right after the helper announced an append, so it
// usually lands inside a transaction.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	var tries, acks []crashLine
	for round := range 3 {
		tr, ac := runAndKill(t, path, 30+round*7)
		tries, acks = append(tries, tr...), append(acks, ac...)
		st := openStore(t, path)
		checkAcknowledged(t, st, acks)
		checkAllOrNothing(t, st, tries)
		checkContiguous(t, st)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// runAndKill starts the helper on path and kills it with SIGKILL once it
// announced its killAt-th append. It returns the lines the helper printed.
func runAndKill(t *testing.T, path string, killAt int) (tries, acks []crashLine) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessAppend$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	killed := false
	for sc.Scan() {
		var l crashLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			continue // a line cut short by the kill, or test framework output
		}
		if l.Kind == "try" {
			tries = append(tries, l)
		} else {
			acks = append(acks, l)
		}
		if len(tries) == killAt && !killed {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("helper process ended before it was killed: %v", werr)
	}
	t.Logf("helper acknowledged %d appends and started %d before SIGKILL (%v)", len(acks), len(tries), werr)
	return tries, acks
}

// checkAcknowledged checks that every acknowledged request is stored at the
// versions and positions the helper was told.
func checkAcknowledged(t *testing.T, st *sqlite.Store, acks []crashLine) {
	t.Helper()
	for _, a := range acks {
		for k, stream := range a.Streams {
			res := a.Results[k]
			got, err := st.ReadStream(context.Background(), eventstore.StreamRead{Stream: stream,
				From: res.FirstVersion, Limit: len(a.IDs[k])})
			if err != nil {
				t.Fatalf("acknowledged append %d to %q lost: %v", a.Seq, stream, err)
			}
			if len(got) != len(a.IDs[k]) {
				t.Fatalf("acknowledged append %d to %q: %d of %d events", a.Seq, stream, len(got), len(a.IDs[k]))
			}
			for i, e := range got {
				if e.ID != a.IDs[k][i] || e.Position != res.FirstPosition+uint64(i) {
					t.Fatalf("acknowledged append %d to %q: event %d is %s at %d, want %s at %d", a.Seq, stream, i,
						e.ID, e.Position, a.IDs[k][i], res.FirstPosition+uint64(i))
				}
			}
		}
	}
}

// checkAllOrNothing checks that each attempted transaction (both of its
// requests) is either wholly stored or not at all.
func checkAllOrNothing(t *testing.T, st *sqlite.Store, tries []crashLine) {
	t.Helper()
	for _, tr := range tries {
		stored, total := 0, 0
		for k, stream := range tr.Streams {
			got, err := st.LookupEvents(context.Background(), stream, tr.IDs[k])
			if err != nil {
				t.Fatal(err)
			}
			stored += len(got)
			total += len(tr.IDs[k])
		}
		if stored != 0 && stored != total {
			t.Fatalf("append %d is partially stored: %d of %d events", tr.Seq, stored, total)
		}
	}
}

// checkContiguous checks versions 1..n in every stream and positions 1..N.
func checkContiguous(t *testing.T, st *sqlite.Store) {
	t.Helper()
	all, err := st.ReadAll(context.Background(), eventstore.AllRead{Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]eventstore.Version{}
	for i, e := range all {
		if e.Position != uint64(i+1) {
			t.Fatalf("position %d at index %d: gap", e.Position, i)
		}
		next[e.Stream]++
		if e.Version != next[e.Stream] {
			t.Fatalf("stream %q: version %d, want %d", e.Stream, e.Version, next[e.Stream])
		}
	}
}
