package client_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

const withinEnv = "ACTORSTORE_TEST_FAIL_WITHIN"

// TestNodeKilledFailsCallsFast: a peer (child process) appends with 60 s
// deadlines; its node (another child) is killed -9. The calls waiting for
// replies fail at once with a retryable *ConnectionError, not after 60 s.
func TestNodeKilledFailsCallsFast(t *testing.T) {
	loseNode(t, "5s", func(p *os.Process) { _ = p.Kill() })
}

// TestNodeFrozenFailsCallsAfterKeepalive: the node is stopped (SIGSTOP)
// instead: nothing closes the connection, keepalive finds it dead (gRPC's
// minimum ping interval of 10 s plus the 5 s ping timeout), and the calls
// fail then, well before their 60 s deadline.
func TestNodeFrozenFailsCallsAfterKeepalive(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 15 s")
	}
	loseNode(t, "30s", func(p *os.Process) { _ = p.Signal(syscall.SIGSTOP) })
}

// loseNode runs TestPeerLosesNode against a node process and does lose to
// the node once the peer is appending; the peer's calls must fail with a
// retryable ConnectionError within within.
func loseNode(t *testing.T, within string, lose func(*os.Process)) {
	np, err := startNodeProcess(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer np.stop()
	peer := exec.Command(os.Args[0], "-test.run=^TestPeerLosesNode$", "-test.v", "-test.count=1")
	peer.Env = append(os.Environ(), peerEnv+"="+np.addr, withinEnv+"="+within)
	out, err := peer.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	peer.Stderr = peer.Stdout
	if err := peer.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if sc.Text() == "appending" {
			lose(np.cmd.Process)
		}
	}
	_ = np.cmd.Process.Signal(syscall.SIGCONT) // a frozen node resumes, to stop
	if err := peer.Wait(); err != nil || !strings.Contains(strings.Join(lines, "\n"), "--- PASS: TestPeerLosesNode") {
		t.Fatalf("peer: %v\n%s", err, strings.Join(lines, "\n"))
	}
}

func TestPeerLosesNode(t *testing.T) {
	addr := os.Getenv(peerEnv)
	if addr == "" {
		t.Skip("runs as a peer process of TestNodeKilledFailsCallsFast")
	}
	within, err := time.ParseDuration(os.Getenv(withinEnv))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(context.Background(), client.Config{NodeAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		mu    sync.Mutex
		fails []string
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				start := time.Now()
				_, err := c.Append(ctx, fmt.Sprintf("lose-%d", i), eventstore.Any(), ev("E", `{}`))
				cancel()
				if err == nil {
					once.Do(func() { fmt.Println("appending") })
					continue
				}
				var ce *eventstore.ConnectionError
				mu.Lock()
				if took := time.Since(start); !errors.As(err, &ce) || !eventstore.IsRetryable(err) || took > within {
					fails = append(fails, fmt.Sprintf("caller %d: %v after %v", i, err, took))
				}
				mu.Unlock()
				return
			}
		}()
	}
	wg.Wait()
	for _, f := range fails {
		t.Error(f)
	}
}
