package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/actorstore/actorstore/messages"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:   "status",
		Usage:  "show a node's address, store, limits and counters",
		Flags:  peerFlags(),
		Action: jsonErrors(runStatus),
	}
}

func runStatus(ctx context.Context, cmd *cli.Command) error {
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	health, err := c.Health(ctx)
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(st)
		if err != nil {
			return err
		}
		h, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(health)
		if err != nil {
			return err
		}
		// The status with the readiness report under "health".
		_, err = fmt.Fprintf(os.Stdout, "%s,\"health\":%s}\n", strings.TrimSuffix(string(b), "}"), h)
		return err
	}
	s := st.GetStats()
	fmt.Fprintf(os.Stdout, "node      %s (actor %q, %s, version %s)\n", st.GetAddress(), st.GetApiActor(), st.GetProtocol(), st.GetVersion())
	fmt.Fprintf(os.Stdout, "store     %s, up since %s\n", st.GetStoreKind(), st.GetStarted().AsTime().Local().Format("2006-01-02 15:04:05"))
	fmt.Fprintf(os.Stdout, "requests  %d in flight (max %d); messages up to %d bytes, events up to %d bytes\n",
		st.GetInFlight(), st.GetMaxInFlight(), st.GetMaxMessageBytes(), st.GetMaxEventBytes())
	if cl := st.GetCluster(); cl != nil {
		joined := "cluster membership joined"
		if !cl.GetJoined() {
			joined = "cluster membership NOT joined yet"
		}
		fmt.Fprintf(os.Stdout, "cluster   %q: %s, %d members %v; %d stream activations here\n",
			cl.GetName(), joined, len(cl.GetMembers()), cl.GetMembers(), cl.GetGrains())
	}
	fmt.Fprintf(os.Stdout, "peers     %d connections closed on malformed input\n", st.GetRecoveredPanics())
	fmt.Fprintf(os.Stdout, "streams   %d live, %d activations, %d passivations, %d restarts\n",
		s.GetLiveStreams(), s.GetActivations(), s.GetPassivations(), s.GetRestarts())
	fmt.Fprintf(os.Stdout, "cache     %d hits, %d misses\n", s.GetCacheHits(), s.GetCacheMisses())
	fmt.Fprintf(os.Stdout, "commits   %d batches, %d events, %d requests, largest %d events\n",
		s.GetBatches(), s.GetBatchedEvents(), s.GetBatchedRequests(), s.GetMaxBatchEvents())
	printHealth(health)
	return nil
}

// printHealth prints the readiness report: one line, and one per failed check.
func printHealth(h *messages.HealthReport) {
	state := "ready"
	if !h.GetOk() {
		state = "NOT READY"
	}
	names := make([]string, len(h.GetChecks()))
	for i, c := range h.GetChecks() {
		names[i] = c.GetName()
	}
	fmt.Fprintf(os.Stdout, "health    %s (checks: %s)\n", state, strings.Join(names, ", "))
	for _, c := range h.GetChecks() {
		if !c.GetOk() {
			fmt.Fprintf(os.Stdout, "          %s: %s\n", c.GetName(), c.GetError())
		}
	}
}
