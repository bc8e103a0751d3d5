package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestMain gives every `serve` the tests start a free admin port, so they
// do not contend for the default one.
func TestMain(m *testing.M) {
	os.Setenv("ACTORSTORE_ADMIN_LISTEN", "127.0.0.1:0")
	pgtest.Main(m) // the bench and copy tests use PostgreSQL
}

// TestServeAnswersAdminEndpoint runs `serve --admin-listen 127.0.0.1:0`,
// takes the admin address from its ready line, and expects /healthz and
// /readyz to answer 200, /metrics to carry the store's metrics, and a
// clean exit on SIGTERM.
func TestServeAnswersAdminEndpoint(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--log-format", "json", "serve", "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Admin string }
			if strings.Contains(sc.Text(), "node ready") && json.Unmarshal(sc.Bytes(), &line) == nil {
				addr <- line.Admin
			}
		}
		close(addr)
	}()
	var admin string
	select {
	case a, ok := <-addr:
		if !ok || a == "" || a == "off" {
			t.Fatalf("serve gave no admin address in its ready line (%q)", a)
		}
		admin = a
	case <-time.After(60 * time.Second):
		t.Fatal("serve not ready within 60s")
	}

	for path, want := range map[string]string{
		"/healthz": "alive",
		"/readyz":  `"ok":true`,
		"/metrics": "actorstore_events_appended_total",
	} {
		code, body := httpGet(t, "http://"+admin+path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want 200 with %q\n%s", path, code, want, body)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v", err)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// TestServeAdminTokens: with --admin-token-file, /metrics refuses a request
// without a token (401) and with a token of no role (401), answers the read
// token, /debug/pprof/ refuses the read token (403), the probes stay open,
// and no secret appears in serve's log.
func TestServeAdminTokens(t *testing.T) {
	const readTok, adminTok = "serve-read-0123456789", "serve-admin-0123456789"
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	if err := os.WriteFile(file, []byte("read "+readTok+"\nadmin "+adminTok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--log-format", "json", "--log-level", "debug", "serve", "--data-dir", filepath.Join(dir, "data"),
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--admin-token-file", file)
	var logs strings.Builder
	var mu sync.Mutex
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			var line struct{ Admin string }
			if strings.Contains(sc.Text(), "node ready") && json.Unmarshal(sc.Bytes(), &line) == nil {
				addr <- line.Admin
			}
		}
	}()
	var admin string
	select {
	case admin = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatal("serve not ready within 60s")
	}
	get := func(path, token string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+admin+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/healthz", "", 200}, {"/readyz", "", 200},
		{"/metrics", "", 401}, {"/metrics", "not-a-token-0123456789", 401}, {"/metrics", readTok, 200},
		{"/debug/pprof/", readTok, 403}, {"/debug/pprof/", adminTok, 200},
	} {
		if got := get(c.path, c.token); got != c.want {
			t.Errorf("GET %s with %q: %d, want %d", c.path, c.token, got, c.want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	<-done
	mu.Lock()
	defer mu.Unlock()
	for _, secret := range []string{readTok, adminTok, "not-a-token"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("serve's log contains the secret %q", secret)
		}
	}
	if !strings.Contains(logs.String(), "refused") {
		t.Errorf("refusals not logged:\n%s", logs.String())
	}
}
