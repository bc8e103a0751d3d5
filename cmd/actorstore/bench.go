package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/cmd/actorstore/internal/bench"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure appends, reads and subscriptions (embedded store, PostgreSQL or a node), with raw baselines",
		Description: "Runs the scenarios " + strings.Join(bench.AllScenarios, ", ") + " one after another\n" +
			"(and growth when named: writers on the store, then --growth-events written straight into its tables,\n" +
			"then writers again; run it alone on a new --data-dir or database).\n" +
			"It first measures raw baselines of the same target and prints every result's ratio to them:\n" +
			"with --postgres-url two raw pgx ones on the same database (a group-commit harness and one\n" +
			"transaction per event); on the embedded store the same group commit on a SQLite file with the\n" +
			"store's schema and settings; with --node raw request/reply round trips to the node's API actor.\n" +
			"Example: actorstore bench --postgres-url postgres://localhost/bench --duration 10s --json results.json",
		ArgsUsage: " ",
		Flags:     benchFlags(),
		Action:    runBench,
		Commands:  []*cli.Command{chartCommand()},
	}
}

func benchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "postgres-url", Usage: "measure this PostgreSQL database"},
		&cli.StringFlag{Name: "node", Usage: "measure a running node at host:port, through the client"},
		&cli.StringFlag{Name: "data-dir", Usage: "embedded store directory (default: a temporary one, removed afterwards)"},
		&cli.StringSliceFlag{Name: "scenario", Usage: "scenarios to run (repeatable or comma-separated; default all): " +
			strings.Join(bench.AllScenarios, ", ")},
		&cli.DurationFlag{Name: "duration", Value: bench.DefaultDuration, Usage: "measured time of each scenario and baseline"},
		&cli.IntFlag{Name: "writers", Value: bench.DefaultWriters, Usage: "concurrent callers (writers, hot, mixed, transact, group-commit baseline)"},
		&cli.IntFlag{Name: "event-size", Value: bench.DefaultEventSize, Usage: "payload bytes per event"},
		&cli.IntFlag{Name: "hot-streams", Value: bench.DefaultHotStreams, Usage: "streams the hot scenario's writers share"},
		&cli.FloatFlag{Name: "read-ratio", Value: bench.DefaultReadRatio, Usage: "share of reads in the mixed scenario"},
		&cli.IntFlag{Name: "catchup-events", Value: bench.DefaultCatchUpEvents, Usage: "events preloaded for the catch-up read"},
		&cli.IntFlag{Name: "page-size", Value: bench.DefaultPageSize, Usage: "events per catch-up read"},
		&cli.IntFlag{Name: "subscribers", Value: bench.DefaultSubscribers, Usage: "live subscribers of the fanout scenario"},
		&cli.IntFlag{Name: "fanout-writers", Value: bench.DefaultFanOutWriters, Usage: "writers feeding the fanout subscribers"},
		&cli.IntFlag{Name: "tx-streams", Value: bench.DefaultTxStreams, Usage: "streams per transaction"},
		&cli.IntFlag{Name: "tx-pool", Value: bench.DefaultTxPool, Usage: "streams the transactions draw from"},
		&cli.IntFlag{Name: "tx-conns", Value: bench.DefaultTxConns, Usage: "connections of the one-transaction-per-event baseline"},
		&cli.IntFlag{Name: "growth-events", Value: bench.DefaultGrowthEvents, Usage: "events the growth scenario writes " +
			"straight into the store between its two measured phases (growth runs only when named)"},
		&cli.StringFlag{Name: "event-ids", Value: bench.EventIDsRandom, Usage: "event IDs of every scenario and baseline: " +
			bench.EventIDsRandom + " (UUID v4) or " + bench.EventIDsTimeOrdered + " (UUID v7)"},
		&cli.IntFlag{Name: "max-append-batch", Usage: "with --node: appends the client coalesces into one message " +
			"while another is in flight (0: the client's default, 16; 1: every append alone)"},
		&cli.BoolFlag{Name: "baselines", Value: true, Usage: "run the target's raw baselines first"},
		&cli.BoolFlag{Name: "checkpoint", Value: true, Usage: "with --postgres-url: run CHECKPOINT before each measured " +
			"phase, so that no phase pays for the WAL of the ones before it (needs a superuser or the role pg_checkpoint; " +
			"when refused the run goes on without, and says so)"},
		&cli.DurationFlag{Name: "sample", Value: bench.DefaultSample, Usage: "interval of the latency-over-time samples"},
		&cli.StringFlag{Name: "json", Usage: "write the raw results (summaries, samples, histograms) to this file"},
		&cli.BoolFlag{Name: "no-progress", Usage: "no progress bar (there is none when stderr is not a terminal)"},
		&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the whole run (this process) to this file, for go tool pprof"},
	}
}

func benchConfig(cmd *cli.Command) bench.Config {
	scenarios := splitList(cmd.StringSlice("scenario"))
	return bench.Config{
		PostgresURL: cmd.String("postgres-url"), Node: cmd.String("node"), DataDir: cmd.String("data-dir"),
		Scenarios: scenarios, Duration: cmd.Duration("duration"), Writers: cmd.Int("writers"),
		EventSize: cmd.Int("event-size"), HotStreams: cmd.Int("hot-streams"), ReadRatio: cmd.Float("read-ratio"),
		CatchUpEvents: cmd.Int("catchup-events"), PageSize: cmd.Int("page-size"),
		Subscribers: cmd.Int("subscribers"), FanOutWriters: cmd.Int("fanout-writers"),
		TxStreams: cmd.Int("tx-streams"), TxPool: cmd.Int("tx-pool"), TxConns: cmd.Int("tx-conns"),
		Baselines: cmd.Bool("baselines"), NoCheckpoint: !cmd.Bool("checkpoint"), GrowthEvents: cmd.Int("growth-events"),
		EventIDs: cmd.String("event-ids"), MaxAppendBatch: cmd.Int("max-append-batch"),
		Sample: cmd.Duration("sample"),
	}
}

func runBench(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() > 0 {
		return usageErrorf("bench takes no arguments, got %q", cmd.Args().Slice())
	}
	c := benchConfig(cmd)
	if err := c.WithDefaults().Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	// Fail on an unwritable --json before measuring for minutes.
	var out *os.File
	if path := cmd.String("json"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return usageErrorf("--json: %v", err)
		}
		defer f.Close()
		out = f
	}
	if !cmd.Bool("no-progress") && isatty.IsTerminal(stderr.Fd()) {
		bar := progressbar.NewOptions(1000, progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
		c.Progress = func(name string, done float64) {
			bar.Describe(fmt.Sprintf("%-18s", name))
			bar.Set(int(done * 1000))
		}
		defer bar.Finish()
	}
	stopProfile, err := startCPUProfile(cmd.String("cpuprofile"))
	if err != nil {
		return usageErrorf("--cpuprofile: %v", err)
	}
	rep, err := bench.Run(ctx, c)
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	if rep != nil {
		if terr := rep.WriteTable(os.Stdout); terr != nil && err == nil {
			err = terr
		}
		if out != nil {
			if jerr := rep.WriteJSON(out); jerr != nil {
				err = errors.Join(err, jerr)
			} else if cerr := out.Close(); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
	}
	var ce *bench.ConfigError
	if errors.As(err, &ce) {
		return usageErrorf("%v", err)
	}
	return err
}

// startCPUProfile starts a CPU profile into path (nothing when path is
// empty); the returned function stops it and closes the file.
func startCPUProfile(path string) (stop func() error, _ error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// splitList splits repeated, comma-separated flag values.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
