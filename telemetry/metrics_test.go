package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/telemetry"
)

// workload is a known amount of work done on a store.
type workload struct {
	streams, appends, reads, subscriptions int
	conflicts                              int // appends with a wrong expected version, after the others
	events                                 int // sum over the appends
	bytes                                  int // their data and type bytes
}

// run appends w.appends times round-robin over w.streams streams (append i
// carries 1+i%3 events), reads every stream w.reads/w.streams times, and
// runs w.subscriptions all-stream subscriptions until each has seen every
// event and the hub has fanned out the last position.
func (w *workload) run(t *testing.T, src telemetry.Source) {
	st := src.Store
	t.Helper()
	ctx := context.Background()
	for i := range w.appends {
		evs := make([]actorstore.EventData, 1+i%3)
		for j := range evs {
			evs[j] = actorstore.EventData{ID: uuid.New(), Type: "Tick", Data: []byte(`{"n":1}`)}
			w.bytes += len("Tick") + len(`{"n":1}`)
		}
		if _, err := st.Append(ctx, fmt.Sprintf("s-%d", i%w.streams), actorstore.Any(), evs...); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		w.events += len(evs)
	}
	for i := range w.conflicts {
		ev := actorstore.EventData{ID: uuid.New(), Type: "Tick", Data: []byte(`{}`)}
		var ce *actorstore.ConcurrencyError
		if _, err := st.Append(ctx, fmt.Sprintf("s-%d", i%w.streams), actorstore.NoStream(), ev); !errors.As(err, &ce) {
			t.Fatalf("conflicting append %d: %v, want a *ConcurrencyError", i, err)
		}
	}
	for i := range w.reads {
		if _, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: fmt.Sprintf("s-%d", i%w.streams), From: 1,
			Limit: 1000}); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	seen := make([]atomic.Int64, w.subscriptions)
	for i := range w.subscriptions {
		sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{
			Start: actorstore.FromBeginning}, func(context.Context, actorstore.RecordedEvent) error {
			seen[i].Add(1)
			return nil
		})
		if err != nil {
			t.Fatalf("subscribe: %v", err)
		}
		t.Cleanup(func() { sub.Close() })
	}
	eventually(t, 30*time.Second, func() error {
		for i := range seen {
			if n := seen[i].Load(); n != int64(w.events) {
				return fmt.Errorf("subscription %d saw %d of %d events", i, n, w.events)
			}
		}
		h, err := src.Engine.Hub.Stats(ctx)
		if err == nil && h.Head != uint64(w.events) {
			err = fmt.Errorf("hub head %d, want %d", h.Head, w.events)
		}
		return err
	})
}

// TestMetricsMatchWorkload runs a known workload on each backend, scrapes
// /metrics over HTTP and expects the counters to equal the workload: the
// events and append requests made, one live and activated stream actor per
// stream, every read a cache hit or miss, the subscriptions running and
// the hub's head at the last position; the rest equal Store.Stats.
func TestMetricsMatchWorkload(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		testMetricsMatchWorkload(t, actorstore.Config{DataDir: t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		testMetricsMatchWorkload(t, actorstore.Config{PostgresURL: pgtest.Server(t).NewDatabase(t)})
	})
}

func testMetricsMatchWorkload(t *testing.T, cfg actorstore.Config) {
	src := openStore(t, cfg)
	base := startAdmin(t, src)
	w := &workload{streams: 7, appends: 100, reads: 21, subscriptions: 3, conflicts: 4}
	w.run(t, src)

	m := scrape(t, base)
	s := src.Engine.Stats()
	checkSyncMetrics(t, scrapeSeries(t, base), w, s, !cfg.Embedded())
	want := map[string]float64{
		"actorstore_events_appended_total":      float64(w.events),
		"actorstore_append_requests_total":      float64(w.appends),
		"actorstore_streams_live":               float64(w.streams),
		"actorstore_streams_activations_total":  float64(w.streams),
		"actorstore_streams_passivations_total": 0,
		"actorstore_streams_restarts_total":     0,
		"actorstore_subscriptions_live":         float64(w.subscriptions),
		"actorstore_subscriptions_groups":       0,
		"actorstore_subscriptions_head":         float64(w.events),
		// Not fixed by the workload (they depend on timing): as counted.
		"actorstore_commit_batches_total":      float64(s.Batches),
		"actorstore_commit_batch_max_size":     float64(s.MaxBatchEvents),
		"actorstore_commit_time_seconds_total": s.CommitTime.Seconds(),
		"actorstore_cache_hits_total":          float64(s.CacheHits),
		"actorstore_cache_misses_total":        float64(s.CacheMisses),
		"actorstore_cache_hit_ratio":           float64(s.CacheHits) / float64(w.reads),
	}
	for name, v := range want {
		got, ok := m[name]
		if !ok {
			t.Errorf("%s missing from /metrics", name)
		} else if math.Abs(got-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
	if s.CacheHits+s.CacheMisses != int64(w.reads) {
		t.Errorf("cache hits %d + misses %d, want %d reads", s.CacheHits, s.CacheMisses, w.reads)
	}
	if s.Batches < 1 || s.Batches > int64(w.appends) || s.MaxBatchEvents < 1 || s.MaxBatchEvents > int64(w.events) {
		t.Errorf("batches %d (max %d events): want 1..%d batches of 1..%d events",
			s.Batches, s.MaxBatchEvents, w.appends, w.events)
	}
	if s.CommitTime <= 0 {
		t.Errorf("commit time %v, want > 0 after %d commits", s.CommitTime, s.Batches)
	}
}

// TestRegisterWithOwnMeterProvider gives the store a meter provider the
// embedding program owns and registers the asynchronous instruments with
// it, read with a manual reader: the appended events are counted, the
// appends are in the store's latency histogram on that provider, and
// after Unregister the asynchronous ones are gone.
func TestRegisterWithOwnMeterProvider(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	src := openStore(t, actorstore.Config{DataDir: t.TempDir(), MeterProvider: mp})
	if src.Engine.Metrics != nil {
		t.Error("a store with its own meter provider still offers a private one")
	}
	reg, err := telemetry.Register(mp, src.Engine)
	if err != nil {
		t.Fatal(err)
	}
	w := &workload{streams: 2, appends: 5, reads: 0, subscriptions: 0}
	w.run(t, src)

	if got, ok := collectSum(t, reader, "actorstore.events.appended"); !ok || got != int64(w.events) {
		t.Errorf("actorstore.events.appended = %d (found %v), want %d", got, ok, w.events)
	}
	if got := collectHistogramCount(t, reader, "actorstore.append.duration"); got != uint64(w.appends) {
		t.Errorf("actorstore.append.duration on the program's provider counts %d appends, want %d", got, w.appends)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if got, ok := collectSum(t, reader, "actorstore.events.appended"); ok {
		t.Errorf("after Unregister actorstore.events.appended is still reported: %d", got)
	}
}

// collectSum collects reader and returns the value of the int64 sum name.
func collectSum(t *testing.T, reader sdkmetric.Reader, name string) (int64, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name && len(sum.DataPoints) == 1 {
				return sum.DataPoints[0].Value, true
			}
		}
	}
	return 0, false
}

// checkSyncMetrics checks the store's synchronous instruments and the
// database and subscription metrics against the workload: appends by
// outcome (ok, or the conflict's error code), errors by code, bytes,
// reads, group commits (histogram counts and sums equal to the stream
// counters), deliveries, subscription lag, and on PostgreSQL the pool.
func checkSyncMetrics(t *testing.T, m map[string]float64, w *workload, s streams.Stats, pool bool) {
	t.Helper()
	want := map[string]float64{
		`actorstore_append_duration_seconds_count{actorstore_operation="append"}`:                          float64(w.appends),
		`actorstore_append_duration_seconds_count{actorstore_operation="append",error_type="concurrency"}`: float64(w.conflicts),
		`actorstore_errors_total{actorstore_operation="append",error_type="concurrency"}`:                  float64(w.conflicts),
		`actorstore_read_duration_seconds_count{actorstore_operation="read_stream"}`:                       float64(w.reads),
		`actorstore_bytes_appended_total`:                                                                  float64(w.bytes),
		`actorstore_commit_batch_size_count`:                                                               float64(s.Batches),
		`actorstore_commit_batch_size_sum`:                                                                 float64(w.events),
		`actorstore_commit_duration_seconds_count`:                                                         float64(s.Batches),
		`actorstore_subscriptions_events_delivered_total`:                                                  float64(w.events * w.subscriptions),
		`actorstore_subscriptions_lag`:                                                                     0,
		`actorstore_db_retries_total`:                                                                      0,
	}
	if pool {
		want[`db_client_connection_max`] = 10 // both pools: 2 for appends and 8 for the rest (ADR 0031)
	}
	for name, v := range want {
		got, ok := m[name]
		if !ok {
			t.Errorf("%s missing from /metrics", name)
		} else if math.Abs(got-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
	if c := m[`actorstore_commit_duration_seconds_sum`]; math.Abs(c-s.CommitTime.Seconds()) > 1e-6 {
		t.Errorf("commit duration sum %v s, want the stream counters' %v", c, s.CommitTime)
	}
	if pool && m[`actorstore_db_pool_acquires_total`] < 1 {
		t.Errorf("no pool acquires after the workload: %v", m[`actorstore_db_pool_acquires_total`])
	}
}

// scrapeSeries fetches /metrics and returns each sample's value by its
// name and labels, without the otel_scope_* labels.
func scrapeSeries(t *testing.T, base string) map[string]float64 {
	t.Helper()
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d\n%s", code, body)
	}
	scope := regexp.MustCompile(`otel_scope_[a-z_]+="[^"]*",?`)
	samples := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		key := strings.TrimSuffix(strings.Replace(scope.ReplaceAllString(line[:i], ""), ",}", "}", 1), "{}")
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics: bad sample %q: %v", line, err)
		}
		samples[key] = v
	}
	return samples
}

// collectHistogramCount collects reader and returns the summed count of
// the float64 histogram name over its data points.
func collectHistogramCount(t *testing.T, reader sdkmetric.Reader, name string) uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	var n uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == name {
				for _, dp := range h.DataPoints {
					n += dp.Count
				}
			}
		}
	}
	return n
}
