package telemetry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/telemetry"
)

// TestAppendSpans traces one append and one subscription delivery: the
// caller's span (whose trace ID the store reports), the stream actor's span
// under it, the writer's batch span linked to the stream actor's span (a
// group commit serves many traces), the database commit under the batch
// span, and a delivery span for the subscription.
func TestAppendSpans(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	st := openStore(t, actorstore.Config{DataDir: t.TempDir(), TracerProvider: tp}).Store
	ctx := context.Background()
	delivered := make(chan struct{}, 1)
	sub, err := st.Subscribe(ctx, actorstore.SubscribeOptions{}, func(context.Context, actorstore.RecordedEvent) error {
		delivered <- struct{}{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	// A conflict carries the operation's trace ID: the caller span's.
	if _, err := st.Append(ctx, "traced", actorstore.NoStream(), actorstore.EventData{ID: uuid.New(), Type: "T",
		Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	<-delivered

	eventually(t, 10*time.Second, func() error {
		byName := map[string]tracetest.SpanStub{}
		for _, s := range spans.GetSpans() {
			byName[s.Name] = s
		}
		for _, n := range []string{"actorstore.append", "actorstore.stream.append", "actorstore.writer.batch",
			"actorstore.commit", "actorstore.subscription.deliver"} {
			if _, ok := byName[n]; !ok {
				return fmt.Errorf("no span %s", n)
			}
		}
		caller, stream := byName["actorstore.append"], byName["actorstore.stream.append"]
		batch, commit := byName["actorstore.writer.batch"], byName["actorstore.commit"]
		switch {
		case stream.Parent.SpanID() != caller.SpanContext.SpanID() || stream.SpanContext.TraceID() != caller.SpanContext.TraceID():
			return fmt.Errorf("stream actor span is not the caller span's child")
		case len(batch.Links) != 1 || batch.Links[0].SpanContext.SpanID() != stream.SpanContext.SpanID():
			return fmt.Errorf("batch span links %v, want the stream actor's span", batch.Links)
		case commit.Parent.SpanID() != batch.SpanContext.SpanID():
			return fmt.Errorf("commit span is not the batch span's child")
		}
		return nil
	})
}

// TestConflictTraceIDIsTheCallerSpans: with tracing on, the trace ID in a
// conflict error is the trace of the caller's span.
func TestConflictTraceIDIsTheCallerSpans(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	st := openStore(t, actorstore.Config{DataDir: t.TempDir(), TracerProvider: tp}).Store
	ctx, span := tp.Tracer("test").Start(context.Background(), "caller")
	defer span.End()
	ev := func() actorstore.EventData {
		return actorstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}
	}
	if _, err := st.Append(ctx, "c", actorstore.NoStream(), ev()); err != nil {
		t.Fatal(err)
	}
	_, err := st.Append(ctx, "c", actorstore.NoStream(), ev())
	if id := eventstore.TraceIDOf(err); id != span.SpanContext().TraceID().String() {
		t.Fatalf("conflict's trace ID %q, want the caller's trace %s (%v)", id, span.SpanContext().TraceID(), err)
	}
}

// TestOTLPExport sends the spans of an append over OTLP/HTTP to a
// collector stand-in, which must receive an export request holding the
// caller's span.
func TestOTLPExport(t *testing.T) {
	var (
		mu    sync.Mutex
		names []string
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					names = append(names, s.GetName())
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	t.Cleanup(collector.Close)
	ctx := context.Background()
	if !telemetry.OTLPConfigured(collector.URL) {
		t.Fatal("an endpoint does not configure OTLP")
	}
	tp, err := telemetry.NewOTLPTracerProvider(ctx, collector.URL)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, actorstore.Config{DataDir: t.TempDir(), TracerProvider: tp}).Store
	if _, err := st.Append(ctx, "otlp", actorstore.Any(), actorstore.EventData{ID: uuid.New(), Type: "T",
		Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := tp.Shutdown(ctx); err != nil { // flushes the batch
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, n := range names {
		found = found || n == "actorstore.append"
	}
	if !found {
		t.Fatalf("collector received spans %v, want actorstore.append among them", names)
	}
}
