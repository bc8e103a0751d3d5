package subscriptions

import (
	"math"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// caughtUp marks a flowGauge whose subscription has delivered everything
// it has seen and is live: no lag, whatever the hub's head.
const caughtUp = math.MaxUint64

// flowGauge is a subscription's delivery state, published by its actor
// after every message it handles (a few atomic stores) and read by
// Hub.Flow at metrics collections.
type flowGauge struct {
	done     atomic.Uint64 // every position up to this one was delivered or filtered out (caughtUp: all)
	oldest   atomic.Int64  // commit time (Unix ns) of the oldest event waiting to be sent; 0: none known
	inFlight atomic.Int64  // credited messages sent and not yet credited back
	window   atomic.Int64
	held     atomic.Int64 // events held in the actor's memory, not sent yet (queue and live buffer)
}

// publishFlow updates the actor's gauge.
func (a *subActor) publishFlow() {
	g := &a.gauge
	g.window.Store(int64(a.sp.window))
	g.inFlight.Store(int64(max(a.sp.window-a.credits, 0)))
	g.held.Store(int64(len(a.queue) + len(a.pending)))
	var oldest int64
	switch {
	case len(a.queue) > 0:
		oldest = a.queue[0].Created.UnixNano()
	case !a.live && len(a.pending) > 0:
		oldest = a.pending[0].Created.UnixNano()
	}
	g.oldest.Store(oldest)
	switch {
	case len(a.queue) > 0:
		g.done.Store(a.queue[0].Position - 1)
	case a.sp.stream == "" && a.resolved && a.next > 0:
		g.done.Store(a.next - 1) // all-stream: next is a position
	case a.live:
		g.done.Store(caughtUp)
	default:
		g.done.Store(a.signal)
	}
}

// delivered counts n events just sent and, when tracing, records the
// delivery as a span.
func (a *subActor) delivered(n int) {
	if n == 0 {
		return
	}
	tel := a.sh.cfg.Instruments
	tel.Delivered(a.ctx, n)
	if tel.Tracing {
		_, span := tel.Tracer.Start(a.ctx, "actorstore.subscription.deliver", trace.WithAttributes(
			attribute.String("actorstore.subscription", a.sp.id), attribute.Int("actorstore.events", n),
			attribute.Int64("actorstore.position", int64(a.signal))))
		span.End()
	}
}

// Flow is the delivery state of a hub's subscriptions, for metrics.
type Flow struct {
	// Subscriptions is the number of subscriptions reporting.
	Subscriptions int
	// MaxLag is the largest number of positions between head and what a
	// subscription has delivered (or filtered out).
	MaxLag uint64
	// MaxLagTime is the age of the oldest event waiting to be sent to any
	// subscriber (0 when none is known to wait).
	MaxLagTime time.Duration
	// CreditsInFlight sums, over subscriptions, the credited messages sent
	// and not yet credited back by their subscriber.
	CreditsInFlight int64
	// MaxHeld is the most events any one subscription actor holds in
	// memory and has not sent: its queue (at most BufferFactor times its
	// window, at least 16) plus the live events it holds while catching
	// up (the same bound).
	MaxHeld int64
}

// Flow reads every live subscription's delivery state against head (the
// hub's newest position, see Stats). It does not ask the actors: it reads
// what they published, and is safe for concurrent use.
func (h *Hub) Flow(head uint64) Flow {
	var f Flow
	now := time.Now().UnixNano()
	h.sh.flows.Range(func(k, _ any) bool {
		g := k.(*flowGauge)
		f.Subscriptions++
		if d := g.done.Load(); d != caughtUp && head > d {
			f.MaxLag = max(f.MaxLag, head-d)
		}
		if o := g.oldest.Load(); o > 0 && now > o {
			f.MaxLagTime = max(f.MaxLagTime, time.Duration(now-o))
		}
		f.CreditsInFlight += g.inFlight.Load()
		f.MaxHeld = max(f.MaxHeld, g.held.Load())
		return true
	})
	return f
}
