package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/urfave/cli/v3"
)

func logFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-format", Value: "auto", Sources: cli.EnvVars("ACTORSTORE_LOG_FORMAT"),
			Usage: "log output: json, console (readable), or auto (console on a terminal, else json)"},
		&cli.StringFlag{Name: "log-level", Value: "info", Sources: cli.EnvVars("ACTORSTORE_LOG_LEVEL"),
			Usage: "lowest level logged: trace, debug, info, warn, error"},
	}
}

// newLogger builds the process logger from the log flags. Only cmd/ sets
// zerolog's globals.
func newLogger(cmd *cli.Command, out *os.File) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cmd.String("log-level"))
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Nop(), usageErrorf("--log-level: unknown level %q", cmd.String("log-level"))
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	var w io.Writer = out
	switch cmd.String("log-format") {
	case "console":
		w = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly}
	case "auto":
		if isatty.IsTerminal(out.Fd()) {
			w = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly}
		}
	case "json":
	default:
		return zerolog.Nop(), usageErrorf("--log-format: want json, console or auto, got %q", cmd.String("log-format"))
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// usageError is a mistake in flags or configuration (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
