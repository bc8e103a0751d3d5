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
	"testing"
	"time"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/persistence"
)

// TestNodeKilledFailsCallsFast: a peer (child process) appends with 30 s
// deadlines; its node (another child) is killed -9. The calls waiting for
// replies fail at once with a retryable *ConnectionError, not after 30 s.
func TestNodeKilledFailsCallsFast(t *testing.T) {
	np, err := startNodeProcess(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer np.stop()
	peer := exec.Command(os.Args[0], "-test.run=^TestPeerLosesNode$", "-test.v", "-test.count=1")
	peer.Env = append(os.Environ(), peerEnv+"="+np.addr)
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
			_ = np.cmd.Process.Kill()
		}
	}
	if err := peer.Wait(); err != nil || !strings.Contains(strings.Join(lines, "\n"), "--- PASS: TestPeerLosesNode") {
		t.Fatalf("peer: %v\n%s", err, strings.Join(lines, "\n"))
	}
}

func TestPeerLosesNode(t *testing.T) {
	addr := os.Getenv(peerEnv)
	if addr == "" {
		t.Skip("runs as a peer process of TestNodeKilledFailsCallsFast")
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
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				start := time.Now()
				_, err := c.Append(ctx, fmt.Sprintf("lose-%d", i), persistence.Any(), ev("E", `{}`))
				cancel()
				if err == nil {
					once.Do(func() { fmt.Println("appending") })
					continue
				}
				var ce *persistence.ConnectionError
				mu.Lock()
				if took := time.Since(start); !errors.As(err, &ce) || !persistence.IsRetryable(err) || took > 5*time.Second {
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
