package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/telemetry"
	"github.com/actorstore/actorstore/telemetry/console"
)

// lockedBuffer collects the log lines of the handler.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// serveConsole opens an embedded store and serves its admin endpoint with
// the console (and tokens, when given) on an httptest server.
func serveConsole(t *testing.T, ui console.Config, tokens ...telemetry.Token) (*actorstore.Store, string, *lockedBuffer) {
	t.Helper()
	ctx := context.Background()
	st, eng, err := actorstore.OpenEngine(ctx, actorstore.Config{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h, err := telemetry.NewHandler(telemetry.Source{Store: st, Engine: eng},
		telemetry.Config{Console: &ui, Tokens: tokens, Logger: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.CloseClientConnections(); _ = h.Close(); srv.Close(); _ = st.Close(ctx) })
	return st, srv.URL, logs
}

func appendN(t *testing.T, st *actorstore.Store, stream string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, err := st.Append(context.Background(), stream, actorstore.Any(), actorstore.EventData{ID: uuid.New(),
			Type: "Counted", ContentType: "application/json", Data: fmt.Appendf(nil, `{"n":%d}`, i+1)})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	return getJSONAs(t, url, "", v)
}

// getJSONAs is getJSON with a bearer token ("" for none).
func getJSONAs(t *testing.T, url, token string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil && res.StatusCode == 200 {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode
}

type page struct {
	Streams []struct {
		Stream  string `json:"stream"`
		Version uint64 `json:"version"`
	} `json:"streams"`
	First, Last string
}

// TestStreamBrowserPagesByPrefix pages through a category forward and
// back: every stream once, in order, with its version; other categories
// never show.
func TestStreamBrowserPagesByPrefix(t *testing.T) {
	st, base, _ := serveConsole(t, console.Config{Self: "node-1"})
	var want []string
	for i := 0; i < 23; i++ {
		s := fmt.Sprintf("cart-%02d", i)
		want = append(want, s)
		appendN(t, st, s, 1+i%2)
	}
	appendN(t, st, "carts-x", 1)
	appendN(t, st, "order-1", 1)
	var fwd []string
	for after := ""; ; {
		var p page
		if code := getJSON(t, base+"/ui/api/streams?prefix=cart-&limit=5&after="+after, &p); code != 200 {
			t.Fatalf("status %d", code)
		}
		if len(p.Streams) == 0 {
			break
		}
		for _, s := range p.Streams {
			fwd = append(fwd, s.Stream)
			if wantV := uint64(1 + slices.Index(want, s.Stream)%2); s.Version != wantV {
				t.Fatalf("%s at version %d, want %d", s.Stream, s.Version, wantV)
			}
		}
		after = p.Last
	}
	if !slices.Equal(fwd, want) {
		t.Fatalf("forward: %v", fwd)
	}
	var p page
	getJSON(t, base+"/ui/api/streams?prefix=cart-&limit=5&before=cart-05", &p)
	if p.First != "cart-00" || p.Last != "cart-04" {
		t.Fatalf("page before cart-05: %+v", p)
	}
	if code := getJSON(t, base+"/ui/api/streams?limit=0", nil); code != http.StatusBadRequest {
		t.Fatalf("limit 0: status %d, want 400", code)
	}
}

// TestStreamEventsBothWays reads a stream's newest page, the one before,
// and the oldest: versions, positions and the JSON data.
func TestStreamEventsBothWays(t *testing.T) {
	st, base, _ := serveConsole(t, console.Config{Self: "node-1"})
	appendN(t, st, "acct-1", 30)
	type view struct {
		Version uint64 `json:"version"`
		Owner   string `json:"owner"`
		Events  []struct {
			Version  uint64          `json:"version"`
			Position uint64          `json:"position"`
			JSON     json.RawMessage `json:"json"`
		} `json:"events"`
	}
	versions := func(v view) []uint64 {
		var out []uint64
		for _, e := range v.Events {
			out = append(out, e.Version)
		}
		return out
	}
	var newest, older, oldest view
	getJSON(t, base+"/ui/api/stream?id=acct-1&from=end&dir=backward&limit=10", &newest)
	if newest.Version != 30 || newest.Owner != "node-1" || !slices.Equal(versions(newest), []uint64{30, 29, 28, 27, 26, 25, 24, 23, 22, 21}) {
		t.Fatalf("newest page: %+v", newest)
	}
	if string(newest.Events[0].JSON) != `{"n":30}` || newest.Events[0].Position != 30 {
		t.Fatalf("event 30: %s at %d", newest.Events[0].JSON, newest.Events[0].Position)
	}
	getJSON(t, base+"/ui/api/stream?id=acct-1&from=20&dir=backward&limit=10", &older)
	getJSON(t, base+"/ui/api/stream?id=acct-1&from=1&dir=forward&limit=10", &oldest)
	if versions(older)[0] != 20 || versions(oldest)[0] != 1 || len(oldest.Events) != 10 {
		t.Fatalf("older %v, oldest %v", versions(older), versions(oldest))
	}
	var missing view
	if code := getJSON(t, base+"/ui/api/stream?id=nothing-here", &missing); code != 200 || len(missing.Events) != 0 || missing.Version != 0 {
		t.Fatalf("missing stream: %d %+v", code, missing)
	}
}

// TestLiveTailDeliversNewAppend: the tail says ready, then delivers an
// event appended afterwards, and only the tailed stream's.
func TestLiveTailDeliversNewAppend(t *testing.T) {
	st, base, _ := serveConsole(t, console.Config{Self: "node-1"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/ui/api/tail?stream=live-1", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	next := func() string {
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				name := strings.TrimPrefix(sc.Text(), "event: ")
				sc.Scan()
				return name + " " + strings.TrimPrefix(sc.Text(), "data: ")
			}
		}
		t.Fatalf("tail ended: %v", sc.Err())
		return ""
	}
	if m := next(); !strings.HasPrefix(m, "ready ") {
		t.Fatalf("first message %q, want ready", m)
	}
	appendN(t, st, "other-1", 1)
	appendN(t, st, "live-1", 1)
	if m := next(); !strings.HasPrefix(m, "event ") || !strings.Contains(m, `"stream":"live-1"`) {
		t.Fatalf("tail message %q, want the event of live-1", m)
	}
}

// TestConsoleAccess: the page is open; data routes need the role read;
// the write action exists only with Write, needs the role write, and is
// logged.
func TestConsoleAccess(t *testing.T) {
	read := telemetry.Token{Role: telemetry.RoleRead, Secret: "read-secret-0123456789"}
	write := telemetry.Token{Role: telemetry.RoleWrite, Secret: "write-secret-0123456789"}
	do := func(method, url, token, body string) int {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	_, base, _ := serveConsole(t, console.Config{Self: "n"}, read, write)
	body := `{"stream":"w-1","type":"Fixed","data":{"ok":true}}`
	for _, c := range []struct {
		method, path, token, body string
		want                      int
	}{
		{"GET", "/ui/", "", "", 200},
		{"GET", "/ui/app.js", "", "", 200},
		{"GET", "/ui/api/streams", "", "", 401},
		{"GET", "/ui/api/streams", read.Secret, "", 200},
		{"POST", "/ui/api/append", write.Secret, body, 405}, // read-only console: no write route
		{"POST", "/ui/api/projection-parked", write.Secret, `{"name":"x","version":1,"position":1,"action":"skip"}`, 405},
	} {
		if got := do(c.method, base+c.path, c.token, c.body); got != c.want {
			t.Errorf("read-only console: %s %s with %q: %d, want %d", c.method, c.path, c.token, got, c.want)
		}
	}
	st, base, logs := serveConsole(t, console.Config{Self: "n", Write: true}, read, write)
	if got := do("POST", base+"/ui/api/append", read.Secret, body); got != 403 {
		t.Errorf("append with a read token: %d, want 403", got)
	}
	if got := do("POST", base+"/ui/api/append", write.Secret, body); got != 200 {
		t.Fatalf("append with a write token: %d, want 200", got)
	}
	if h, _ := st.Head(context.Background(), "w-1"); h.Version != 1 {
		t.Fatalf("w-1 at version %d after the console's append", h.Version)
	}
	if !strings.Contains(logs.String(), "console write action") || !strings.Contains(logs.String(), `"stream":"w-1"`) {
		t.Fatalf("the write action was not logged: %s", logs.String())
	}
}
