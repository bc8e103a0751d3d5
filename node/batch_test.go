package node_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/internal/sqlitelock"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/node"
)

// TestAppendBatchAnswersEachAppend: a peer sends the node one
// AppendBatchRequest (ADR 0027) and gets one AppendBatchReply with one
// answer per append, in request order: appends of the batch to the same
// stream are applied in batch order (each expects the version the one
// before it made), a wrong expectation, a missing stream and an append
// without events fail on their own with their own trace IDs while the
// others commit, and a retry of an append inside the batch is idempotent.
// An empty batch and one over node.MaxAppendBatch are refused whole. The
// node counts the batches it served.
func TestAppendBatchAnswersEachAppend(t *testing.T) {
	before := testNode.BatchesServed()
	runPeer(t, "TestPeerAppendBatch")
	if got := testNode.BatchesServed() - before; got != 1 {
		t.Fatalf("node served %d batches, want 1 (the refused ones are not served)", got)
	}
}

func exact(v uint64) *messages.ExpectedVersion {
	return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Exact{Exact: v}}
}

func TestPeerAppendBatch(t *testing.T) {
	p := newPeer(t, actorsDefault())
	run := uuid.NewString()[:8]
	ordered, other, idem := "batch-ordered-"+run, "batch-other-"+run, "batch-idem-"+run
	withTrace := func(r *messages.AppendRequest, trace string) *messages.AppendRequest {
		r.Options = &messages.RequestOptions{TraceId: trace, TimeoutMs: 5000}
		return r
	}
	const steps = 30
	stored := event("Once", []byte(`{}`))
	var reqs []*messages.AppendRequest
	kinds := map[int]string{}
	for v := range uint64(steps) {
		// ordered's appends, each expecting the version the one before it
		// made, interleaved with appends to other streams.
		r := appendReq(ordered, event("Step", fmt.Appendf(nil, `{"n":%d}`, v)))
		r.Expected = exact(v)
		reqs = append(reqs, withTrace(r, fmt.Sprintf("ordered-%d", v)))
		reqs = append(reqs, withTrace(appendReq(fmt.Sprintf("%s-%d", other, v), event("E", []byte(`{}`))), "other"))
		switch v {
		case 3:
			kinds[len(reqs)] = "conflict"
			r := appendReq(other+"-conflict", event("E", []byte(`{}`)))
			r.Expected = exact(7)
			reqs = append(reqs, withTrace(r, "trace-conflict"))
		case 5:
			kinds[len(reqs)] = "no stream"
			reqs = append(reqs, withTrace(appendReq("", event("E", []byte(`{}`))), "trace-no-stream"))
		case 8:
			kinds[len(reqs)] = "no events"
			reqs = append(reqs, withTrace(appendReq(other+"-empty"), "trace-no-events"))
		case 10:
			kinds[len(reqs)] = "first"
			reqs = append(reqs, withTrace(appendReq(idem, stored), "idem-1"))
		case 20:
			kinds[len(reqs)] = "retry"
			reqs = append(reqs, withTrace(appendReq(idem, stored), "idem-2"))
		}
	}
	reply, err := p.request(&messages.AppendBatchRequest{Appends: reqs}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := reply.(*messages.AppendBatchReply)
	if !ok || r.GetError() != nil || len(r.GetReplies()) != len(reqs) {
		t.Fatalf("reply = %T %v; want %d answers", reply, reply, len(reqs))
	}
	var step uint64
	for i, a := range r.GetReplies() {
		req := reqs[i]
		e, res := a.GetError(), a.GetResult()
		switch kinds[i] {
		case "conflict":
			if e.GetCode() != messages.ErrorCode_ERROR_CODE_CONCURRENCY || e.GetStream() != req.GetStream() || e.GetTraceId() != "trace-conflict" {
				t.Errorf("answer %d (wrong expectation) = %v", i, a)
			}
		case "no stream":
			if e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT || e.GetTraceId() != "trace-no-stream" {
				t.Errorf("answer %d (no stream) = %v", i, a)
			}
		case "no events":
			if e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT || e.GetTraceId() != "trace-no-events" {
				t.Errorf("answer %d (no events) = %v", i, a)
			}
		case "first", "retry":
			if e != nil || res.GetStream() != idem || res.GetFirstVersion() != 1 || res.GetIdempotent() != (kinds[i] == "retry") {
				t.Errorf("answer %d (%s append of one event ID) = %v", i, kinds[i], a)
			}
		default:
			if e != nil || res.GetStream() != req.GetStream() {
				t.Errorf("answer %d = %v, want a result for %s", i, a, req.GetStream())
				continue
			}
			if req.GetStream() == ordered {
				step++
				if res.GetFirstVersion() != step {
					t.Errorf("answer %d: %s at version %d, want %d", i, ordered, res.GetFirstVersion(), step)
				}
			}
		}
	}
	if step != steps {
		t.Errorf("%d of %d ordered appends answered", step, steps)
	}

	for _, n := range []int{0, node.MaxAppendBatch + 1} {
		b := &messages.AppendBatchRequest{}
		for range n {
			b.Appends = append(b.Appends, appendReq("batch-refused-"+run, event("E", []byte(`{}`))))
		}
		reply, err := p.request(b, 10*time.Second)
		r, ok := reply.(*messages.AppendBatchReply)
		if err != nil || !ok || r.GetError().GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT || len(r.GetReplies()) != 0 {
			t.Errorf("batch of %d appends: %v, %v; want it refused as invalid input", n, reply, err)
		}
	}
	head, err := p.request(&messages.HeadRequest{Stream: "batch-refused-" + run}, 5*time.Second)
	if err != nil || head.(*messages.HeadReply).GetResult().GetVersion() != 0 {
		t.Errorf("stream of the refused batches: %v, %v; want nothing written", head, err)
	}
}

// TestAppendBatchBoundsEachAppendByItsOwnTimeout: every append of a batch
// is bounded by its own timeout_ms, also where appends of a batch with
// the same timeout share one timer (ADR 0029). While another connection
// holds the write lock of the store's SQLite file, a batch of two appends
// with 300 ms and one with 30 s: the two short ones time out (the node
// logs their timeouts while the lock still holds); once the lock is
// released, the long one commits. Each answer carries its own trace ID.
func TestAppendBatchBoundsEachAppendByItsOwnTimeout(t *testing.T) {
	release := lockTestStore(t)
	defer release()
	run := uuid.NewString()[:8]
	type part struct {
		stream, trace string
		ms            uint32
	}
	parts := []part{{"batch-short-a-" + run, "short-a-" + run, 300}, {"batch-long-" + run, "long-" + run, 30_000},
		{"batch-short-b-" + run, "short-b-" + run, 300}}
	batch := &messages.AppendBatchRequest{}
	for _, p := range parts {
		r := appendReq(p.stream, event("E", []byte(`{}`)))
		r.Options = &messages.RequestOptions{TraceId: p.trace, TimeoutMs: p.ms}
		batch.Appends = append(batch.Appends, r)
	}
	type outcome struct {
		reply any
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		reply, err := actors.Request(ctx, testNode.System(), testNode.PID(), batch)
		done <- outcome{reply, err}
	}()
	for _, p := range []part{parts[0], parts[2]} {
		eventually(t, 20*time.Second, func() error {
			for _, l := range nodeLog.lines(p.trace) {
				if l["message"] == "request failed" && l["code"] == "ERROR_CODE_TIMEOUT" {
					return nil
				}
			}
			return fmt.Errorf("no timeout logged for %s (trace %s)", p.stream, p.trace)
		})
	}
	release()
	o := <-done
	r, ok := o.reply.(*messages.AppendBatchReply)
	if o.err != nil || !ok || len(r.GetReplies()) != len(parts) {
		t.Fatalf("reply = %v, %v; want %d answers", o.reply, o.err, len(parts))
	}
	for i, a := range r.GetReplies() {
		p := parts[i]
		if p.ms == 300 {
			if e := a.GetError(); e.GetCode() != messages.ErrorCode_ERROR_CODE_TIMEOUT || e.GetTraceId() != p.trace {
				t.Errorf("answer %d (%d ms) = %v, want a timeout with trace %s", i, p.ms, a, p.trace)
			}
			continue
		}
		if a.GetError() != nil || a.GetResult().GetStream() != p.stream {
			t.Errorf("answer %d (%d ms) = %v, want a result for %s", i, p.ms, a, p.stream)
		}
	}
}

// lockTestStore takes the write lock of testStore's SQLite file as
// another process would (sqlitelock.Hold).
func lockTestStore(t *testing.T) (release func()) {
	t.Helper()
	return sqlitelock.Hold(t, filepath.Join(testDir, "data", actorstore.EmbeddedFileName))
}
