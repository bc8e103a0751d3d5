// Command entitynode is a node program of the kind a user builds: it opens
// a store on PostgreSQL, registers an entity kind that takes commands from
// peers, and serves it as a member of a cluster. tests/entity_cluster_test.go
// runs three of them and kills one; it is built without -race (the
// cluster's own races, see docs/cluster.md).
//
// The kind "counter" takes a google.protobuf.Int64Value and appends one
// event "Added" with that amount; the reply is the new total. A snapshot is
// stored every 4 events. Each event the entity folds is printed on stdout
// as "folded <stream> <version>", so the test knows which member owned
// which entity.
//
//	entitynode -postgres-url URL -cluster-seeds A,B,C -cluster-listen A
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/node"
)

// Counter is the state: the sum of the amounts added.
type Counter struct {
	Total int64 `json:"total"`
}

var out sync.Mutex

func main() {
	url := flag.String("postgres-url", "", "PostgreSQL URL")
	seeds := flag.String("cluster-seeds", "", "membership endpoints of all members")
	listen := flag.String("cluster-listen", "", "this member's membership endpoint")
	flag.Parse()
	if err := run(*url, strings.Split(*seeds, ","), *listen); err != nil {
		fmt.Fprintln(os.Stderr, "entitynode:", err)
		os.Exit(1)
	}
}

func run(url string, seeds []string, listen string) error {
	ctx := context.Background()
	st, eng, err := actorstore.OpenEngine(ctx, actorstore.Config{PostgresURL: url, SharedWriters: true})
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	_, err = actorstore.Register(st, actorstore.Entity[Counter, *wrapperspb.Int64Value, *wrapperspb.Int64Value]{
		Kind: "counter",
		Fold: func(c Counter, e actorstore.RecordedEvent) Counter {
			n, _ := strconv.ParseInt(string(e.Data), 10, 64)
			out.Lock()
			fmt.Printf("folded %s %d\n", e.Stream, e.Version)
			out.Unlock()
			return Counter{Total: c.Total + n}
		},
		Handle: func(c Counter, cmd *wrapperspb.Int64Value) ([]actorstore.EventData, *wrapperspb.Int64Value, error) {
			ev := actorstore.EventData{Type: "Added", Data: []byte(strconv.FormatInt(cmd.GetValue(), 10))}
			return []actorstore.EventData{ev}, wrapperspb.Int64(c.Total + cmd.GetValue()), nil
		},
		Codec:     actorstore.JSONCodec[Counter](1),
		Snapshots: actorstore.SnapshotPolicy{Every: 4},
		Remote:    actorstore.ProtoCommands[*wrapperspb.Int64Value, *wrapperspb.Int64Value](),
	})
	if err != nil {
		return err
	}
	n, err := node.Start(st, node.Config{Address: "127.0.0.1:0", StoreKind: "postgres", Engine: eng,
		Cluster: &node.ClusterConfig{Name: "entities", Seeds: seeds, Listen: listen,
			Refresh: 500 * time.Millisecond, GrainIdleTimeout: time.Second}})
	if err != nil {
		return err
	}
	defer n.Close(ctx)
	out.Lock()
	fmt.Printf("addr=%s\n", n.Address())
	out.Unlock()
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the test ends
	return nil
}
