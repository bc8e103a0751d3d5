package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/actorstore/actorstore"
)

// TestEntityCommandsAreMeasured: entity commands have their own span
// (actorstore.execute, with the stream and the command's type), latency
// histogram by outcome and error counter, like the other API calls.
func TestEntityCommandsAreMeasured(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	src := openStore(t, actorstore.Config{DataDir: t.TempDir(), TracerProvider: tp})
	base := startAdmin(t, src)
	type add struct{ N int }
	kind, err := actorstore.Register(src.Store, actorstore.Entity[int, add, int]{
		Kind: "tally",
		Fold: func(n int, _ actorstore.RecordedEvent) int { return n + 1 },
		Handle: func(n int, c add) ([]actorstore.EventData, int, error) {
			if c.N < 0 {
				return nil, n, errors.New("negative")
			}
			return []actorstore.EventData{{Type: "Added", Data: []byte(`{}`)}}, n + 1, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := kind.Execute(ctx, "tally-1", add{1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kind.Execute(ctx, "tally-1", add{-1}); !errors.Is(err, actorstore.ErrRejected) {
		t.Fatalf("negative: %v, want a rejection", err)
	}

	m := scrapeSeries(t, base)
	for key, want := range map[string]float64{
		`actorstore_execute_duration_seconds_count{actorstore_operation="execute"}`:                         3,
		`actorstore_execute_duration_seconds_count{actorstore_operation="execute",error_type="validation"}`: 1,
		`actorstore_errors_total{actorstore_operation="execute",error_type="validation"}`:                   1,
	} {
		if m[key] != want {
			t.Errorf("%s = %v, want %v", key, m[key], want)
		}
	}
	eventually(t, 10*time.Second, func() error {
		var ok, failed int
		for _, s := range spans.GetSpans() {
			if s.Name != "actorstore.execute" {
				continue
			}
			attrs := map[string]string{}
			for _, a := range s.Attributes {
				attrs[string(a.Key)] = a.Value.Emit()
			}
			if attrs["actorstore.stream"] != "tally-1" || attrs["actorstore.command"] != "telemetry_test.add" {
				return fmt.Errorf("execute span attributes %v", attrs)
			}
			if attrs["error.type"] == "validation" {
				failed++
			} else {
				ok++
			}
		}
		if ok != 3 || failed != 1 {
			return fmt.Errorf("%d execute spans ok and %d failed, want 3 and 1", ok, failed)
		}
		return nil
	})
}
