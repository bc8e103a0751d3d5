package tests

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"

	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestClusterOnEtcdRoutesToOwners runs two `actorstore serve` processes
// that find each other through etcd (--cluster-etcd, protoactor's etcd
// provider) instead of a seed list: both join a cluster of two, appends
// through node 0 only are routed to the owners the streams' hashes pick
// (both nodes host some), and every one is acknowledged. The etcd server
// is embedded in this test process. As in TestClusterFailoverLosesNothing,
// the nodes are built without -race (the cluster package trips the race
// detector internally); this process runs no cluster code.
func TestClusterOnEtcdRoutesToOwners(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	bin := buildNode(t)
	endpoint := startEtcd(t)
	nodes := make([]*nodeProc, 2)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			nodes[i] = startNode(t, bin, url, "--cluster-name", "etcdtest", "--cluster-etcd", endpoint,
				"--cluster-grain-idle", "1m")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, n := range nodes {
		waitJoined(t, bin, n.addr, 2)
	}
	checkPlacement(t, bin, nodes)
}

// startEtcd starts a one-member etcd server on free loopback ports and
// returns its client endpoint; it stops when the test ends.
func startEtcd(t *testing.T) string {
	t.Helper()
	ports := freePorts(t, 2)
	client := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}
	peer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}
	cfg := embed.NewConfig()
	cfg.Dir = t.TempDir()
	cfg.LogLevel = "error"
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		t.Fatal("etcd did not become ready in 30 s")
	}
	return client.Host
}
