package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

// scenario runs one named scenario against t.
func (r *runner) scenario(ctx context.Context, t Target, name string) (Result, error) {
	switch name {
	case Writers:
		return r.writers(ctx, t, name, func(i int) string { return r.stream("w", i) }), nil
	case Hot:
		return r.writers(ctx, t, name, func(i int) string { return r.stream("hot", i%r.c.HotStreams) }), nil
	case Mixed:
		return r.mixed(ctx, t), nil
	case CatchUp:
		return r.catchUp(ctx, t)
	case FanOut:
		return r.fanOut(ctx, t)
	case Transact:
		return r.transact(ctx, t), nil
	}
	return Result{}, fmt.Errorf("unknown scenario %q", name)
}

// payload is an event's data: a JSON object of c.EventSize bytes (at
// least the smallest such object).
func (r *runner) payload() []byte {
	const head, tail = `{"p":"`, `"}`
	n := max(r.c.EventSize-len(head)-len(tail), 0)
	return []byte(head + strings.Repeat("x", n) + tail)
}

func (r *runner) event(data []byte) eventstore.EventData {
	return eventstore.EventData{ID: r.newID(), Type: "BenchEvent", Data: data}
}

// newID is a new event ID of the kind c.EventIDs names: random (version
// 4, the default) or time-ordered (version 7, whose index inserts land
// next to each other).
func (r *runner) newID() uuid.UUID {
	if r.c.EventIDs == EventIDsTimeOrdered {
		return uuid.Must(uuid.NewV7())
	}
	return uuid.New()
}

// writers: c.Writers callers append one event per call to the stream
// streamOf gives them.
func (r *runner) writers(ctx context.Context, t Target, name string, streamOf func(int) string) Result {
	data := r.payload()
	res, rec := r.measure(ctx, name, r.c.Writers, func(ctx context.Context, i int, rec *recorder) {
		t0 := time.Now()
		if _, err := t.Append(ctx, streamOf(i), eventstore.Any(), r.event(data)); err != nil {
			rec.fail(err)
			return
		}
		rec.record(time.Since(t0), 1)
	})
	res.Events = rec.events
	res.Rate = float64(res.Events) / res.Seconds
	return res
}

// mixed: writers on their own streams; c.ReadRatio of the calls read the
// newest ten events of the caller's stream (the first call always writes).
func (r *runner) mixed(ctx context.Context, t Target) Result {
	data := r.payload()
	wrote := make([]bool, r.c.Writers)
	var written, read atomic.Int64
	res, _ := r.measure(ctx, Mixed, r.c.Writers, func(ctx context.Context, i int, rec *recorder) {
		stream := r.stream("m", i)
		t0 := time.Now()
		if wrote[i] && rand.Float64() < r.c.ReadRatio {
			evs, err := t.ReadStream(ctx, eventstore.StreamRead{Stream: stream, From: eventstore.End,
				Direction: eventstore.Backward, Limit: 10})
			if err != nil {
				rec.fail(err)
				return
			}
			rec.record(time.Since(t0), 0)
			read.Add(int64(len(evs)))
			return
		}
		if _, err := t.Append(ctx, stream, eventstore.Any(), r.event(data)); err != nil {
			rec.fail(err)
			return
		}
		rec.record(time.Since(t0), 1)
		wrote[i] = true
		written.Add(1)
	})
	res.Events, res.Read = written.Load(), read.Load()
	res.Rate = float64(res.Ops) / res.Seconds
	res.Note = fmt.Sprintf("rate is calls/s (%.0f%% reads of the newest 10 events)", 100*r.c.ReadRatio)
	return res
}

// transact: writers commit transactions of one event to each of
// c.TxStreams distinct streams drawn from a pool of c.TxPool.
func (r *runner) transact(ctx context.Context, t Target) Result {
	data := r.payload()
	res, rec := r.measure(ctx, Transact, r.c.Writers, func(ctx context.Context, i int, rec *recorder) {
		reqs := make([]eventstore.AppendRequest, 0, r.c.TxStreams)
		for _, k := range rand.Perm(r.c.TxPool)[:r.c.TxStreams] {
			reqs = append(reqs, eventstore.AppendRequest{Stream: r.stream("tx", k),
				Expected: eventstore.Any(), Events: []eventstore.EventData{r.event(data)}})
		}
		t0 := time.Now()
		if _, err := t.Transact(ctx, reqs...); err != nil {
			rec.fail(err)
			return
		}
		rec.record(time.Since(t0), len(reqs))
	})
	res.Events = rec.events
	res.Rate = float64(res.Events) / res.Seconds
	res.Note = fmt.Sprintf("%d streams per transaction, pool of %d", r.c.TxStreams, r.c.TxPool)
	return res
}

// preload appends n events (100 per call, to 100 streams, from
// c.FanOutWriters callers) and returns how many were acknowledged.
func (r *runner) preload(ctx context.Context, t Target, n int) (int64, error) {
	const perCall = 100
	data := r.payload()
	var next, acked atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range r.c.FanOutWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				start := next.Add(perCall) - perCall
				if start >= int64(n) {
					return
				}
				evs := make([]eventstore.EventData, min(perCall, int64(n)-start))
				for j := range evs {
					evs[j] = r.event(data)
				}
				if _, err := t.Append(ctx, r.stream("c", int(start/perCall)%100), eventstore.Any(), evs...); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				acked.Add(int64(len(evs)))
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return acked.Load(), firstErr
}

// catchUp preloads c.CatchUpEvents events, then one reader reads them in
// global order in pages of c.PageSize, starting over at the first
// preloaded event when it reaches the end, for c.Duration.
func (r *runner) catchUp(ctx context.Context, t Target) (Result, error) {
	from, err := lastPosition(ctx, t)
	if err != nil {
		return Result{}, err
	}
	from++
	r.progress(CatchUp+" (preload)", 0)
	preloaded, err := r.preload(ctx, t, r.c.CatchUpEvents)
	if err != nil {
		return Result{Preloaded: preloaded}, fmt.Errorf("preload: %w", err)
	}
	pos := from
	res, rec := r.measure(ctx, CatchUp, 1, func(ctx context.Context, _ int, rec *recorder) {
		t0 := time.Now()
		evs, err := t.ReadAll(ctx, eventstore.AllRead{From: pos, Limit: r.c.PageSize})
		if err != nil {
			rec.fail(err)
			return
		}
		rec.record(time.Since(t0), len(evs))
		if len(evs) < r.c.PageSize {
			pos = from
		} else {
			pos = evs[len(evs)-1].Position + 1
		}
	})
	res.Preloaded, res.Read = preloaded, rec.events
	res.Rate = float64(res.Read) / res.Seconds
	res.Note = fmt.Sprintf("read of %d preloaded events, pages of %d; latency per page", preloaded, r.c.PageSize)
	return res, nil
}

// errUndelivered is a fan-out whose subscribers did not get every event.
var errUndelivered = errors.New("subscribers did not receive every event within the drain timeout")

// fanOutDrain bounds the wait for subscribers to catch up after the writers stop.
const fanOutDrain = 60 * time.Second

// fanOut subscribes c.Subscribers to all streams from the current end,
// then c.FanOutWriters append for c.Duration; the phase ends when every
// subscriber has received every event. Latency is from the start of the
// append call to delivery.
func (r *runner) fanOut(ctx context.Context, t Target) (Result, error) {
	last, err := lastPosition(ctx, t)
	if err != nil {
		return Result{}, err
	}
	rec := newRecorder()
	delivered := make([]atomic.Int64, r.c.Subscribers)
	for i := range r.c.Subscribers {
		stop, err := t.Subscribe(ctx, last+1, func(e eventstore.RecordedEvent) {
			if ns, err := strconv.ParseInt(e.Metadata["t"], 10, 64); err == nil {
				rec.record(time.Since(time.Unix(0, ns)), 1)
			}
			delivered[i].Add(1)
		})
		if err != nil {
			return Result{}, fmt.Errorf("subscribe: %w", err)
		}
		defer stop()
	}
	data := r.payload()
	var written atomic.Int64
	var stopWriters atomic.Bool
	var wg sync.WaitGroup
	cpu0, t0 := cpuTime(), time.Now()
	rec.start = t0
	for i := range r.c.FanOutWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopWriters.Load() && ctx.Err() == nil {
				e := r.event(data)
				e.Metadata = map[string]string{"t": strconv.FormatInt(time.Now().UnixNano(), 10)}
				if _, err := t.Append(ctx, r.stream("f", i), eventstore.Any(), e); err == nil {
					written.Add(1)
				}
			}
		}()
	}
	r.tick(ctx, FanOut, rec, t0, nil)
	stopWriters.Store(true)
	wg.Wait()
	allIn := func() bool {
		for i := range delivered {
			if delivered[i].Load() < written.Load() {
				return false
			}
		}
		return true
	}
	dctx, cancel := context.WithTimeout(ctx, fanOutDrain)
	defer cancel()
	r.tick(dctx, FanOut, rec, time.Now(), allIn)
	elapsed := time.Since(t0)
	res := Result{Name: FanOut, Callers: r.c.Subscribers, Seconds: elapsed.Seconds(), Events: written.Load()}
	r.finish(&res, rec, cpuTime()-cpu0, elapsed)
	res.Read = rec.events
	res.Rate = float64(res.Read) / res.Seconds
	res.Note = fmt.Sprintf("%d subscribers, %d writers; rate is deliveries/s; latency append call to delivery",
		r.c.Subscribers, r.c.FanOutWriters)
	if !allIn() {
		return res, errUndelivered
	}
	return res, nil
}
