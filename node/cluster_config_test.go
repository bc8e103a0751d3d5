package node_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/node"
)

// TestClusterConfigIsChecked: a bad cluster configuration is refused with
// an error naming the problem, before anything listens; a membership
// address that is taken fails Start without starting the cluster.
func TestClusterConfigIsChecked(t *testing.T) {
	seeds := []string{"127.0.0.1:6331"}
	for _, tc := range []struct {
		name string
		cfg  node.Config
		want string
	}{
		{"embedded", node.Config{StoreKind: "embedded", Cluster: &node.ClusterConfig{Name: "c", Seeds: seeds}},
			"needs PostgreSQL"},
		{"no name", node.Config{StoreKind: "postgres", Cluster: &node.ClusterConfig{Seeds: seeds}}, "name"},
		{"no seeds", node.Config{StoreKind: "postgres", Cluster: &node.ClusterConfig{Name: "c"}}, "seed"},
		{"bad seed", node.Config{StoreKind: "postgres", Cluster: &node.ClusterConfig{Name: "c", Seeds: []string{"nohost"}}},
			"nohost"},
		{"bad listen", node.Config{StoreKind: "postgres", Cluster: &node.ClusterConfig{Name: "c", Seeds: seeds, Listen: "x"}},
			"listen"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if err := (node.Config{StoreKind: "embedded", Cluster: &node.ClusterConfig{Name: "c", Seeds: seeds}}).Validate(); !errors.Is(err, node.ErrClusterNeedsPostgres) {
		t.Errorf("embedded: err = %v, want ErrClusterNeedsPostgres", err)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, err = node.Start(nil, node.Config{Address: "127.0.0.1:0", StoreKind: "postgres",
		Cluster: &node.ClusterConfig{Name: "c", Seeds: seeds, Listen: taken.Addr().String()}})
	if err == nil || !strings.Contains(err.Error(), "membership endpoint") {
		t.Fatalf("Start with a taken membership address: err = %v", err)
	}
}
