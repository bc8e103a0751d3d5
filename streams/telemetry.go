package streams

import (
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Telemetry of the append path: the stream actor's span of an append, the
// writer's span of a group commit (linked to the spans of the appends it
// carries, since one commit serves many traces) with the database commit
// as its child, the commit metrics, and log lines with the trace ID.
// Spans are started only when Config.Instruments traces.

// Attribute keys of the append path's spans.
const (
	keyStream   = attribute.Key("actorstore.stream")
	keyEvents   = attribute.Key("actorstore.events")
	keyRequests = attribute.Key("actorstore.requests")
	keyCommand  = attribute.Key("actorstore.command")
)

// appendSpan starts the stream actor's span of an append, a child of the
// caller's span, and gives w its context; nil when not tracing.
func (s *streamActor) appendSpan(m *appendCmd, w *waiter) trace.Span {
	tel := s.sh.cfg.Instruments
	if !tel.Tracing {
		return nil
	}
	ctx := trace.ContextWithSpanContext(s.sh.ctx, m.span)
	_, span := tel.Tracer.Start(ctx, "actorstore.stream.append",
		trace.WithAttributes(keyStream.String(s.stream), keyEvents.Int(len(m.events))))
	w.span = span.SpanContext()
	if w.trace == "" { // the caller had no trace: the span's names the append
		w.trace = w.span.TraceID().String()
	}
	return span
}

func endSpan(span trace.Span) {
	if span != nil {
		span.End()
	}
}

// flushSpans are the span contexts of the appends of a flush; nil when
// not tracing.
func (s *streamActor) flushSpans(appends []*pending) []trace.SpanContext {
	if !s.sh.cfg.Instruments.Tracing {
		return nil
	}
	var out []trace.SpanContext
	for _, p := range appends {
		for _, w := range p.waiters {
			if w.span.IsValid() {
				out = append(out, w.span)
			}
		}
	}
	return out
}

// logConflict logs, at debug level, an append answered with a conflict.
// An append whose caller gave no trace ID (the Runtime called directly,
// not through an API boundary) gets one made up here, only when the line
// is logged.
func (s *streamActor) logConflict(err *eventstore.ConcurrencyError, trace string) {
	e := s.sh.log.Debug()
	if e == nil {
		return
	}
	if trace == "" {
		trace = eventstore.NewTraceID().String()
	}
	e.Str("trace_id", trace).Str("stream", err.Stream).
		Str("expected", err.Expected.String()).Uint64("actual", err.Actual).
		Msg("append rejected: wrong expected version")
}

// commit runs one group commit of batch (whose requests are reqs, events
// events in all) in the store, off the writer's mailbox: it counts it in
// the runtime's Stats, records the commit metrics, and, when tracing, wraps
// it in a writer span linked to every append's span, with the database
// commit as a child span.
func (sh *shared) commit(batch []*unit, reqs []eventstore.AppendRequest, events int) (
	[]eventstore.AppendResult, error) {
	tel, ctx := sh.cfg.Instruments, sh.ctx
	if events <= sh.cfg.Limits.MaxBatchEvents {
		// Every request was validated where it entered the runtime (Append,
		// Transact, an entity's append), and takeBatch never puts a stream
		// or an event ID twice into a batch: the store need not check the
		// batch again (persistence.ValidateAppend).
		ctx = persistence.WithValidatedBatch(ctx, reqs, sh.cfg.Limits)
	}
	var span trace.Span
	if tel.Tracing {
		ctx, span = tel.Tracer.Start(ctx, "actorstore.writer.batch", trace.WithLinks(batchLinks(batch)...),
			trace.WithAttributes(keyEvents.Int(events), keyRequests.Int(len(reqs))))
	}
	var commitSpan trace.Span
	if span != nil {
		ctx, commitSpan = tel.Tracer.Start(ctx, "actorstore.commit", trace.WithSpanKind(trace.SpanKindClient))
	}
	start := time.Now()
	results, err := sh.store.AppendBatch(ctx, reqs)
	d := time.Since(start)
	sh.stats.commitNanos.Add(int64(d))
	tel.Commit(ctx, events, committedBytes(batch, results, err), d, err != nil)
	if span != nil {
		if err != nil {
			commitSpan.RecordError(err)
			commitSpan.SetStatus(codes.Error, "commit failed")
		}
		commitSpan.End()
		span.End()
	}
	return results, err
}

func batchLinks(batch []*unit) []trace.Link {
	var links []trace.Link
	for _, u := range batch {
		if u.flush != nil {
			for _, sc := range u.flush.spans {
				links = append(links, trace.Link{SpanContext: sc})
			}
		}
		if u.tx != nil && u.tx.span.IsValid() {
			links = append(links, trace.Link{SpanContext: u.tx.span})
		}
	}
	return links
}

// committedBytes sums the sizes of the units whose requests committed.
func committedBytes(batch []*unit, results []eventstore.AppendResult, err error) int64 {
	if err != nil {
		return 0
	}
	var n int64
	for _, u := range batch {
		ok := true
		for _, sl := range u.slots { // where its requests are in the batch (buildBatch)
			if sl.at < len(results) && (results[sl.at].Err != nil || results[sl.at].Idempotent) {
				ok = false
			}
		}
		if ok {
			n += int64(u.bytes)
		}
	}
	return n
}
