package telemetry_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/telemetry"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func getAs(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestAdminEndpointRoles: with tokens configured, /metrics needs a read
// token, /debug/pprof/ an admin token; no token is 401, a token with too
// small a role 403; the probes stay open; no secret reaches the log.
func TestAdminEndpointRoles(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	const (
		readTok  = "read-secret-0123456789"
		writeTok = "write-secret-0123456789"
		adminTok = "admin-secret-0123456789"
		wrongTok = "wrong-secret-0123456789"
	)
	var logs syncBuffer
	srv, err := telemetry.Start(st, telemetry.Config{Address: "127.0.0.1:0", Logger: zerolog.New(&logs),
		Tokens: []telemetry.Token{{Secret: readTok, Role: telemetry.RoleRead},
			{Secret: writeTok, Role: telemetry.RoleWrite}, {Secret: adminTok, Role: telemetry.RoleAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	base := "http://" + srv.Address()
	cases := []struct {
		path, token string
		want        int
	}{
		{"/healthz", "", 200},
		{"/readyz", "", 200},
		{"/metrics", "", 401},
		{"/metrics", wrongTok, 401},
		{"/metrics", readTok, 200},
		{"/metrics", writeTok, 200},
		{"/metrics", adminTok, 200},
		{"/debug/pprof/", "", 401},
		{"/debug/pprof/", readTok, 403},
		{"/debug/pprof/", writeTok, 403},
		{"/debug/pprof/", adminTok, 200},
	}
	for _, c := range cases {
		if got := getAs(t, base+c.path, c.token); got != c.want {
			t.Errorf("GET %s with %q: %d, want %d", c.path, c.token, got, c.want)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "refused") {
		t.Errorf("refusals are not logged:\n%s", out)
	}
	for _, secret := range []string{readTok, writeTok, adminTok, wrongTok, "secret-0123"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains a secret %q:\n%s", secret, out)
		}
	}
}

// TestAdminEndpointWithoutTokens: the default (no tokens, loopback) keeps
// /metrics open and refuses /debug/pprof/ to everyone.
func TestAdminEndpointWithoutTokens(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	base := startAdmin(t, st)
	if got := getAs(t, base+"/metrics", ""); got != 200 {
		t.Errorf("/metrics without tokens configured: %d", got)
	}
	if got := getAs(t, base+"/debug/pprof/", "anything-at-all-123"); got != 401 {
		t.Errorf("/debug/pprof/ without tokens configured: %d, want 401", got)
	}
}

func TestParseTokens(t *testing.T) {
	toks, err := telemetry.ParseTokens("# comment\nread r-0123456789abcdef\n\nADMIN a-0123456789abcdef\n")
	if err != nil || len(toks) != 2 || toks[0].Role != telemetry.RoleRead || toks[1].Role != telemetry.RoleAdmin {
		t.Fatalf("tokens %v, %v", toks, err)
	}
	if s := toks[1].String(); strings.Contains(s, "a-0123") {
		t.Fatalf("String shows the secret: %s", s)
	}
	for _, bad := range []string{"read", "root x-0123456789abcdef", "read tiny1"} {
		_, err := telemetry.ParseTokens(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "x-0123") || strings.Contains(err.Error(), "tiny1") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}
