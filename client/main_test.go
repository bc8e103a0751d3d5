package client_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/node"
)

// The node runs in a child process (this test binary run again with
// nodeEnv set), the client in the test process: one remote endpoint per
// process, because protoactor's remote.Start writes gRPC's global logger
// unsynchronised (a real race when a second endpoint starts next to a
// running one), so -race stays meaningful for our own code.
const (
	nodeEnv = "ACTORSTORE_TEST_SERVE_DIR"
	peerEnv = "ACTORSTORE_TEST_PEER_OF"
	// noBatchEnv set in a node process turns off its append batches
	// (node.Config.NoAppendBatch): a node from before ADR 0027.
	noBatchEnv = "ACTORSTORE_TEST_NO_APPEND_BATCH"
)

var cl *client.Client

// nodeDir is the directory of the shared node process (its embedded store
// is in nodeDir/data).
var nodeDir string

func TestMain(m *testing.M) {
	if dir := os.Getenv(nodeEnv); dir != "" {
		serveNode(dir)
		return
	}
	if os.Getenv(peerEnv) != "" { // a peer process of another test: no shared node
		os.Exit(m.Run())
	}
	os.Exit(runWithNode(m))
}

func runWithNode(m *testing.M) int {
	dir, err := os.MkdirTemp("", "client-test")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	nodeDir = dir
	np, err := startNodeProcess(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer np.stop()
	cl, err = client.Dial(context.Background(), client.Config{NodeAddress: np.addr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		return 1
	}
	defer cl.Close()
	return m.Run()
}

// nodeProcess is a node in a child process on an embedded store; it stops
// when its stdin closes (stop) or it is killed.
type nodeProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
}

// startNodeProcess starts a node process on dir with env added to its
// environment.
func startNodeProcess(dir string, env ...string) (*nodeProcess, error) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), nodeEnv+"="+dir), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "addr=") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("node process did not start")
	}
	return &nodeProcess{cmd: cmd, stdin: in, addr: strings.TrimPrefix(sc.Text(), "addr=")}, nil
}

func (p *nodeProcess) stop() {
	p.stdin.Close()
	_ = p.cmd.Wait()
}

// echo answers every message with itself: protoactor's raw remote
// request/reply, for the benchmarks.
type echo struct{}

func (echo) Receive(c actors.Context) {
	if _, ok := c.Message().(proto.Message); ok {
		c.Respond(c.Message())
	}
}

// serveNode runs a node on an embedded store in dir until stdin closes.
func serveNode(dir string) {
	st, eng, err := actorstore.OpenEngine(context.Background(), actorstore.Config{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		panic(err)
	}
	// Served on the store's actor system, so its subscription hub is
	// reachable by peers.
	n, err := node.Start(st, node.Config{Address: "127.0.0.1:0", StoreKind: "embedded", Engine: eng,
		NoAppendBatch: os.Getenv(noBatchEnv) != ""})
	if err != nil {
		panic(err)
	}
	if _, err := n.System().SpawnNamed(actors.PropsOf(func() actors.Actor { return echo{} }), "echo"); err != nil {
		panic(err)
	}
	fmt.Printf("addr=%s\n", n.Address())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent exits
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = n.Close(ctx)
	_ = st.Close(ctx)
}
