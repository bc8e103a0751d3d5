package main

import (
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/cmd/actorstore/internal/bench"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/google/uuid"
)

// shortBench are flags that keep every scenario to about a second.
var shortBench = []string{"--duration", "1s", "--sample", "250ms", "--writers", "8",
	"--catchup-events", "2000", "--page-size", "500", "--subscribers", "4", "--fanout-writers", "4",
	"--tx-pool", "50", "--tx-conns", "4", "--no-progress"}

// runCLI runs the actorstore command in this process.
func runCLI(t *testing.T, args ...string) error {
	t.Helper()
	return newApp().Run(context.Background(), append([]string{"actorstore"}, args...))
}

// readReport decodes a --json file.
func readReport(t *testing.T, path string) *bench.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := bench.ReadReport(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// checkReport asserts every scenario ran without errors and that the
// counts agree with each other: samples sum to the totals, fan-out
// delivered every written event to every subscriber, and the events all
// scenarios wrote are exactly the store's last position.
func checkReport(t *testing.T, rep *bench.Report, lastPosition uint64) {
	t.Helper()
	var names []string
	for _, res := range rep.Results {
		names = append(names, res.Name)
		if res.Ops == 0 || res.Errors != 0 || res.Rate <= 0 {
			t.Errorf("%s: ops %d, errors %d, rate %g", res.Name, res.Ops, res.Errors, res.Rate)
		}
		var ops, events int64
		for _, s := range res.Samples {
			ops, events = ops+s.Ops, events+s.Events
		}
		if ops != res.Ops {
			t.Errorf("%s: samples hold %d calls, total %d", res.Name, ops, res.Ops)
		}
		switch res.Name {
		case bench.Writers, bench.Hot, bench.Transact:
			if events != res.Events {
				t.Errorf("%s: samples hold %d events, total written %d", res.Name, events, res.Events)
			}
		case bench.CatchUp:
			if res.Preloaded != int64(rep.Config.CatchUpEvents) || events != res.Read {
				t.Errorf("catchup: preloaded %d, read %d, samples %d", res.Preloaded, res.Read, events)
			}
		case bench.FanOut:
			if res.Read != res.Events*int64(rep.Config.Subscribers) || events != res.Read {
				t.Errorf("fanout: %d written to %d subscribers, %d delivered (samples %d)",
					res.Events, rep.Config.Subscribers, res.Read, events)
			}
		}
		var histogram int64
		for _, b := range res.Histogram {
			histogram += b.Count
		}
		if histogram != res.Latency.Count() {
			t.Errorf("%s: histogram holds %d latencies, want %d", res.Name, histogram, res.Latency.Count())
		}
	}
	if !slices.Equal(names, bench.AllScenarios) {
		t.Errorf("scenarios in the report: %v, want %v", names, bench.AllScenarios)
	}
	if got := rep.WrittenEvents(); uint64(got) != lastPosition {
		t.Errorf("the report counts %d written events, the store's last position is %d", got, lastPosition)
	}
}

func TestBenchEmbeddedRunsEveryScenarioAndCountsMatchTheStore(t *testing.T) {
	t.Parallel()
	dir, out := t.TempDir(), filepath.Join(t.TempDir(), "results.json")
	if err := runCLI(t, append([]string{"bench", "--data-dir", dir, "--json", out}, shortBench...)...); err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, out)
	if rep.Target != "embedded" {
		t.Fatalf("target %q", rep.Target)
	}
	checkBaselines(t, rep, bench.BaselineSQLiteGroupCommit)
	if left, _ := filepath.Glob(filepath.Join(dir, "bench-baseline-*")); len(left) > 0 {
		t.Errorf("the SQLite baseline left its files behind: %v", left)
	}
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(dir, actorstore.EmbeddedFileName)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkReport(t, rep, lastPosition(t, st))
}

func TestBenchPostgresRunsEveryScenarioWithBaselines(t *testing.T) {
	t.Parallel()
	url := pgtest.Server(t).NewDatabase(t)
	out := filepath.Join(t.TempDir(), "results.json")
	if err := runCLI(t, append([]string{"bench", "--postgres-url", url, "--json", out}, shortBench...)...); err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, out)
	checkBaselines(t, rep, bench.BaselineGroupCommit, bench.BaselineTxPerEvent)
	ctx := context.Background()
	st, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkReport(t, rep, lastPosition(t, st))
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname LIKE 'bench_baseline%'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d baseline tables or sequences left behind", left)
	}
}

func lastPosition(t *testing.T, st persistence.Store) uint64 {
	t.Helper()
	p, err := st.LastPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBenchChartWritesSVGAndPNG(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "results.json")
	args := append([]string{"bench", "--data-dir", filepath.Join(dir, "data"), "--json", out,
		"--scenario", "writers,hot"}, shortBench...)
	if err := runCLI(t, args...); err != nil {
		t.Fatal(err)
	}
	svgPath, pngPath := filepath.Join(dir, "latency.svg"), filepath.Join(dir, "latency.png")
	for _, p := range []string{svgPath, pngPath} {
		if err := runCLI(t, "bench", "chart", "--in", out, "--out", p); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
	}
	if err := xml.Unmarshal(b, &root); err != nil || root.XMLName.Local != "svg" {
		t.Fatalf("not an SVG document: %v (root %q)", err, root.XMLName.Local)
	}
	for _, want := range []string{"writers", "hot", "Latency histogram"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("SVG does not mention %q", want)
		}
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 500 || r.Dy() < 500 {
		t.Errorf("PNG is %dx%d", r.Dx(), r.Dy())
	}
}

func TestBenchBadFlagsAreUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"bench", "--scenario", "nope", "--data-dir", dir},
		{"bench", "--postgres-url", "postgres://x/y", "--node", "127.0.0.1:1"},
		{"bench", "--read-ratio", "2", "--data-dir", dir},
		{"bench", "chart", "--in", filepath.Join(dir, "missing.json"), "--out", filepath.Join(dir, "x.svg")},
		{"bench", "chart", "--in", filepath.Join(dir, "missing.json"), "--out", filepath.Join(dir, "x.gif")},
	} {
		err := runCLI(t, args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: want a usage error, got %v", args, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.svg")); err == nil {
		t.Error("chart wrote an image although its input was missing")
	}
}

// TestBenchNodeRunsEveryScenarioThroughTheClient runs the bench against
// `actorstore serve` (a separate process) and checks the counts against
// the node's last position.
func TestBenchNodeRunsEveryScenarioThroughTheClient(t *testing.T) {
	t.Parallel()
	addr := startServe(t, buildBinary(t))
	out := filepath.Join(t.TempDir(), "results.json")
	if err := runCLI(t, append([]string{"bench", "--node", addr, "--json", out}, shortBench...)...); err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, out)
	if rep.Target != "node" {
		t.Fatalf("target %q", rep.Target)
	}
	checkBaselines(t, rep, bench.BaselineRemoteRequest)
	ctx := context.Background()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	evs, err := c.ReadAll(ctx, eventstore.AllRead{From: eventstore.End, Direction: eventstore.Backward, Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("read the node's last event: %v (%d events)", err, len(evs))
	}
	checkReport(t, rep, evs[0].Position)
}

// checkBaselines checks that the report has the baselines want, in that
// order, each with events and no errors, and that every writing scenario
// has its ratio to each (the read scenarios none).
func checkBaselines(t *testing.T, rep *bench.Report, want ...string) {
	t.Helper()
	var names []string
	for _, b := range rep.Baselines {
		names = append(names, b.Name)
		if b.Events == 0 || b.Errors != 0 || b.Rate <= 0 {
			t.Errorf("baseline %s: %d events, %d errors (%s)", b.Name, b.Events, b.Errors, b.FirstError)
		}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("baselines %v, want %v", names, want)
	}
	for _, res := range rep.Results {
		reads := res.Name == bench.CatchUp || res.Name == bench.FanOut
		if reads && res.Ratios != nil || !reads && (len(res.Ratios) != len(want) || res.Ratios[want[0]] <= 0) {
			t.Errorf("%s: ratios %v", res.Name, res.Ratios)
		}
	}
}

func TestBenchWritesACPUProfile(t *testing.T) {
	t.Parallel()
	prof := filepath.Join(t.TempDir(), "cpu.out")
	args := append([]string{"bench", "--data-dir", t.TempDir(), "--scenario", "writers", "--baselines=false",
		"--cpuprofile", prof}, shortBench...)
	if err := runCLI(t, args...); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	// A pprof profile is a gzipped protobuf.
	if len(b) < 100 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("%s is not a CPU profile (%d bytes)", prof, len(b))
	}
}

// TestBenchGrowthScenario runs the growth scenario's wiring with 3,000
// preloaded events on both backends (the measured run preloads ten million,
// docs/benchmarks.md): two writers phases around the preload, the preload
// counted, and every event the report counts is in the store.
func TestBenchGrowthScenario(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"embedded", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir, url := t.TempDir(), ""
			target := []string{"--data-dir", dir, "--event-ids", "time-ordered"}
			if backend == "postgres" {
				url = pgtest.Server(t).NewDatabase(t)
				target = []string{"--postgres-url", url}
			}
			out := filepath.Join(t.TempDir(), "results.json")
			args := slices.Concat([]string{"bench", "--scenario", "growth", "--growth-events", "3000",
				"--baselines=false", "--json", out}, target, shortBench)
			if err := runCLI(t, args...); err != nil {
				t.Fatal(err)
			}
			rep := readReport(t, out)
			if len(rep.Results) != 2 || rep.Results[0].Name != bench.GrowthEmpty || rep.Results[1].Name != bench.GrowthPreloaded {
				t.Fatalf("results %+v", rep.Results)
			}
			for _, res := range rep.Results {
				if res.Ops == 0 || res.Errors != 0 || res.Events == 0 {
					t.Errorf("%s: ops %d, errors %d, events %d", res.Name, res.Ops, res.Errors, res.Events)
				}
			}
			if got := rep.Results[1].Preloaded; got != 3000 {
				t.Errorf("preloaded %d events, want 3000", got)
			}
			if !strings.Contains(rep.Results[1].Note, "the rate of "+bench.GrowthEmpty) {
				t.Errorf("note %q", rep.Results[1].Note)
			}
			var st persistence.Store
			var err error
			if url != "" {
				st, err = postgres.Open(context.Background(), postgres.Config{URL: url})
			} else {
				st, err = sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(dir, actorstore.EmbeddedFileName)})
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if got, want := lastPosition(t, st), uint64(rep.WrittenEvents()); got != want {
				t.Errorf("the store's last position is %d, the report counts %d events", got, want)
			}
			// The writers' event IDs are of the kind asked for (the
			// embedded run asks for time-ordered ones).
			newest, err := st.ReadAll(context.Background(), eventstore.AllRead{From: eventstore.End,
				Direction: eventstore.Backward, Limit: 1})
			if err != nil || len(newest) != 1 {
				t.Fatalf("newest event: %v %v", newest, err)
			}
			if want := map[string]uuid.Version{"embedded": 7, "postgres": 4}[backend]; newest[0].ID.Version() != want {
				t.Errorf("event ID %s is version %d, want %d", newest[0].ID, newest[0].ID.Version(), want)
			}
		})
	}
}

// TestBenchCheckpointsBeforeEachPhase: on PostgreSQL every measured phase
// (two baselines and a scenario here) starts right after a CHECKPOINT, so
// the server counts at least one requested checkpoint per phase; without
// the right to checkpoint, or with --checkpoint=false, the run still
// measures, and a refusal is a note in the report and on the table. Not
// parallel: the server's checkpoint count is shared by the package's
// tests, and the parallel ones run after this one.
func TestBenchCheckpointsBeforeEachPhase(t *testing.T) {
	srv := pgtest.Server(t)
	ctx := context.Background()
	checkpoints := func() int64 {
		t.Helper()
		conn, err := pgx.Connect(ctx, srv.AdminURL())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int64
		if err := conn.QueryRow(ctx, `SELECT checkpoints_req FROM pg_stat_bgwriter`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bench1 := func(url string, extra ...string) *bench.Report {
		t.Helper()
		out := filepath.Join(t.TempDir(), "results.json")
		args := append([]string{"bench", "--postgres-url", url, "--scenario", "writers", "--json", out}, extra...)
		if err := runCLI(t, append(args, shortBench...)...); err != nil {
			t.Fatal(err)
		}
		return readReport(t, out)
	}
	phases := func(rep *bench.Report) []bench.Result { return slices.Concat(rep.Baselines, rep.Results) }

	before := checkpoints()
	rep := bench1(srv.NewDatabase(t))
	if got := checkpoints() - before; got < 3 {
		t.Errorf("%d checkpoints requested during a run of three phases, want at least 3", got)
	}
	for _, p := range phases(rep) {
		if !p.Checkpointed {
			t.Errorf("%s: not marked as started after a checkpoint", p.Name)
		}
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes: %q", rep.Notes)
	}

	before = checkpoints()
	rep = bench1(srv.NewDatabase(t), "--checkpoint=false")
	if got := checkpoints() - before; got != 0 {
		t.Errorf("--checkpoint=false: %d checkpoints requested", got)
	}
	for _, p := range phases(rep) {
		if p.Checkpointed {
			t.Errorf("--checkpoint=false: %s marked as checkpointed", p.Name)
		}
	}

	// A role that owns its database but may not checkpoint.
	url := srv.NewDatabase(t)
	u, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	role := "bench_nockpt_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if err := srv.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD 'pw'"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{u.Database}.Sanitize()+" OWNER TO "+role); err != nil {
		t.Fatal(err)
	}
	limited := strings.Replace(url, "//"+u.User+":"+srv.Password()+"@", "//"+role+":pw@", 1)
	if limited == url {
		t.Fatalf("could not put the role into %s", url)
	}
	before = checkpoints()
	rep = bench1(limited, "--baselines=false")
	if got := checkpoints() - before; got != 0 {
		t.Errorf("refused: %d checkpoints requested", got)
	}
	if len(rep.Results) != 1 || rep.Results[0].Checkpointed || rep.Results[0].Ops == 0 {
		t.Errorf("refused: results %+v", rep.Results)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "no CHECKPOINT") {
		t.Errorf("refused: notes %q, want one saying no CHECKPOINT", rep.Notes)
	}
}
