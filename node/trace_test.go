package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log lines whose trace_id is id.
func (b *syncBuffer) lines(id string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["trace_id"] == id {
			out = append(out, m)
		}
	}
	return out
}

var (
	nodeLog   = &syncBuffer{}
	nodeSpans = tracetest.NewInMemoryExporter()
)

var traceLine = regexp.MustCompile(`TRACE ([0-9a-f]{32}) ([0-9a-f]{16})`)

// TestFailedAppendFollowedByTraceID follows one failed append, a
// concurrency conflict sent by a peer process through the client, by its
// trace ID: the typed error the peer received names it (and it is the
// trace of the peer's own span); the node's log lines about it (the API
// actor's "request failed" and the stream actor's conflict) carry it in
// trace_id; and the node's spans of it (server span, the store's caller
// span, the stream actor's span) belong to that trace, the server span a
// child of the peer's client span, whose context travelled in the
// protoactor message header.
func TestFailedAppendFollowedByTraceID(t *testing.T) {
	out, err := peerCommand("TestPeerConflictTrace").CombinedOutput()
	m := traceLine.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("peer: %v\n%s", err, out)
	}
	traceID, clientSpan := m[1], m[2]
	t.Logf("peer's error and client span: trace %s, span %s", traceID, clientSpan)

	eventually(t, 10*time.Second, func() error {
		lines := nodeLog.lines(traceID)
		var api, stream bool
		for _, l := range lines {
			api = api || (l["message"] == "request failed" && l["code"] == "ERROR_CODE_CONCURRENCY" && l["op"] == "append")
			stream = stream || (strings.HasPrefix(fmt.Sprint(l["message"]), "append rejected") && l["stream"] == "trace-conflict")
		}
		if !api || !stream {
			return fmt.Errorf("node log lines with trace_id %s: %v (want the API actor's and the stream actor's)", traceID, lines)
		}
		return nil
	})
	for _, l := range nodeLog.lines(traceID) {
		t.Logf("node log: %v", l)
	}

	eventually(t, 10*time.Second, func() error {
		got := map[string]tracetest.SpanStub{}
		for _, s := range nodeSpans.GetSpans() {
			if s.SpanContext.TraceID().String() == traceID {
				got[s.Name] = s
			}
		}
		for _, name := range []string{"actorstore.node.append", "actorstore.append", "actorstore.stream.append"} {
			if _, ok := got[name]; !ok {
				return fmt.Errorf("no span %s in trace %s; have %v", name, traceID, keys(got))
			}
		}
		srv := got["actorstore.node.append"]
		if srv.Parent.SpanID().String() != clientSpan || !srv.Parent.IsRemote() {
			return fmt.Errorf("node span's parent %s (remote %v), want the peer's client span %s",
				srv.Parent.SpanID(), srv.Parent.IsRemote(), clientSpan)
		}
		if got["actorstore.append"].Parent.SpanID() != srv.SpanContext.SpanID() ||
			got["actorstore.stream.append"].Parent.SpanID() != got["actorstore.append"].SpanContext.SpanID() {
			return errors.New("spans not nested node -> store -> stream actor")
		}
		return nil
	})
}

// TestPeerConflictTrace is the peer of TestFailedAppendFollowedByTraceID:
// it traces its calls (in memory), makes a conflicting append and prints
// the error's trace ID and its client span's ID.
func TestPeerConflictTrace(t *testing.T) {
	addr := os.Getenv(peerEnv)
	if addr == "" {
		t.Skip("runs as a peer process of another test")
	}
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{NodeAddress: addr, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ev := eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}
	if _, err := c.Append(ctx, "trace-conflict", eventstore.Any(), ev); err != nil {
		t.Fatal(err)
	}
	opCtx, op := tp.Tracer("peer").Start(ctx, "peer.operation")
	ev.ID = uuid.New()
	_, err = c.Append(opCtx, "trace-conflict", eventstore.NoStream(), ev)
	op.End()
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %T %v, want *eventstore.ConcurrencyError", err, err)
	}
	if want := op.SpanContext().TraceID().String(); eventstore.TraceIDOf(err) != want || !strings.Contains(err.Error(), want) {
		t.Fatalf("error's trace ID %q (%v), want the peer's trace %s", eventstore.TraceIDOf(err), err, want)
	}
	var clientSpan trace.SpanID
	for _, s := range spans.GetSpans() {
		if s.Name == "actorstore.client.AppendRequest" && s.Parent.SpanID() == op.SpanContext().SpanID() {
			clientSpan = s.SpanContext.SpanID()
		}
	}
	if !clientSpan.IsValid() {
		t.Fatalf("no client span under the peer's operation: %v", spans.GetSpans())
	}
	fmt.Printf("TRACE %s %s\n", eventstore.TraceIDOf(err), clientSpan)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func eventually(t *testing.T, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
