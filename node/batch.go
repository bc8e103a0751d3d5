package node

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// MaxAppendBatch is the most appends one AppendBatchRequest may carry.
const MaxAppendBatch = 1024

// FeatureAppendBatch is listed in NodeStatus.features: the node serves
// AppendBatchRequest.
const FeatureAppendBatch = "append_batch"

// handleBatch serves an AppendBatchRequest (ADR 0027): each append of it
// is decoded, admitted, run and answered exactly as a lone AppendRequest
// (its own options, trace ID, timeout, error), and the answers go back in
// one AppendBatchReply once all are in. The batch is not a transaction.
// Appends to different streams run concurrently; appends of the batch to
// the same stream run one after another in batch order.
func (n *Node) handleBatch(sender *actors.PID, m *messages.AppendBatchRequest, trace context.Context) {
	appends := m.GetAppends()
	if len(appends) == 0 || len(appends) > MaxAppendBatch {
		e := wire.ErrorToProto(eventstore.AttachTraceID(&eventstore.InputError{Field: "appends", Rule: "count",
			Message: fmt.Sprintf("an append batch carries 1 to %d appends, this one %d", MaxAppendBatch, len(appends))},
			eventstore.TraceID(trace)))
		n.logFailure("append_batch", e)
		n.reply(sender, &messages.AppendBatchReply{Error: e})
		return
	}
	n.batchesServed.Add(1)
	replies := make([]*messages.AppendReply, len(appends))
	jobs := make([]job, len(appends))
	// groups lists, per stream, the indexes of its admitted appends in
	// batch order; order keeps the streams in order of first appearance.
	var (
		groups = make(map[string][]int, len(appends))
		order  = make([]string, 0, len(appends))
	)
	for i, a := range appends {
		j, refused := n.prepare(a, false, false, trace)
		if refused != nil {
			replies[i] = asAppendReply(refused)
			continue
		}
		jobs[i] = j
		s := a.GetStream()
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], i)
	}
	send := func() { n.reply(sender, &messages.AppendBatchReply{Replies: replies}) }
	if len(order) == 0 {
		send()
		return
	}
	// Appends of the batch with the same timeout share one context that
	// bounds them (one timer instead of one per append), started when
	// the batch arrived; each append adds only its own trace to it.
	limits := n.batchLimits(jobs, order, groups)
	var left atomic.Int64
	left.Store(int64(len(order)))
	for _, s := range order {
		idx := groups[s]
		n.workers.run(func() {
			for _, i := range idx {
				ctx := n.traced(limits.of(jobs[i].opts), trace, jobs[i].opts)
				replies[i] = asAppendReply(n.run(ctx, jobs[i]))
				n.done()
			}
			if left.Add(-1) == 0 {
				limits.cancel()
				send()
			}
		})
	}
}

// batchLimits holds the timeout contexts of one batch, one per distinct
// timeout among its appends (the appends a client coalesced were made
// within a round trip of each other, so they rarely differ).
type batchLimits struct {
	timeouts []time.Duration
	ctxs     []context.Context
	cancels  []context.CancelFunc
	n        *Node
}

// batchLimits starts the timeout contexts of the admitted appends of a
// batch (those listed in groups).
func (n *Node) batchLimits(jobs []job, order []string, groups map[string][]int) *batchLimits {
	l := &batchLimits{n: n}
	for _, s := range order {
		for _, i := range groups[s] {
			d := n.requestTimeout(jobs[i].opts)
			if !slices.Contains(l.timeouts, d) {
				ctx, cancel := context.WithTimeout(n.life, d)
				l.timeouts = append(l.timeouts, d)
				l.ctxs = append(l.ctxs, ctx)
				l.cancels = append(l.cancels, cancel)
			}
		}
	}
	return l
}

// of is the context that bounds an append with options o.
func (l *batchLimits) of(o *messages.RequestOptions) context.Context {
	return l.ctxs[slices.Index(l.timeouts, l.n.requestTimeout(o))]
}

func (l *batchLimits) cancel() {
	for _, c := range l.cancels {
		c()
	}
}

// asAppendReply is the reply of an append job (a clustered node's routed
// append answers with the owner's reply).
func asAppendReply(m any) *messages.AppendReply {
	if r, ok := m.(*messages.AppendReply); ok {
		return r
	}
	if e, ok := m.(*messages.Error); ok {
		return failAppend(e).(*messages.AppendReply)
	}
	return failAppend(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_INTERNAL,
		Message: fmt.Sprintf("node: an append was answered with %T", m)}).(*messages.AppendReply)
}

// BatchesServed counts the AppendBatchRequests the node has served.
func (n *Node) BatchesServed() int64 { return n.batchesServed.Load() }
