package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
)

// encryptionFlags are serve's flags for crypto-shredding.
func encryptionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "master-key-file", Sources: cli.EnvVars("ACTORSTORE_MASTER_KEY_FILE"),
			Usage: "file of the 32-byte master key (raw, 64 hex digits or base64) that turns on crypto-shredding: " +
				"events with metadata actorstore.subject are stored encrypted (the key may also come from ACTORSTORE_MASTER_KEY)"},
	}
}

// masterKey is the master key the flags or ACTORSTORE_MASTER_KEY give (nil: none).
func masterKey(cmd *cli.Command) ([]byte, error) {
	if path := cmd.String("master-key-file"); path != "" {
		return actorstore.MasterKeyFromFile(path)
	}
	return actorstore.MasterKeyFromEnv("ACTORSTORE_MASTER_KEY")
}

func forgetCommand() *cli.Command {
	return &cli.Command{
		Name:  "forget",
		Usage: "destroy a subject's data key on a node (crypto-shredding): its events read as shredded from then on",
		Description: "The node needs a master key (serve --master-key-file). Every event appended with metadata " +
			"actorstore.subject=<subject> then reads with empty data and content type " +
			actorstore.ContentTypeShredded + ", in the store and in every copy or backup of it (docs/lifecycle.md).",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "subject", Required: true, Usage: "the subject (for example a customer ID)"},
		}, peerFlags()...),
		Action: jsonErrors(runForget),
	}
}

func runForget(ctx context.Context, cmd *cli.Command) error {
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	found, err := c.Forget(ctx, cmd.String("subject"))
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		return printJSON(map[string]any{"subject": cmd.String("subject"), "forgotten": found})
	}
	if !found {
		fmt.Fprintf(os.Stdout, "subject %s had no key (never used, or forgotten already)\n", cmd.String("subject"))
		return nil
	}
	fmt.Fprintf(os.Stdout, "forgot subject %s: its events read as shredded\n", cmd.String("subject"))
	return nil
}
