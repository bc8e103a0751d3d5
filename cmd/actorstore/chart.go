package main

import (
	"context"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/cmd/actorstore/internal/bench"
)

func chartCommand() *cli.Command {
	return &cli.Command{
		Name:      "chart",
		Usage:     "draw latency over time and a latency histogram from `bench --json` results (SVG or PNG)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Required: true, Usage: "results written by bench --json"},
			&cli.StringFlag{Name: "out", Required: true, Usage: "image to write: .svg or .png"},
			&cli.StringSliceFlag{Name: "scenario", Usage: "scenarios to draw (default all)"},
		},
		Action: runChart,
	}
}

func runChart(_ context.Context, cmd *cli.Command) error {
	format, err := bench.ChartFormat(cmd.String("out"))
	if err != nil {
		return usageErrorf("--out: %v", err)
	}
	f, err := os.Open(cmd.String("in"))
	if err != nil {
		return usageErrorf("--in: %v", err)
	}
	defer f.Close()
	rep, err := bench.ReadReport(f)
	if err != nil {
		return usageErrorf("--in: %v", err)
	}
	out, err := os.Create(cmd.String("out"))
	if err != nil {
		return usageErrorf("--out: %v", err)
	}
	if err := bench.Chart(out, format, rep, splitList(cmd.StringSlice("scenario"))); err != nil {
		out.Close()
		os.Remove(cmd.String("out"))
		return err
	}
	return out.Close()
}
