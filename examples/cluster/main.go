// Command cluster runs three actorstore nodes as one cluster, in this
// process, on loopback, over one PostgreSQL database: what three
// `actorstore serve --cluster-name demo --cluster-seeds ...` processes do.
//
//	go run ./examples/cluster -postgres-url postgres://user:pass@localhost:5432/db
//
// It appends to twelve streams through node 0 only and shows that their
// stream actors live on all three nodes (each stream on the node its ID
// hashes to), reads and gets a typed conflict through node 2, follows the
// events with a subscriber on node 1, then stops node 2 and appends to the
// same streams again: those that lived on node 2 moved.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/node"
)

const streams = 12

func main() {
	url := flag.String("postgres-url", os.Getenv("ACTORSTORE_POSTGRES_URL"), "PostgreSQL URL shared by the three nodes")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "error: a cluster needs PostgreSQL: give -postgres-url (or ACTORSTORE_POSTGRES_URL)")
		os.Exit(2)
	}
	if err := run(*url); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// member is one node of the example: a store and the node serving it.
type member struct {
	st *actorstore.Store
	n  *node.Node
}

func run(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	members, err := startCluster(ctx, url, 3)
	if err != nil {
		return err
	}
	defer func() {
		for _, m := range members {
			m.close()
		}
	}()
	if err := waitMembers(ctx, members, 3); err != nil {
		return err
	}
	prefix := "order-" + uuid.NewString()[:6] + "-"
	c0, err := client.Dial(ctx, client.Config{NodeAddress: members[0].n.Address()})
	if err != nil {
		return err
	}
	defer c0.Close()
	for k := range streams {
		if _, err := c0.Append(ctx, stream(prefix, k), eventstore.NoStream(), event("Placed")); err != nil {
			return err
		}
	}
	fmt.Printf("appended to %d streams through node 0; stream actors per node: %v\n", streams, hosted(members))
	if err := readAndConflict(ctx, members[2], prefix); err != nil {
		return err
	}
	if err := tail(ctx, members[1], prefix); err != nil {
		return err
	}
	members[2].close()
	fmt.Println("node 2 stopped")
	if err := waitMembers(ctx, members[:2], 2); err != nil {
		return err
	}
	for k := range streams {
		if _, err := c0.Append(ctx, stream(prefix, k), eventstore.Exact(1), event("Paid")); err != nil {
			return fmt.Errorf("append after node 2 left: %w", err)
		}
	}
	fmt.Printf("after node 2 left, %d appends through node 0 succeeded; stream actors per node: %v\n",
		streams, hosted(members[:2]))
	return nil
}

func startCluster(ctx context.Context, url string, n int) ([]*member, error) {
	ports, err := freePorts(n)
	if err != nil {
		return nil, err
	}
	seeds := make([]string, n)
	for i, p := range ports {
		seeds[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	var members []*member
	for i := range n {
		// OpenEngine: the node serves on the store's actor system and
		// passivates its stream actors when the topology changes.
		st, eng, err := actorstore.OpenEngine(ctx, actorstore.Config{PostgresURL: url, SharedWriters: true})
		if err != nil {
			return members, err
		}
		nd, err := node.Start(st, node.Config{Address: "127.0.0.1:0", StoreKind: "postgres", Engine: eng,
			Cluster: &node.ClusterConfig{Name: "demo", Seeds: seeds, Listen: seeds[i], Refresh: 500 * time.Millisecond}})
		if err != nil {
			_ = st.Close(ctx)
			return members, err
		}
		st.AddHealthCheck(actorstore.CheckCluster, nd.ClusterHealth)
		members = append(members, &member{st: st, n: nd})
	}
	return members, nil
}

// waitMembers waits until every member's readiness passes and its
// topology has want members.
func waitMembers(ctx context.Context, members []*member, want int) error {
	for i, m := range members {
		for {
			got, _ := m.n.Cluster().Members()
			if len(got) == want && m.st.Health(ctx).OK {
				fmt.Printf("node %d at %s: cluster membership joined, %d members\n", i, m.n.Address(), len(got))
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("node %d: %d members, want %d: %w", i, len(got), want, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// readAndConflict reads a stream appended through node 0 through node 2,
// then appends to it expecting no stream: a typed conflict from its owner.
func readAndConflict(ctx context.Context, m *member, prefix string) error {
	c, err := client.Dial(ctx, client.Config{NodeAddress: m.n.Address()})
	if err != nil {
		return err
	}
	defer c.Close()
	evs, err := c.ReadStream(ctx, eventstore.StreamRead{Stream: stream(prefix, 0), Limit: 10})
	if err != nil {
		return err
	}
	fmt.Printf("read through node 2: %d event(s), %s@%d\n", len(evs), evs[0].Type, evs[0].Version)
	_, err = c.Append(ctx, stream(prefix, 0), eventstore.NoStream(), event("Placed"))
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		return fmt.Errorf("want a *eventstore.ConcurrencyError through node 2, got %v", err)
	}
	fmt.Printf("typed error through node 2: expected %s, actual %d\n", ce.Expected, ce.Actual)
	return nil
}

// tail follows the streams on node 1 until it has seen the events
// appended through node 0.
func tail(ctx context.Context, m *member, prefix string) error {
	c, err := client.Dial(ctx, client.Config{NodeAddress: m.n.Address()})
	if err != nil {
		return err
	}
	defer c.Close()
	seen := 0
	errSeen := errors.New("seen all")
	err = c.Tail(ctx, client.TailOptions{Filter: eventstore.Filter{StreamPrefix: prefix}},
		func(eventstore.RecordedEvent) error {
			if seen++; seen == streams {
				return errSeen
			}
			return nil
		})
	if !errors.Is(err, errSeen) {
		return err
	}
	fmt.Printf("a subscriber on node 1 saw the %d events appended through node 0\n", seen)
	return nil
}

// hosted is the number of stream actors started on each member.
func hosted(members []*member) []int64 {
	var out []int64
	for _, m := range members {
		out = append(out, m.st.Stats().Activations)
	}
	return out
}

func (m *member) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.n != nil {
		_ = m.n.Close(ctx)
		_ = m.st.Close(ctx)
		m.n = nil
	}
}

func stream(prefix string, k int) string { return prefix + strconv.Itoa(k) }

func event(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}
}

// freePorts finds n free loopback ports for the membership endpoints.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return slices.Clip(ports), nil
}
