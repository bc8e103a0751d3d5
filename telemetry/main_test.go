package telemetry_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/telemetry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openStore opens a store and its engine (as cmd/actorstore does); the
// store is closed when t ends.
func openStore(t *testing.T, cfg actorstore.Config) telemetry.Source {
	t.Helper()
	st, eng, err := actorstore.OpenEngine(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	return telemetry.Source{Store: st, Engine: eng}
}

// startAdmin serves st's admin endpoint on a free loopback port until t
// ends and returns its base URL.
func startAdmin(t *testing.T, st telemetry.Source) string {
	t.Helper()
	srv, err := telemetry.Start(st, telemetry.Config{Address: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("start admin: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("admin shutdown: %v", err)
		}
	})
	return "http://" + srv.Address()
}

// get fetches url and returns the status code and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// readiness fetches /readyz and decodes its report.
func readiness(t *testing.T, base string) (int, actorstore.HealthReport, string) {
	t.Helper()
	code, body := get(t, base+"/readyz")
	var rep actorstore.HealthReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("/readyz body is not a HealthReport: %v\n%s", err, body)
	}
	return code, rep, body
}

func check(rep actorstore.HealthReport, name string) (actorstore.HealthCheck, bool) {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return actorstore.HealthCheck{}, false
}

// scrape fetches /metrics and returns each sample's value by metric name
// (labels dropped: every store metric has one series).
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d\n%s", code, body)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("/metrics: bad sample %q: %v", line, err)
		}
		samples[name] = v
	}
	return samples
}

// eventually calls f until it returns nil or the deadline passes, then
// fails t with f's last error.
func eventually(t *testing.T, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", within, err)
		}
		<-tick.C
	}
}
