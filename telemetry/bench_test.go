package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/telemetry"
)

// BenchmarkCollect measures one collection of the store's instruments
// (stream counters and a request to the subscription hub actor) with a
// manual reader: the cost a scrape adds to the node, without HTTP.
func BenchmarkCollect(b *testing.B) {
	st, eng, err := actorstore.OpenEngine(context.Background(), actorstore.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close(context.Background()) })
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	if _, err := telemetry.Register(mp, eng); err != nil {
		b.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	for b.Loop() {
		if err := reader.Collect(context.Background(), &rm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScrape measures GET /metrics over loopback HTTP, text format.
func BenchmarkScrape(b *testing.B) {
	st, eng, err := actorstore.OpenEngine(context.Background(), actorstore.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close(context.Background()) })
	srv, err := telemetry.Start(telemetry.Source{Store: st, Engine: eng}, telemetry.Config{Address: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	url := "http://" + srv.Address() + "/metrics"
	for b.Loop() {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
