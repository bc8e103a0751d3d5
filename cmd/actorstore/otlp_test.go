package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestServeExportsTracesOverOTLP runs serve with --otlp-endpoint pointing
// at a collector stand-in and appends through the CLI (a conflict): the
// collector receives the node's server span and the store's spans of
// that append, in one trace, with the conflict's error code on the node's.
func TestServeExportsTracesOverOTLP(t *testing.T) {
	var (
		mu    sync.Mutex
		spans = map[string]string{} // name -> trace ID (hex)
		codes = map[string]string{} // name -> status message
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					spans[s.GetName()] = fmt.Sprintf("%x", s.GetTraceId())
					codes[s.GetName()] = s.GetStatus().GetMessage()
				}
			}
		}
		mu.Unlock()
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(collector.Close)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50") // export every 50 ms, not 5 s
	bin := buildBinary(t)
	node := "--node=" + startServe(t, bin, "--otlp-endpoint", collector.URL)
	run(t, bin, 0, "", "append", node, "-s", "otlp-1", "-t", "Placed", "-d", "{}", "-e", "no-stream")
	run(t, bin, 1, "", "append", node, "-s", "otlp-1", "-t", "Placed", "-d", "{}", "-e", "no-stream")

	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		nodeTrace, storeTrace := spans["actorstore.node.append"], spans["actorstore.append"]
		ok := nodeTrace != "" && nodeTrace == storeTrace && spans["actorstore.stream.append"] == nodeTrace &&
			codes["actorstore.node.append"] == "ERROR_CODE_CONCURRENCY"
		got := fmt.Sprint(spans, codes)
		mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector did not receive the conflict's spans in one trace: %s", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
