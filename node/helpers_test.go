package node_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/node"
)

var _ node.Store = (*actorstore.Store)(nil)

// One remote endpoint per process: protoactor's remote.Start replaces
// gRPC's global logger without synchronisation, which the race detector
// rightly reports when a second endpoint starts in a process whose first
// one is logging. So the test process runs one node (shared by all tests,
// each on its own streams) and every peer is a child process: the test
// binary run again with -test.run naming one TestPeer* function and
// peerEnv set to the node's address. Both run under -race.
const peerEnv = "ACTORSTORE_TEST_NODE"

// testNode is the shared node: small limits (2 MiB messages, 2 per frame)
// so that oversize frames are cheap to build.
var testNode *node.Node

// testStore is the store testNode serves.
var testStore *actorstore.Store

// testDir holds testStore's files (its SQLite file in testDir/data).
var testDir string

// testAPI is testNode's gRPC/Connect listener.
var testAPI *node.APIServer

func TestMain(m *testing.M) {
	if os.Getenv(peerEnv) != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "node-test")
	if err != nil {
		panic(err)
	}
	testDir = dir
	// The node and its store log at debug level into nodeLog and trace
	// into nodeSpans (see TestFailedAppendFollowedByTraceID).
	log := zerolog.New(nodeLog).Level(zerolog.DebugLevel)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(nodeSpans))
	st, eng, err := actorstore.OpenEngine(context.Background(), actorstore.Config{DataDir: filepath.Join(dir, "data"),
		Logger: log, TracerProvider: tp})
	if err != nil {
		panic(err)
	}
	testStore = st
	if err := registerCounter(st); err != nil {
		panic(err)
	}
	// The node serves on a system it is given (as it would on the store's).
	sys, err := actors.NewSystem(actors.Config{})
	if err != nil {
		panic(err)
	}
	testNode, err = node.Start(st, node.Config{Address: "127.0.0.1:0", MaxMessageBytes: 2 << 20, BatchSize: 2,
		StoreKind: "embedded", Version: "test", Engine: eng, System: sys, Logger: log, TracerProvider: tp,
		Health: healthOf(st)})
	if err != nil {
		panic(err)
	}
	if testAPI, err = testNode.StartAPI("127.0.0.1:0"); err != nil {
		panic(err)
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if err := testAPI.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "API close:", err)
		code = 1
	}
	if err := testNode.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "node close:", err)
		code = 1
	}
	sys.Shutdown()
	_ = st.Close(ctx)
	cancel()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// runPeer runs the peer test name in a child process against testNode and
// fails t with its output if it fails.
func runPeer(t *testing.T, name string) {
	t.Helper()
	cmd := peerCommand(name)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("peer %s: %v\n%s", name, err, out)
	}
}

func peerCommand(name string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), peerEnv+"="+testNode.Address())
	return cmd
}

// startPeer starts the peer test name and returns once it printed ready.
func startPeer(t *testing.T, name, ready string) *exec.Cmd {
	t.Helper()
	cmd := peerCommand(name)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), ready) {
			go func() { // drain
				for sc.Scan() {
				}
			}()
			return cmd
		}
	}
	_ = cmd.Wait()
	t.Fatalf("peer %s exited before %q", name, ready)
	return nil
}

// local sends msg to the node's API actor from inside the node's own
// process (no remote hop) and returns the reply.
func local(t *testing.T, msg any) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reply, err := actors.Request(ctx, testNode.System(), testNode.PID(), msg)
	if err != nil {
		t.Fatalf("local request: %v", err)
	}
	return reply
}

// peer is a raw protoactor system with a remote endpoint, in a child
// process: it sends whatever a test wants, without the client's checks.
type peer struct {
	sys  *actors.System
	rm   *actors.Remote
	node string
}

// newPeer skips t unless this process is a peer child.
func newPeer(t *testing.T, cfg actors.RemoteConfig) *peer {
	t.Helper()
	addr := os.Getenv(peerEnv)
	if addr == "" {
		t.Skip("runs as a peer process of another test")
	}
	sys, err := actors.NewSystem(actors.Config{RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rm, err := actors.StartRemote(sys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Shutdown(); sys.Shutdown() })
	return &peer{sys: sys, rm: rm, node: addr}
}

func (p *peer) request(msg any, timeout time.Duration) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return actors.Request(ctx, p.sys, actors.NewPID(p.node, node.APIActorName), msg)
}

func event(typ string, data []byte) *messages.EventData {
	id := uuid.New()
	return &messages.EventData{EventId: id[:], Type: typ, ContentType: "application/json", Data: data}
}

func anyVersion() *messages.ExpectedVersion {
	return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}}
}

func appendReq(stream string, evs ...*messages.EventData) *messages.AppendRequest {
	return &messages.AppendRequest{Stream: stream, Expected: anyVersion(), Events: evs}
}

// appendOK reports whether reply is a successful AppendReply.
func appendOK(reply any, err error) bool {
	r, ok := reply.(*messages.AppendReply)
	return err == nil && ok && r.GetError() == nil
}

// mustAppend appends one event through p and fails the test on any error.
func (p *peer) mustAppend(t *testing.T, stream string) *messages.AppendResult {
	t.Helper()
	reply, err := p.request(appendReq(stream, event("Ping", []byte(`{}`))), 5*time.Second)
	if !appendOK(reply, err) {
		t.Fatalf("append: %v, %v", reply, err)
	}
	return reply.(*messages.AppendReply).GetResult()
}

// eventuallyAppends retries an append from p until it succeeds: p's
// connection was closed and protoactor reconnects on a later message.
func (p *peer) eventuallyAppends(t *testing.T, stream string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if appendOK(p.request(appendReq(stream, event("Ping", []byte(`{}`))), time.Second)) {
			return
		}
	}
	t.Fatalf("peer could not append again after its connection was closed")
}

// localAppend appends through the node's own process.
func localAppend(t *testing.T, stream string) {
	t.Helper()
	reply := local(t, appendReq(stream, event("Ping", []byte(`{}`))))
	if !appendOK(reply, nil) {
		t.Fatalf("local append: %v", reply)
	}
}

func protoreflectString(s string) protoreflect.Value { return protoreflect.ValueOfString(s) }

func actorsDefault() actors.RemoteConfig { return actors.RemoteConfig{} }

func itoa(i int) string { return fmt.Sprint(i) }

// healthOf reports st's readiness checks to a node (as cmd/actorstore does).
func healthOf(st *actorstore.Store) func(context.Context) []node.HealthCheck {
	return func(ctx context.Context) []node.HealthCheck {
		rep := st.Health(ctx)
		out := make([]node.HealthCheck, len(rep.Checks))
		for i, c := range rep.Checks {
			out[i] = node.HealthCheck(c)
		}
		return out
	}
}
