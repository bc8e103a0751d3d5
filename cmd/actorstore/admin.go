package main

import (
	"context"
	"net"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/urfave/cli/v3"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/actorstore/actorstore/telemetry"
	"github.com/actorstore/actorstore/telemetry/console"
)

// adminFlags are serve's flags for the admin HTTP endpoint.
func adminFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return []cli.Flag{
		&cli.StringFlag{Name: "admin-listen", Value: telemetry.DefaultAddress, Sources: env("ADMIN_LISTEN"),
			Usage: "host:port of the admin HTTP endpoint (/healthz, /readyz, /metrics; loopback by default); empty: off"},
		&cli.StringFlag{Name: "admin-token-file", Sources: env("ADMIN_TOKEN_FILE"),
			Usage: "file of admin endpoint tokens, one \"<role> <secret>\" per line (roles read, write, admin); " +
				"/metrics then needs read, /debug/pprof/ admin; /healthz and /readyz stay open (docs/security.md)"},
		&cli.DurationFlag{Name: "admin-health-timeout", Value: telemetry.DefaultHealthTimeout,
			Sources: env("ADMIN_HEALTH_TIMEOUT"), Usage: "how long the checks of one /readyz request may take"},
		&cli.StringFlag{Name: "otlp-endpoint", Sources: env("OTLP_ENDPOINT"),
			Usage: "export traces over OTLP/HTTP to this collector (http://host:4318 or host:port); " +
				"the standard OTEL_EXPORTER_OTLP_* variables also turn it on and are honoured; default off"},
	}
}

// startTracing returns the OTLP tracer provider that --otlp-endpoint or
// the OTEL_EXPORTER_OTLP_* environment asks for, or nil (tracing off).
func startTracing(ctx context.Context, cmd *cli.Command) (*sdktrace.TracerProvider, error) {
	endpoint := cmd.String("otlp-endpoint")
	if !telemetry.OTLPConfigured(endpoint) {
		return nil, nil
	}
	tp, err := telemetry.NewOTLPTracerProvider(ctx, endpoint)
	if err != nil {
		return nil, usageErrorf("--otlp-endpoint: %v", err)
	}
	return tp, nil
}

// stopTracing sends the spans not yet exported, within timeout.
func stopTracing(tp *sdktrace.TracerProvider, timeout time.Duration) error {
	if tp == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return tp.Shutdown(ctx)
}

// startAdmin serves the admin endpoint for src as the flags say; nil when
// --admin-listen is empty.
func startAdmin(cmd *cli.Command, src telemetry.Source, ui *console.Config, log zerolog.Logger) (*telemetry.Server, error) {
	addr := cmd.String("admin-listen")
	if addr == "" {
		return nil, nil
	}
	cfg := telemetry.Config{Address: addr, HealthTimeout: cmd.Duration("admin-health-timeout"), Logger: log}
	cfg.Console = ui
	if path := cmd.String("admin-token-file"); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, usageErrorf("--admin-token-file: %v", err)
		}
		if cfg.Tokens, err = telemetry.ParseTokens(string(raw)); err != nil {
			return nil, usageErrorf("--admin-token-file %s: %v", path, err) // names lines, never secrets
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageErrorf("configuration: %v", err)
	}
	if len(cfg.Tokens) == 0 && !loopback(addr) {
		log.Warn().Str("admin", addr).Msg("the admin endpoint listens beyond loopback without tokens: " +
			"/metrics is open to anyone who reaches it; set --admin-token-file (docs/security.md)")
	}
	return telemetry.Start(src, cfg)
}

// adminAddress is the admin endpoint's address for the ready line ("off"
// when disabled).
func adminAddress(adm *telemetry.Server) string {
	if adm == nil {
		return "off"
	}
	return adm.Address()
}

// closeAdmin stops the admin endpoint, letting requests in progress finish
// within timeout.
func closeAdmin(adm *telemetry.Server, timeout time.Duration) error {
	if adm == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return adm.Shutdown(ctx)
}

// loopback reports whether addr (host:port) listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
