// Command actorstore runs an actorstore node and talks to one.
//
//	actorstore serve                 # a node on the embedded store in ./data
//	actorstore serve --postgres-url postgres://user:pass@host/db
//	actorstore append --stream order-1 --type Placed --data '{"total":3}'
//	actorstore read --stream order-1        # or: read --backward --limit 5
//	actorstore status --json
//	actorstore tail --stream order-1 --beginning   # until Ctrl-C
//
// Every flag can also be set with the environment variable named in --help.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "actorstore:", err)
		os.Exit(exitCode(err))
	}
}

func newApp() *cli.Command {
	return &cli.Command{
		Name:  "actorstore",
		Usage: "an actor-model event store on PostgreSQL or an embedded file",
		Flags: logFlags(),
		Commands: []*cli.Command{
			serveCommand(),
			appendCommand(),
			readCommand(),
			statusCommand(),
			benchCommand(),
			copyCommand(),
			tailCommand(),
			projectionsCommand(),
			deleteCommand(),
			metadataCommand(),
			scavengeCommand(),
			forgetCommand(),
			backupCommand(),
			restoreCommand(),
		},
	}
}

// exitCode is 2 for bad usage or configuration, 1 for everything else.
func exitCode(err error) int {
	if isUsageError(err) {
		return 2
	}
	return 1
}

var (
	stderr = os.Stderr
	stdin  = os.Stdin
)

func isUsageError(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}
