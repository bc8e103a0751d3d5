package node

import (
	"context"
	"path/filepath"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/messages"
)

// TestTracedWithoutSpans: a request's context carries its trace ID (from
// options.trace_id, from the message header's trace, or a new one) in
// both modes; only a node whose path starts spans also makes it the
// trace of an OpenTelemetry span context.
func TestTracedWithoutSpans(t *testing.T) {
	id := eventstore.NewTraceID().String()
	header := eventstore.WithTraceIDUntraced(context.Background(), eventstore.NewTraceID().String())
	cases := []struct {
		name  string
		trace context.Context
		opts  *messages.RequestOptions
		want  string // "" means a new trace ID
	}{
		{"options", context.Background(), &messages.RequestOptions{TraceId: id}, id},
		{"header", header, &messages.RequestOptions{}, eventstore.TraceID(header)},
		{"none", context.Background(), nil, ""},
	}
	for _, c := range cases {
		for _, spanless := range []bool{true, false} {
			n := &Node{spanless: spanless}
			ctx := n.traced(context.Background(), c.trace, c.opts)
			got := eventstore.TraceID(ctx)
			if got == "" || (c.want != "" && got != c.want) {
				t.Errorf("%s, spanless %v: trace ID %q, want %q", c.name, spanless, got, c.want)
			}
			if has := trace.SpanContextFromContext(ctx).HasTraceID(); has == spanless {
				t.Errorf("%s, spanless %v: span context with a trace ID: %v", c.name, spanless, has)
			}
		}
	}
}

// TestSpanlessOnlyWithAnUntracedEngine: a node drops the span context
// only when it has no tracer and its Engine says the store starts no
// spans; without an Engine it cannot tell and keeps it. OpenEngine says
// whether the store traces.
func TestSpanlessOnlyWithAnUntracedEngine(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	cases := []struct {
		name string
		cfg  Config
		want bool
	}{
		{"no engine", Config{}, false},
		{"untraced engine", Config{Engine: &engine.Engine{}}, true},
		{"traced engine", Config{Engine: &engine.Engine{Traced: true}}, false},
		{"node tracer", Config{Engine: &engine.Engine{}, TracerProvider: tp}, false},
	}
	for _, c := range cases {
		if got := spanless(c.cfg); got != c.want {
			t.Errorf("%s: spanless %v, want %v", c.name, got, c.want)
		}
	}
	for _, traced := range []bool{false, true} {
		cfg := actorstore.Config{DataDir: filepath.Join(t.TempDir(), "data")}
		if traced {
			cfg.TracerProvider = tp
		}
		st, eng, err := actorstore.OpenEngine(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if eng.Traced != traced {
			t.Errorf("OpenEngine with a tracer %v: Engine.Traced %v", traced, eng.Traced)
		}
		if err := st.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
