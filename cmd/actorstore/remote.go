package main

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/node"
)

// tlsFlags are shared by serve and the client commands.
func tlsFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return []cli.Flag{
		&cli.StringFlag{Name: "tls-cert", Sources: env("TLS_CERT"),
			Usage: "PEM certificate of this process for the remote transport (turns TLS on; needs --tls-key)"},
		&cli.StringFlag{Name: "tls-key", Sources: env("TLS_KEY"), Usage: "PEM private key of --tls-cert"},
		&cli.StringFlag{Name: "tls-ca", Sources: env("TLS_CA"),
			Usage: "PEM CA of the peers' certificates: verifies servers and requires client certificates (mutual TLS)"},
	}
}

func remoteServeFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return append([]cli.Flag{
		&cli.StringFlag{Name: "listen", Value: node.DefaultAddress, Sources: env("LISTEN"),
			Usage: "host:port of the node's remote endpoint for peers (loopback by default)"},
		&cli.StringFlag{Name: "advertise", Sources: env("ADVERTISE"),
			Usage: "host:port peers reach the node at, when it differs from --listen"},
		&cli.IntFlag{Name: "max-in-flight", Value: node.DefaultMaxInFlight, Sources: env("MAX_IN_FLIGHT"),
			Usage: "peer requests worked on at once (more are refused as retryable)"},
		&cli.IntFlag{Name: "max-message-bytes", Value: actors.DefaultMaxMessageBytes, Sources: env("MAX_MESSAGE_BYTES"),
			Usage: "largest request or reply on the remote transport"},
	}, append(tlsFlags(), clusterFlags()...)...)
}

// clusterFlags are serve's flags for clustering.
func clusterFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return []cli.Flag{
		&cli.StringFlag{Name: "cluster-name", Sources: env("CLUSTER_NAME"),
			Usage: "join the cluster of this name (needs --postgres-url and --cluster-seeds); empty: a single node"},
		&cli.StringSliceFlag{Name: "cluster-seeds", Sources: env("CLUSTER_SEEDS"),
			Usage: "membership endpoints (host:port, comma-separated) of all members, this one included"},
		&cli.StringSliceFlag{Name: "cluster-etcd", Sources: env("CLUSTER_ETCD"),
			Usage: "etcd endpoints (comma-separated): find the members through etcd instead of --cluster-seeds, for clusters whose members come and go"},
		&cli.StringFlag{Name: "cluster-listen", Value: actors.DefaultClusterListen, Sources: env("CLUSTER_LISTEN"),
			Usage: "host:port of this node's membership endpoint (plain HTTP; the other members' seeds name it; loopback by default)"},
		&cli.DurationFlag{Name: "cluster-refresh", Value: actors.DefaultMembershipRefresh, Sources: env("CLUSTER_REFRESH"),
			Usage: "how often the seeds are polled; a dead node leaves the cluster after about one refresh"},
		&cli.DurationFlag{Name: "cluster-attempt-timeout", Value: actors.DefaultAttemptTimeout, Sources: env("CLUSTER_ATTEMPT_TIMEOUT"),
			Usage: "bound of one attempt of a request routed to a stream's owner; a request in flight to a member that leaves fails over at once"},
		&cli.DurationFlag{Name: "cluster-grain-idle", Value: node.DefaultGrainIdleTimeout, Sources: env("CLUSTER_GRAIN_IDLE"),
			Usage: "stop a stream's cluster activation (its router on the owning node) unused this long"},
	}
}

// clusterConfig is the cluster the flags ask for (nil: not clustered).
// Clustering needs PostgreSQL: the embedded store belongs to one process.
func clusterConfig(cmd *cli.Command, cfg actorstore.Config) (*node.ClusterConfig, error) {
	name, seeds, etcd := cmd.String("cluster-name"), cmd.StringSlice("cluster-seeds"), cmd.StringSlice("cluster-etcd")
	switch {
	case name == "" && len(seeds) == 0 && len(etcd) == 0:
		return nil, nil
	case name == "":
		return nil, usageErrorf("--cluster-seeds and --cluster-etcd need --cluster-name")
	case len(seeds) > 0 && len(etcd) > 0:
		return nil, usageErrorf("--cluster-seeds and --cluster-etcd exclude each other: members are found one way")
	case len(seeds) == 0 && len(etcd) == 0:
		return nil, usageErrorf("--cluster-name needs --cluster-seeds (the membership endpoints of the members) or --cluster-etcd")
	case cfg.Embedded():
		return nil, usageErrorf("--cluster-name needs --postgres-url: the embedded store belongs to one process, " +
			"so every member of a cluster must share one PostgreSQL database")
	}
	cc := &node.ClusterConfig{Name: name, Seeds: seeds, Etcd: etcd, Listen: cmd.String("cluster-listen"),
		Refresh: cmd.Duration("cluster-refresh"), GrainIdleTimeout: cmd.Duration("cluster-grain-idle"),
		AttemptTimeout: cmd.Duration("cluster-attempt-timeout")}
	if err := cc.Validate(); err != nil {
		return nil, usageErrorf("cluster configuration: %v", err)
	}
	return cc, nil
}

// loadTLS returns the TLS settings the flags ask for (nil, nil: plaintext).
func loadTLS(cmd *cli.Command) (server, client *tls.Config, err error) {
	if cmd.String("tls-cert") == "" && cmd.String("tls-key") == "" && cmd.String("tls-ca") == "" {
		return nil, nil, nil
	}
	server, client, err = actors.LoadTLS(cmd.String("tls-cert"), cmd.String("tls-key"), cmd.String("tls-ca"))
	if err != nil {
		return nil, nil, usageErrorf("TLS: %v", err)
	}
	return server, client, nil
}

// startNode serves st to peers as the flags say.
func startNode(cmd *cli.Command, st *actorstore.Store, eng *engine.Engine, cfg actorstore.Config,
	cluster *node.ClusterConfig) (*node.Node, error) {
	serverTLS, clientTLS, err := loadTLS(cmd)
	if err != nil {
		return nil, err
	}
	kind := "embedded"
	if !cfg.Embedded() {
		kind = "postgres"
	}
	ncfg := node.Config{
		Address: cmd.String("listen"), AdvertisedAddress: cmd.String("advertise"),
		MaxInFlight: cmd.Int("max-in-flight"), MaxMessageBytes: cmd.Int("max-message-bytes"),
		RequestTimeout: cfg.RequestTimeout, ServerTLS: serverTLS, ClientTLS: clientTLS,
		Limits: cfg.Limits, StoreKind: kind, Version: version, Logger: cfg.Logger,
		// The store's engine: the node serves on its actor system (the
		// subscription hub is then reachable by peers, and subscriptions
		// can send to them), reports its counters, passivates in a cluster.
		Engine:  eng,
		Cluster: cluster,
		// Peers' HealthRequests get the same answer as /readyz.
		Health: nodeHealth(st),
	}
	if cfg.TracerProvider != nil {
		ncfg.TracerProvider = cfg.TracerProvider
	}
	if err := ncfg.Validate(); err != nil {
		return nil, usageErrorf("configuration: %v", err)
	}
	n, err := node.Start(st, ncfg)
	if err != nil {
		return nil, err
	}
	if cluster != nil {
		st.AddHealthCheck(actorstore.CheckCluster, n.ClusterHealth) // readiness: cluster membership joined
	}
	return n, nil
}

// nodeHealth reports st's readiness checks to the node, which answers
// peers' HealthRequests with them.
func nodeHealth(st *actorstore.Store) func(context.Context) []node.HealthCheck {
	return func(ctx context.Context) []node.HealthCheck {
		rep := st.Health(ctx)
		checks := make([]node.HealthCheck, len(rep.Checks))
		for i, c := range rep.Checks {
			checks[i] = node.HealthCheck(c)
		}
		return checks
	}
}

// closeNode stops the endpoint before the store, so no peer request
// arrives at a closed store.
func closeNode(n *node.Node, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return n.Close(ctx)
}
