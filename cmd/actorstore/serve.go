package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/telemetry"
)

func serveFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return []cli.Flag{
		&cli.StringFlag{Name: "data-dir", Value: actorstore.DefaultDataDir, Sources: env("DATA_DIR"),
			Usage: "directory of the embedded store (used when no PostgreSQL URL is given)"},
		&cli.StringFlag{Name: "postgres-url", Sources: env("POSTGRES_URL"),
			Usage: "PostgreSQL URL (postgres://user:pass@host:5432/db); empty runs on the embedded store"},
		&cli.Int32Flag{Name: "pool-max-conns", Value: 10, Sources: env("POOL_MAX_CONNS"),
			Usage: "most PostgreSQL connections the store opens (2 of them are the appends' own pool)"},
		&cli.Int32Flag{Name: "pool-min-conns", Value: 0, Sources: env("POOL_MIN_CONNS"),
			Usage: "PostgreSQL connections kept open while idle"},
		&cli.StringFlag{Name: "statement-cache", Value: "prepare", Sources: env("STATEMENT_CACHE"),
			Usage: "PostgreSQL statement cache: prepare, describe (PgBouncer transaction mode), exec, simple"},
		&cli.DurationFlag{Name: "request-timeout", Value: 10 * time.Second, Sources: env("REQUEST_TIMEOUT"),
			Usage: "default timeout of an append or read"},
		&cli.DurationFlag{Name: "tx-timeout", Value: 5 * time.Second, Sources: env("TX_TIMEOUT"),
			Usage: "default timeout of a multi-stream transaction"},
		&cli.IntFlag{Name: "retry-attempts", Value: 5, Sources: env("RETRY_ATTEMPTS"),
			Usage: "attempts for a transient database error (1: no retry)"},
		&cli.DurationFlag{Name: "retry-base", Value: 50 * time.Millisecond, Sources: env("RETRY_BASE"),
			Usage: "first backoff wait before a retry (doubles, with jitter)"},
		&cli.DurationFlag{Name: "retry-cap", Value: 2 * time.Second, Sources: env("RETRY_CAP"),
			Usage: "longest backoff wait between retries"},
		&cli.DurationFlag{Name: "idle-timeout", Value: time.Minute, Sources: env("IDLE_TIMEOUT"),
			Usage: "passivate a stream actor idle this long"},
		&cli.IntFlag{Name: "max-live-streams", Value: 10_000, Sources: env("MAX_LIVE_STREAMS"),
			Usage: "soft cap on live stream actors (least recently used idle ones are passivated)"},
		&cli.IntFlag{Name: "cache-bytes", Value: 64 << 10, Sources: env("CACHE_BYTES"),
			Usage: "per-stream budget of recent events cached for reads (negative: off)"},
		&cli.IntFlag{Name: "max-batch-events", Value: 2_000, Sources: env("MAX_BATCH_EVENTS"),
			Usage: "most events in one group commit"},
		&cli.StringFlag{Name: "schemas", Sources: env("SCHEMAS"),
			Usage: "directory of event schemas (<type>/v<N>.schema.json, optional modes.json; see docs/schemas.md): appends are validated, reads upcast"},
		&cli.DurationFlag{Name: "lease-ttl", Value: 3 * time.Second, Sources: env("LEASE_TTL"),
			Usage: "lease of a durable subscription's or consumer group's owner among all processes on the database: a dead owner is replaced within 4/3 of it"},
		&cli.DurationFlag{Name: "shutdown-timeout", Value: 30 * time.Second, Sources: env("SHUTDOWN_TIMEOUT"),
			Usage: "how long a graceful shutdown may take to flush accepted appends"},
	}
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run a node until SIGINT or SIGTERM",
		Flags: slices.Concat(serveFlags(), remoteServeFlags(), adminFlags(), apiFlags(), consoleFlags(),
			scavengeFlags(), encryptionFlags()),
		Action: serve,
	}
}

func serveConfig(cmd *cli.Command) actorstore.Config {
	return actorstore.Config{
		PostgresURL: cmd.String("postgres-url"),
		DataDir:     cmd.String("data-dir"),
		Pool: actorstore.PoolConfig{
			MaxConns:           cmd.Int32("pool-max-conns"),
			MinConns:           cmd.Int32("pool-min-conns"),
			StatementCacheMode: cmd.String("statement-cache"),
		},
		RequestTimeout: cmd.Duration("request-timeout"),
		TxTimeout:      cmd.Duration("tx-timeout"),
		Retry: actorstore.RetryPolicy{MaxAttempts: cmd.Int("retry-attempts"),
			Base: cmd.Duration("retry-base"), Cap: cmd.Duration("retry-cap")},
		IdleTimeout:    cmd.Duration("idle-timeout"),
		MaxLiveStreams: cmd.Int("max-live-streams"),
		CacheBytes:     cmd.Int("cache-bytes"),
		MaxBatchEvents: cmd.Int("max-batch-events"),
		Subscriptions:  actorstore.SubscriptionsConfig{LeaseTTL: cmd.Duration("lease-ttl")},
		Scavenge:       scavengeConfig(cmd),
	}
}

func serve(ctx context.Context, cmd *cli.Command) error {
	log, err := newLogger(cmd.Root(), stderr)
	if err != nil {
		return err
	}
	cfg := serveConfig(cmd)
	cfg.Logger = log
	if cfg.Encryption.MasterKey, err = masterKey(cmd); err != nil {
		return usageErrorf("master key: %v", err)
	}
	if cfg.Schemas, err = loadSchemas(cmd.String("schemas")); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		var ie *eventstore.InputError
		if errors.As(err, &ie) {
			return usageErrorf("configuration: %v", err)
		}
		return err
	}
	// Checked before the store opens: clustering needs PostgreSQL.
	cluster, err := clusterConfig(cmd, cfg)
	if err != nil {
		return err
	}
	cfg.SharedWriters = cluster != nil
	tp, err := startTracing(ctx, cmd)
	if err != nil {
		return err
	}
	if tp != nil {
		cfg.TracerProvider = tp
	}
	st, eng, err := actorstore.OpenEngine(ctx, cfg)
	if err != nil {
		_ = stopTracing(tp, time.Second)
		return err
	}
	n, err := startNode(cmd, st, eng, cfg, cluster)
	if err != nil {
		_ = st.Close(context.Background())
		return err
	}
	api, err := startAPI(cmd, n, log)
	if err != nil {
		_ = closeNode(n, cmd.Duration("shutdown-timeout"))
		_ = st.Close(context.Background())
		return fmt.Errorf("gRPC/Connect API: %w", err)
	}
	adm, err := startAdmin(cmd, telemetry.Source{Store: st, Engine: eng}, consoleConfig(cmd, n), log)
	if err != nil {
		_ = closeAPI(api, cmd.Duration("shutdown-timeout"))
		_ = closeNode(n, cmd.Duration("shutdown-timeout"))
		_ = st.Close(context.Background())
		return fmt.Errorf("admin endpoint: %w", err)
	}
	where := "embedded store in " + cfg.DataDir
	if !cfg.Embedded() {
		where = "PostgreSQL"
	}
	log.Info().Str("store", where).Str("listen", n.Address()).Str("admin", adminAddress(adm)).Str("api", apiAddress(api)).
		Bool("tracing", tp != nil).Msg("node ready; stop with SIGINT or SIGTERM")
	<-ctx.Done()
	log.Info().Msg("shutting down: answering peer requests in flight, flushing accepted appends")
	apiErr := closeAPI(api, cmd.Duration("shutdown-timeout"))
	nodeErr := closeNode(n, cmd.Duration("shutdown-timeout"))
	// The admin endpoint answers until the node has drained, and stops
	// before the store closes.
	admErr := closeAdmin(adm, cmd.Duration("shutdown-timeout"))
	sctx, cancel := context.WithTimeout(context.Background(), cmd.Duration("shutdown-timeout"))
	defer cancel()
	closeErr := st.Close(sctx)
	if err := errors.Join(apiErr, nodeErr, admErr, closeErr, stopTracing(tp, cmd.Duration("shutdown-timeout"))); err != nil {
		return err
	}
	log.Info().Msg("stopped")
	return nil
}

// loadSchemas reads the schema directory of --schemas; none when dir is
// empty. A bad directory is a usage error that names the file.
func loadSchemas(dir string) (*schemas.Registry, error) {
	if dir == "" {
		return nil, nil
	}
	reg := schemas.NewRegistry()
	if err := reg.LoadDirPath(dir); err != nil {
		return nil, usageErrorf("--schemas %s: %v", dir, err)
	}
	return reg, nil
}
