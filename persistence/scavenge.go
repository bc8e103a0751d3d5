package persistence

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// Scavenger removes from disk the events that deletes and stream metadata
// hide (docs/lifecycle.md). Both backends implement it. Safe for
// concurrent use; two scavenges at once do no harm (one finds less to do).
type Scavenger interface {
	// ScavengeStep removes up to limit hidden events of one stream, the
	// first after cursor (in stream ID order; "" is before all) that has
	// any, in one
	// short transaction that takes no lock an append waits for (it
	// deletes event rows no append writes, and records how far it got on
	// the stream's retention row). It returns what it removed and the
	// cursor to continue from (the stream when it finished it, else cursor
	// again); Done when no stream after cursor has hidden events left. The positions and versions of kept events never
	// change, and the store never hands out a removed position again.
	ScavengeStep(ctx context.Context, cursor string, limit int) (ScavengeStep, error)
}

// ScavengeStep is what one ScavengeStep call did.
type ScavengeStep struct {
	Events int64 // events removed
	Bytes  int64 // their data bytes
	// Streams is 1 when the step finished a stream (nothing of it is
	// left to remove), else 0.
	Streams int
	Cursor  string
	Done    bool
}

// ScavengeOptions bound a scavenge. Zero fields take the defaults.
type ScavengeOptions struct {
	// BatchEvents is the most events one step removes (one transaction).
	// Default 500.
	BatchEvents int
	// EventsPerSecond bounds the removal rate (a token bucket,
	// golang.org/x/time/rate, with a burst of one batch). Default 5,000;
	// negative: no limit.
	EventsPerSecond int
	// Cursor resumes an earlier scavenge (its report's Cursor); "" starts
	// at the first stream.
	Cursor string
}

// ScavengeReport is what a scavenge removed.
type ScavengeReport struct {
	Events, Bytes int64
	Streams       int
	Steps         int
	Duration      time.Duration
	// Cursor is where the scavenge stopped ("" when it went through every
	// stream): pass it as ScavengeOptions.Cursor to resume.
	Cursor string
}

// Scavenge runs ScavengeStep until every stream is done or ctx ends,
// within opts' rate. A scavenge cut short (ctx ended, an error) has
// removed what its committed steps removed; its report's Cursor resumes
// it. It returns ctx's error when ctx ended (or would end during a wait)
// first.
func Scavenge(ctx context.Context, s Scavenger, opts ScavengeOptions) (ScavengeReport, error) {
	batch := opts.BatchEvents
	if batch <= 0 {
		batch = 500
	}
	limit := rate.Inf
	if opts.EventsPerSecond == 0 {
		opts.EventsPerSecond = 5_000
	}
	if opts.EventsPerSecond > 0 {
		limit = rate.Limit(opts.EventsPerSecond)
		batch = min(batch, opts.EventsPerSecond)
	}
	lim := rate.NewLimiter(limit, batch)
	rep := ScavengeReport{Cursor: opts.Cursor}
	start := time.Now()
	defer func() { rep.Duration = time.Since(start) }()
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		st, err := s.ScavengeStep(ctx, rep.Cursor, batch)
		if err != nil {
			return rep, err
		}
		rep.Steps++
		rep.Events += st.Events
		rep.Bytes += st.Bytes
		rep.Streams += st.Streams
		rep.Cursor = st.Cursor
		if st.Done {
			rep.Cursor = ""
			return rep, nil
		}
		// Pay for what the step removed (a step that removed nothing, one
		// event's worth), before the next.
		if err := lim.WaitN(ctx, int(max(st.Events, 1))); err != nil {
			return rep, err // ctx ended, or would end before the wait does
		}
	}
}
