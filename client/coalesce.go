package client

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// Coalescing of appends (ADR 0027). An append that finds none of the
// client's appends in flight to the node is sent at once, alone, as an
// AppendRequest: a lone caller waits for nothing. An append that finds one
// in flight joins the pending batch, which is sent as one
// AppendBatchRequest when an append message in flight is answered, or at
// once when it reaches Config.MaxAppendBatch appends or the message size
// limit. There is no timer. The node answers each append of a batch on its
// own (result or error, with the append's trace ID); a batch is not a
// transaction.

// appendCall is one caller's append waiting in the pending batch. Calls
// are reused (callPool) once their caller has taken the outcome: the
// channel and the timer are made once per call object, not per append.
type appendCall struct {
	ctx context.Context
	// gen is the connection generation the call was made in: when it
	// ends before the call is sent, the call fails at once as a lost
	// connection (nothing was sent), as the calls in flight do.
	gen      context.Context
	req      *messages.AppendRequest
	size     int
	deadline time.Time
	// out receives the call's outcome (buffered: the sender never blocks).
	out chan appendOutcome
	// timer bounds the wait of a caller whose ctx has no deadline (a
	// context.WithTimeout per append was ~6% of a client's CPU under
	// 256 callers, most of it in the parent context's lock).
	timer *time.Timer
	// gone is set when the caller stopped waiting before the batch was
	// sent: the call is then left out of it (and never reused: its
	// sender may still hand it an outcome).
	gone atomic.Bool
}

// callPool holds answered calls for reuse.
var callPool = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &appendCall{out: make(chan appendOutcome, 1), timer: t}
}}

// getCall returns a call with an empty out channel and a stopped timer.
func getCall() *appendCall { return callPool.Get().(*appendCall) }

// putCall returns a call whose outcome its caller has taken (out is
// empty, the sender holds no further use of it).
func putCall(call *appendCall) {
	call.timer.Stop()
	call.ctx, call.gen, call.req = nil, nil, nil
	callPool.Put(call)
}

type appendOutcome struct {
	reply any
	err   error
}

// coalescer gathers the concurrent appends of one client.
type coalescer struct {
	c        *Client
	max      int // appends per batch
	maxBytes int // bytes per batch message
	mu       sync.Mutex
	inFlight int // append messages (single or batch) sent and not answered
	pending  []*appendCall
	bytes    int // of pending, with their framing

	messages atomic.Int64 // append messages sent: singles and batches
	batches  atomic.Int64 // AppendBatchRequests sent
	batched  atomic.Int64 // appends sent inside AppendBatchRequests
}

// batchEntryOverhead bounds the framing of one append inside a batch
// (field tag, length) and its timeout_ms, set when the batch is sent.
const batchEntryOverhead = 16

func newCoalescer(c *Client) *coalescer {
	return &coalescer{c: c, max: c.cfg.MaxAppendBatch, maxBytes: c.maxRequestBytes()}
}

// coalescable reports whether an append with ctx may join a batch: not
// when its span context must travel in the message header (a batch's
// header can carry only one).
func (c *Client) coalescable(ctx context.Context) bool {
	return c.co != nil && c.cfg.TracerProvider == nil && !oteltrace.SpanContextFromContext(ctx).IsValid()
}

// append sends req alone or in a batch and waits for its reply (an
// *messages.AppendReply) until ctx ends, or for the client's
// RequestTimeout when ctx has no deadline.
func (b *coalescer) append(ctx context.Context, trace string, req *messages.AppendRequest) (any, error) {
	dl, bounded := ctx.Deadline()
	if !bounded {
		dl = time.Now().Add(b.c.cfg.RequestTimeout)
	}
	timeout := time.Until(dl)
	req.Options = &messages.RequestOptions{TraceId: trace, TimeoutMs: nodeTimeoutMs(timeout)}
	size := wire.AppendSizeBound(req)
	if size > b.c.maxRequestBytes() { // the bound is not the size: measure it before refusing
		size = proto.Size(req)
		if err := b.c.checkSize(size); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	if b.inFlight == 0 && len(b.pending) == 0 {
		b.inFlight++
		b.mu.Unlock()
		b.messages.Add(1)
		// Without a deadline in ctx the request is bounded by the
		// actor system's RequestTimeout (the client's), on a reused
		// timer.
		reply, err := b.c.request(ctx, req)
		b.answered()
		return reply, err
	}
	call := getCall()
	call.ctx, call.gen, call.req, call.size, call.deadline = ctx, b.c.conn.current(), req, size+batchEntryOverhead, dl
	var full []*appendCall
	if len(b.pending) > 0 && b.bytes+call.size > b.maxBytes {
		full = b.takeLocked() // this call would overflow the message: send the others now
	}
	b.pending = append(b.pending, call)
	b.bytes += call.size
	if full == nil && len(b.pending) >= b.max {
		full = b.takeLocked()
	}
	b.mu.Unlock()
	if full != nil {
		go b.send(full)
	}
	var expired <-chan time.Time
	if !bounded {
		call.timer.Reset(timeout)
		expired = call.timer.C
	}
	select {
	case o := <-call.out:
		putCall(call)
		return o.reply, o.err
	case <-call.gen.Done():
		call.gone.Store(true)
		select {
		case o := <-call.out:
			return o.reply, o.err
		default:
		}
		return nil, b.c.conn.lostError(context.Canceled, ctx, call.gen)
	case <-ctx.Done():
		call.gone.Store(true)
		select { // answered meanwhile: take the answer
		case o := <-call.out:
			return o.reply, o.err
		default:
		}
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &eventstore.TimeoutError{Target: b.c.node.String(), Timeout: timeout}
		}
		return nil, ctx.Err()
	case <-expired:
		call.gone.Store(true)
		select {
		case o := <-call.out:
			return o.reply, o.err
		default:
		}
		return nil, &eventstore.TimeoutError{Target: b.c.node.String(), Timeout: timeout}
	}
}

// takeLocked empties the pending batch, counting it as a message in
// flight. b.mu is held.
func (b *coalescer) takeLocked() []*appendCall {
	calls := b.pending
	b.pending, b.bytes = nil, 0
	b.inFlight++
	return calls
}

// answered ends one message in flight and sends the pending batch, if any.
func (b *coalescer) answered() {
	b.mu.Lock()
	b.inFlight--
	var next []*appendCall
	if len(b.pending) > 0 {
		next = b.takeLocked()
	}
	b.mu.Unlock()
	if next != nil {
		go b.send(next)
	}
}

// send sends calls as one message (alone when only one is left) and
// hands each its outcome.
func (b *coalescer) send(calls []*appendCall) {
	defer b.answered()
	live := calls[:0]
	for _, call := range calls {
		if !call.gone.Load() && call.ctx.Err() == nil && call.gen.Err() == nil && time.Until(call.deadline) > 0 {
			live = append(live, call)
		}
	}
	switch len(live) {
	case 0:
		return
	case 1:
		call := live[0]
		call.req.Options.TimeoutMs = nodeTimeoutMs(time.Until(call.deadline))
		ctx := call.ctx
		if _, ok := ctx.Deadline(); !ok { // bounded by the call's own deadline, not a new RequestTimeout
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, call.deadline)
			defer cancel()
		}
		b.messages.Add(1)
		reply, err := b.c.request(ctx, call.req)
		call.out <- appendOutcome{reply, err}
		return
	}
	req := &messages.AppendBatchRequest{Appends: make([]*messages.AppendRequest, len(live))}
	latest := live[0].deadline
	for i, call := range live {
		call.req.Options.TimeoutMs = nodeTimeoutMs(time.Until(call.deadline))
		req.Appends[i] = call.req
		if call.deadline.After(latest) {
			latest = call.deadline
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), latest)
	defer cancel()
	b.messages.Add(1)
	b.batches.Add(1)
	b.batched.Add(int64(len(live)))
	reply, err := b.c.request(ctx, req)
	if err == nil {
		r, ok := reply.(*messages.AppendBatchReply)
		switch {
		case !ok:
			err = unexpected(reply, "AppendBatchReply")
		case r.GetError() != nil:
			err = remoteError("append", r.GetError())
		case len(r.GetReplies()) != len(live):
			err = unexpected(reply, "one AppendReply per append")
		default:
			for i, call := range live {
				call.out <- appendOutcome{reply: r.GetReplies()[i]}
			}
			return
		}
	}
	for _, call := range live {
		call.out <- appendOutcome{err: err}
	}
}

// Stats are counters of a client's append messages.
type Stats struct {
	// AppendMessages counts the messages that carried appends to the
	// node: AppendRequests and AppendBatchRequests.
	AppendMessages int64
	// AppendBatches counts the AppendBatchRequests among them, and
	// BatchedAppends the appends they carried.
	AppendBatches  int64
	BatchedAppends int64
	// PendingAppends are the appends waiting now to be sent in the next
	// batch.
	PendingAppends int
}

// Stats returns the client's append counters: with many concurrent
// callers AppendMessages stays well below the number of appends.
func (c *Client) Stats() Stats {
	if c.co == nil {
		return Stats{AppendMessages: c.singles.Load()}
	}
	c.co.mu.Lock()
	pending := len(c.co.pending)
	c.co.mu.Unlock()
	return Stats{AppendMessages: c.co.messages.Load() + c.singles.Load(), AppendBatches: c.co.batches.Load(),
		BatchedAppends: c.co.batched.Load(), PendingAppends: pending}
}
