package node_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// errNegative is the counter's rejection.
var errNegative = errors.New("amounts must not be negative")

// registerCounter registers the entity kinds the node of these tests
// serves: "counter" takes commands from peers (an Int64Value amount to add;
// the reply is the new total), "local" only from Go.
func registerCounter(st *actorstore.Store) error {
	fold := func(n int64, e actorstore.RecordedEvent) int64 {
		v, _ := strconv.ParseInt(string(e.Data), 10, 64)
		return n + v
	}
	_, err := actorstore.Register(st, actorstore.Entity[int64, *wrapperspb.Int64Value, *wrapperspb.Int64Value]{
		Kind: "counter",
		Fold: fold,
		Handle: func(n int64, cmd *wrapperspb.Int64Value) ([]actorstore.EventData, *wrapperspb.Int64Value, error) {
			if cmd.GetValue() < 0 {
				return nil, nil, errNegative
			}
			ev := actorstore.EventData{Type: "Added", Data: []byte(strconv.FormatInt(cmd.GetValue(), 10))}
			return []actorstore.EventData{ev}, wrapperspb.Int64(n + cmd.GetValue()), nil
		},
		Remote: actorstore.ProtoCommands[*wrapperspb.Int64Value, *wrapperspb.Int64Value](),
	})
	if err != nil {
		return err
	}
	_, err = actorstore.Register(st, actorstore.Entity[int64, *wrapperspb.Int64Value, *wrapperspb.Int64Value]{
		Kind: "local",
		Fold: fold,
		Handle: func(n int64, cmd *wrapperspb.Int64Value) ([]actorstore.EventData, *wrapperspb.Int64Value, error) {
			return nil, wrapperspb.Int64(n), nil
		},
	})
	return err
}

// TestExecuteFromAPeer: a peer process runs commands on an entity of a
// kind the node's program registered, gets the replies and the append
// results, and gets the entity errors typed as the Go API gives them.
func TestExecuteFromAPeer(t *testing.T) { runPeer(t, "TestPeerExecute") }

func TestPeerExecute(t *testing.T) {
	addr := os.Getenv(peerEnv)
	if addr == "" {
		t.Skip("runs as a peer process of another test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream := fmt.Sprintf("counter-%d", time.Now().UnixNano())
	total := int64(0)
	for i, add := range []int64{5, 3, 0} {
		reply, res, err := c.Execute(ctx, stream, wrapperspb.Int64(add))
		if err != nil {
			t.Fatalf("execute %d: %v", i, err)
		}
		total += add
		var got wrapperspb.Int64Value
		if err := reply.UnmarshalTo(&got); err != nil || got.GetValue() != total {
			t.Fatalf("execute %d: reply %v (%v), want total %d", i, &got, err, total)
		}
		if res.Stream != stream || res.LastVersion != eventstore.Version(i+1) {
			t.Fatalf("execute %d: append result %+v, want version %d of %s", i, res, i+1, stream)
		}
	}
	evs, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: stream, Limit: 10})
	if err != nil || len(evs) != 3 {
		t.Fatalf("read = %d events, %v; want the 3 the commands appended", len(evs), err)
	}

	_, _, err = c.Execute(ctx, stream, wrapperspb.Int64(-1))
	var re *eventstore.RejectedError
	if !errors.As(err, &re) || re.Stream != stream || re.Reason == nil || re.Reason.Error() != errNegative.Error() ||
		re.Command != "*wrapperspb.Int64Value" {
		t.Fatalf("negative amount: %T %v, want a *RejectedError naming the stream, the command and the reason", err, err)
	}
	var uk *eventstore.UnknownKindError
	if _, _, err := c.Execute(ctx, "nokind-1", wrapperspb.Int64(1)); !errors.As(err, &uk) || uk.Stream != "nokind-1" {
		t.Fatalf("stream of no kind: %T %v, want *UnknownKindError", err, err)
	}
	var ie *eventstore.InputError
	if _, _, err := c.Execute(ctx, stream, wrapperspb.String("5")); !errors.As(err, &ie) || ie.Field != "command" || ie.Rule != "type" {
		t.Fatalf("command of another type: %T %v, want *InputError on field command", err, err)
	}
	if _, _, err := c.Execute(ctx, "local-1", wrapperspb.Int64(1)); !errors.As(err, &ie) || ie.Field != "command" || ie.Rule != "remote" {
		t.Fatalf("kind without a remote codec: %T %v, want *InputError rule remote", err, err)
	}
	// Nothing of the refused commands was written.
	if evs, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: stream, Limit: 10}); err != nil || len(evs) != 3 {
		t.Fatalf("after the refused commands: %d events, %v; want 3", len(evs), err)
	}
}
