package instruments

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/actorstore/actorstore/eventstore"
)

// ScopeName is the instrumentation scope of the store's synchronous
// instruments and of its tracer.
const ScopeName = "github.com/actorstore/actorstore"

// Attribute keys.
const (
	// KeyOperation names the API call: append, transact, read_stream,
	// read_all, execute (an entity command).
	KeyOperation = attribute.Key("actorstore.operation")
	// KeyErrorType is OpenTelemetry's error.type: the error code in lower
	// case (concurrency, invalid_input, ...); absent on success.
	KeyErrorType = attribute.Key("error.type")
)

// Op is an API call that is measured.
type Op int

// The measured operations.
const (
	OpAppend Op = iota
	OpTransact
	OpReadStream
	OpReadAll
	OpExecute
	numOps
)

var opNames = [numOps]string{"append", "transact", "read_stream", "read_all", "execute"}

// spanNames are the caller spans' names, built once.
var spanNames = [numOps]string{"actorstore.append", "actorstore.transact", "actorstore.read_stream",
	"actorstore.read_all", "actorstore.execute"}

// String is the operation's attribute value.
func (o Op) String() string { return opNames[o] }

// numCodes bounds the error codes.
const numCodes = eventstore.NumCodes

// Set is the store's instruments and tracer. A nil *Set is
// not valid; use Disabled. Safe for concurrent use.
type Set struct {
	// Tracer starts the store's spans; a no-op tracer unless Tracing.
	Tracer trace.Tracer
	// Tracing is true when a TracerProvider was configured: spans are
	// started only then.
	Tracing bool

	appendDur, readDur metric.Float64Histogram
	executeDur         metric.Float64Histogram
	errs               metric.Int64Counter
	bytes              metric.Int64Counter
	batchSize          metric.Int64Histogram
	commitDur          metric.Float64Histogram
	delivered          metric.Int64Counter

	okOpts   [numOps][]metric.RecordOption
	errOpts  [numOps][numCodes][]metric.RecordOption
	errAdds  [numOps][numCodes][]metric.AddOption
	batchErr []metric.RecordOption
}

// Disabled is a Set that records nothing and starts no spans.
func Disabled() *Set {
	t, _ := New(nil, nil)
	return t
}

// New creates the instruments with mp and the tracer with tp. A nil mp
// records nothing; a nil tp turns tracing off.
func New(mp metric.MeterProvider, tp trace.TracerProvider) (*Set, error) {
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	t := &Set{Tracing: tp != nil}
	if tp == nil {
		tp = tracenoop.NewTracerProvider()
	}
	t.Tracer = tp.Tracer(ScopeName)
	if err := t.instruments(mp.Meter(ScopeName)); err != nil {
		return nil, err
	}
	t.attributes()
	return t, nil
}

// Latency buckets, in seconds: 50 µs to 10 s.
var latencyBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Batch size buckets, in events.
var batchBuckets = []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000}

func (t *Set) instruments(m metric.Meter) error {
	var err error
	errs := make([]error, 0, 8)
	t.appendDur, err = m.Float64Histogram("actorstore.append.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of Append and Transact calls, from the call to its answer."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
	errs = append(errs, err)
	t.readDur, err = m.Float64Histogram("actorstore.read.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of ReadStream and ReadAll calls."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
	errs = append(errs, err)
	t.executeDur, err = m.Float64Histogram("actorstore.execute.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of entity commands (Kind.Execute, and peers' commands), from the call to its answer."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
	errs = append(errs, err)
	t.errs, err = m.Int64Counter("actorstore.errors", metric.WithUnit("{error}"),
		metric.WithDescription("Failed API calls, by operation and error code."))
	errs = append(errs, err)
	t.bytes, err = m.Int64Counter("actorstore.bytes.appended", metric.WithUnit("By"),
		metric.WithDescription("Bytes of event data, type and metadata committed by group commits."))
	errs = append(errs, err)
	t.batchSize, err = m.Int64Histogram("actorstore.commit.batch.size", metric.WithUnit("{event}"),
		metric.WithDescription("Events in one group commit."),
		metric.WithExplicitBucketBoundaries(batchBuckets...))
	errs = append(errs, err)
	t.commitDur, err = m.Float64Histogram("actorstore.commit.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of one group commit in the database."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
	errs = append(errs, err)
	t.delivered, err = m.Int64Counter("actorstore.subscriptions.events.delivered", metric.WithUnit("{event}"),
		metric.WithDescription("Events sent to subscribers."))
	errs = append(errs, err)
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (t *Set) attributes() {
	for op := range numOps {
		t.okOpts[op] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(KeyOperation.String(op.String())))}
		for c := range numCodes {
			set := metric.WithAttributeSet(attribute.NewSet(KeyOperation.String(op.String()),
				KeyErrorType.String(eventstore.Code(c).String())))
			t.errOpts[op][c] = []metric.RecordOption{set}
			t.errAdds[op][c] = []metric.AddOption{set}
		}
	}
	t.batchErr = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(KeyErrorType.String("batch_failed")))}
}

// Operation is one measured API call; see Start.
type Operation struct {
	t     *Set
	op    Op
	start time.Time
	span  trace.Span
	trace string
}

// Start begins measuring op: it starts the caller's span when tracing
// (name actorstore.<op>), makes sure ctx has a trace ID, and returns the
// context to run the operation with and its trace ID.
func (t *Set) Start(ctx context.Context, op Op) (context.Context, string, Operation) {
	o := Operation{t: t, op: op, start: time.Now()}
	if !t.Tracing { // no span will be started from ctx: the trace ID alone
		ctx, o.trace = eventstore.EnsureTraceIDUntraced(ctx)
		return ctx, o.trace, o
	}
	ctx, o.span = t.Tracer.Start(ctx, spanNames[op])
	ctx, o.trace = eventstore.EnsureTraceID(ctx)
	return ctx, o.trace, o
}

// SetAttributes adds attributes to the call's span (when tracing).
func (o Operation) SetAttributes(kv ...attribute.KeyValue) {
	if o.span != nil {
		o.span.SetAttributes(kv...)
	}
}

// End records the call's duration under its outcome, counts a failure by
// its error code, and ends the span (with the error as its status). It
// returns err with the call's trace ID attached (eventstore.AttachTraceID):
// the one place the root API attaches it.
func (o Operation) End(ctx context.Context, err error) error {
	err = eventstore.AttachTraceID(err, o.trace)
	d := time.Since(o.start).Seconds()
	h := o.t.appendDur
	switch o.op {
	case OpReadStream, OpReadAll:
		h = o.t.readDur
	case OpExecute:
		h = o.t.executeDur
	}
	if err == nil {
		h.Record(ctx, d, o.t.okOpts[o.op]...)
		if o.span != nil {
			o.span.End()
		}
		return nil
	}
	c := eventstore.CodeOf(err)
	if c < 0 || int(c) >= numCodes {
		c = eventstore.CodeInternal
	}
	h.Record(ctx, d, o.t.errOpts[o.op][c]...)
	o.t.errs.Add(ctx, 1, o.t.errAdds[o.op][c]...)
	if o.span != nil {
		o.span.RecordError(err)
		o.span.SetStatus(codes.Error, c.String())
		o.span.SetAttributes(KeyErrorType.String(c.String()))
		o.span.End()
	}
	return err
}

// Commit records one group commit: its size in events, its duration, and
// the bytes it committed; failed marks a batch the store rejected whole.
func (t *Set) Commit(ctx context.Context, events int, bytes int64, d time.Duration, failed bool) {
	if failed {
		t.batchSize.Record(ctx, int64(events), t.batchErr...)
		t.commitDur.Record(ctx, d.Seconds(), t.batchErr...)
		return
	}
	t.batchSize.Record(ctx, int64(events))
	t.commitDur.Record(ctx, d.Seconds())
	if bytes > 0 {
		t.bytes.Add(ctx, bytes)
	}
}

// Delivered counts n events sent to a subscriber.
func (t *Set) Delivered(ctx context.Context, n int) {
	t.delivered.Add(ctx, int64(n))
}
