package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Run measures what c says and returns the report. Baselines (when asked)
// run first, then the scenarios one after another, each for c.Duration.
// It stops early, with the results so far and ctx's error, when ctx ends.
func Run(ctx context.Context, c Config) (*Report, error) {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	r := &runner{c: c, id: uuid.NewString()[:8], started: time.Now()}
	r.phases = len(c.Scenarios)
	if slices.Contains(c.Scenarios, Growth) {
		r.phases += 2 // two measured phases and the preload
	}
	if c.Baselines {
		r.phases++ // the embedded store's and a node's one baseline
		if c.TargetKind() == "postgres" {
			r.phases++ // PostgreSQL has two
		}
	}
	rep := &Report{Started: r.started.UTC(), Target: c.TargetKind(), Machine: machine(), Config: c.settings()}
	if c.PostgresURL != "" && !c.NoCheckpoint {
		r.ckpt = &checkpointer{url: c.PostgresURL}
		defer func() {
			rep.Notes = append(rep.Notes, r.ckpt.close()...)
		}()
	}
	t, err := OpenTarget(ctx, c)
	if err != nil {
		return rep, fmt.Errorf("bench: open %s target: %w", c.TargetKind(), err)
	}
	defer t.Close(context.WithoutCancel(ctx))
	if c.Baselines {
		bs, err := runBaselines(ctx, r, t)
		rep.Baselines = bs
		if err != nil {
			return rep, err
		}
	}
	for _, name := range c.Scenarios {
		if name == Growth {
			res, err := r.growth(ctx, t)
			for i := range res {
				res[i].Ratios = ratios(res[i], rep.Baselines)
			}
			rep.Results = append(rep.Results, res...)
			if err != nil {
				return rep, &ScenarioError{Scenario: name, Err: err}
			}
			continue
		}
		res, err := r.scenario(ctx, t, name)
		if err != nil {
			return rep, &ScenarioError{Scenario: name, Err: err}
		}
		res.Ratios = ratios(res, rep.Baselines)
		rep.Results = append(rep.Results, res)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (c Config) settings() Settings {
	return Settings{Duration: c.Duration.Seconds(), Writers: c.Writers, EventSize: c.EventSize,
		HotStreams: c.HotStreams, ReadRatio: c.ReadRatio, CatchUpEvents: c.CatchUpEvents,
		PageSize: c.PageSize, Subscribers: c.Subscribers, FanOutWriters: c.FanOutWriters,
		TxStreams: c.TxStreams, TxPool: c.TxPool, TxConns: c.TxConns, GrowthEvents: c.GrowthEvents, EventIDs: c.EventIDs}
}

// ratios compares the rate at which a writing scenario wrote events with
// each baseline's rate. The read scenarios (catchup, fanout) get none: the
// baselines only write.
func ratios(res Result, baselines []Result) map[string]float64 {
	if len(baselines) == 0 || res.Name == CatchUp || res.Name == FanOut || res.Seconds <= 0 {
		return nil
	}
	m := map[string]float64{}
	for _, b := range baselines {
		if b.Rate > 0 {
			m[b.Name] = float64(res.Events) / res.Seconds / b.Rate
		}
	}
	return m
}

// runner carries what all phases of one Run share.
type runner struct {
	c       Config
	id      string // names this run's streams, so runs on one database do not meet
	started time.Time
	phases  int
	done    int           // phases finished
	ckpt    *checkpointer // nil: no CHECKPOINT before a phase
}

func (r *runner) stream(kind string, i int) string {
	return fmt.Sprintf("bench-%s-%s-%d", r.id, kind, i)
}

// progress reports the fraction of the run done, inside phase name.
func (r *runner) progress(name string, phaseDone float64) {
	if r.c.Progress != nil {
		r.c.Progress(name, (float64(r.done)+min(phaseDone, 1))/float64(r.phases))
	}
}

// measure runs op on callers goroutines, each calling it in a loop, for
// c.Duration, while sampling the recorder every c.Sample. Calls in flight
// when the time is up finish with ctx (they are not cancelled, so every
// acknowledged event is counted). It returns the result with the rates
// left to the caller.
func (r *runner) measure(ctx context.Context, name string, callers int,
	op func(ctx context.Context, caller int, rec *recorder)) (Result, *recorder) {
	rec := newRecorder()
	var stop atomic.Bool
	var wg sync.WaitGroup
	checkpointed := r.ckpt.run(ctx)
	cpu0, t0 := cpuTime(), time.Now()
	rec.start = t0
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() && ctx.Err() == nil {
				op(ctx, i, rec)
			}
		}()
	}
	r.tick(ctx, name, rec, t0, nil)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(t0)
	res := Result{Name: name, Callers: callers, Seconds: elapsed.Seconds(), Checkpointed: checkpointed}
	r.finish(&res, rec, cpuTime()-cpu0, elapsed)
	return res, rec
}

// tick samples rec and reports progress until c.Duration has passed since
// t0 (or until until returns true, when given), or ctx ends.
func (r *runner) tick(ctx context.Context, name string, rec *recorder, t0 time.Time, until func() bool) {
	progress := time.NewTicker(100 * time.Millisecond)
	defer progress.Stop()
	nextSample := t0.Add(r.c.Sample)
	end := t0.Add(r.c.Duration)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-progress.C:
			if !now.Before(nextSample) {
				rec.sample(now)
				nextSample = nextSample.Add(r.c.Sample)
			}
			r.progress(name, float64(now.Sub(t0))/float64(r.c.Duration))
			if until == nil && !now.Before(end) || until != nil && until() {
				return
			}
		}
	}
}

// finish fills res from rec and closes the last sample interval.
func (r *runner) finish(res *Result, rec *recorder, cpu, elapsed time.Duration) {
	rec.sample(time.Now())
	res.Ops, res.Errors, res.FirstError = rec.ops, rec.errors, rec.firstErr
	res.Latency = rec.latency()
	res.Samples = rec.samples
	res.Histogram = rec.buckets()
	res.CPU = cpu.Seconds()
	if elapsed > 0 {
		res.CPUPercent = 100 * cpu.Seconds() / elapsed.Seconds()
	}
	r.done++
	r.progress(res.Name, 0)
}
