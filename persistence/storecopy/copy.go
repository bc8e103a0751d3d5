package storecopy

import (
	"context"
	"fmt"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// DefaultBatchEvents is the default page size: events read and written at once.
const DefaultBatchEvents = 10_000

// Importer writes events exactly as another store recorded them
// (positions, versions, IDs, created times); see postgres.Store.Import.
type Importer interface {
	Import(ctx context.Context, evs []eventstore.RecordedEvent) error
}

// CheckpointLister lists every stored checkpoint; both backends implement it.
type CheckpointLister interface {
	Checkpoints(ctx context.Context) (map[string]eventstore.Position, error)
}

// Options of Copy; zero fields mean their defaults.
type Options struct {
	// BatchEvents read and written at once (default DefaultBatchEvents).
	BatchEvents int
	// Resume continues a copy into a target that holds a prefix of the source.
	Resume bool
	// Progress, when set, is called after each page with the events copied
	// so far (including those a resumed copy found) and the source's total.
	Progress func(copied, total uint64)
}

// Stats describe a finished copy.
type Stats struct {
	// Events copied by this call (a resumed copy does not count the
	// events it found), and Skipped those it found already in the target.
	Events  uint64
	Skipped uint64
	// Checkpoints copied.
	Checkpoints int
	// Bulk is true when the target imported events as recorded (created times kept).
	Bulk    bool
	Elapsed time.Duration
}

// Copy copies every event of from, and its checkpoints, into to (see the
// package documentation). Errors: *TargetNotEmptyError, *MismatchError,
// ErrNoCheckpointList, or the stores' own errors; after a failure the
// target holds a prefix of the source in whole pages, and a new Copy with
// Resume continues it.
func Copy(ctx context.Context, from, to persistence.Store, o Options) (Stats, error) {
	start := time.Now()
	if o.BatchEvents <= 0 {
		o.BatchEvents = DefaultBatchEvents
	}
	lister, ok := from.(CheckpointLister)
	if !ok {
		return Stats{}, ErrNoCheckpointList
	}
	total, err := from.LastPosition(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("storecopy: source: %w", err)
	}
	done, err := startPosition(ctx, from, to, total, o.Resume)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Skipped: done}
	imp, bulk := to.(Importer)
	st.Bulk = bulk
	pages := readPages(ctx, from, done+1, total, o.BatchEvents)
	for p := range pages {
		if p.err != nil {
			return st, fmt.Errorf("storecopy: read source: %w", p.err)
		}
		if bulk {
			err = imp.Import(ctx, p.events)
		} else {
			err = appendPage(ctx, to, p.events)
		}
		if err != nil {
			return st, fmt.Errorf("storecopy: write target at position %d: %w", p.events[0].Position, err)
		}
		st.Events += uint64(len(p.events))
		if o.Progress != nil {
			o.Progress(done+st.Events, total)
		}
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	st.Checkpoints, err = copyCheckpoints(ctx, lister, to)
	st.Elapsed = time.Since(start)
	return st, err
}

// startPosition returns the target's last position, after checking that
// the copy may go on from there.
func startPosition(ctx context.Context, from, to persistence.Store, total uint64, resume bool) (uint64, error) {
	last, err := to.LastPosition(ctx)
	if err != nil {
		return 0, fmt.Errorf("storecopy: target: %w", err)
	}
	if last == 0 {
		return 0, nil
	}
	if !resume {
		return 0, &TargetNotEmptyError{LastPosition: last}
	}
	if last > total {
		return 0, &MismatchError{Position: last, Reason: fmt.Sprintf("the target holds more events than the source (%d)", total)}
	}
	read := eventstore.AllRead{From: last, Limit: 1}
	src, err := from.ReadAll(ctx, read)
	if err != nil {
		return 0, fmt.Errorf("storecopy: source: %w", err)
	}
	dst, err := to.ReadAll(ctx, read)
	if err != nil {
		return 0, fmt.Errorf("storecopy: target: %w", err)
	}
	if len(src) == 0 || len(dst) == 0 || src[0].Position != last || dst[0].ID != src[0].ID {
		return 0, &MismatchError{Position: last, Reason: "the target's last event is not the source's event there"}
	}
	return last, nil
}

type page struct {
	events []eventstore.RecordedEvent
	err    error
}

// readPages reads from..to in pages on its own goroutine, one page ahead
// of the consumer. The channel closes after the last page, an error, or
// when ctx ends.
func readPages(ctx context.Context, st persistence.Store, from, to uint64, size int) <-chan page {
	out := make(chan page, 1)
	go func() {
		defer close(out)
		for from <= to {
			evs, err := st.ReadAll(ctx, eventstore.AllRead{From: from, Limit: int(min(uint64(size), to-from+1))})
			if err == nil && len(evs) == 0 {
				err = fmt.Errorf("no events from position %d although the last is %d", from, to)
			}
			select {
			case out <- page{events: evs, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			from = evs[len(evs)-1].Position + 1
		}
	}()
	return out
}

// appendPage writes one page through AppendBatch, in batches that keep
// the source's order: a batch ends where a stream already in it (other
// than the last request) appears again.
func appendPage(ctx context.Context, to persistence.Store, evs []eventstore.RecordedEvent) error {
	var reqs []eventstore.AppendRequest
	var firsts []uint64 // source position of each request's first event
	in := map[string]int{}
	flush := func() error {
		if len(reqs) == 0 {
			return nil
		}
		res, err := to.AppendBatch(ctx, reqs)
		if err != nil {
			return err
		}
		for i, r := range res {
			if r.Err != nil {
				return r.Err
			}
			if r.FirstPosition != firsts[i] {
				return &MismatchError{Position: firsts[i],
					Reason: fmt.Sprintf("the target gave the event position %d", r.FirstPosition)}
			}
		}
		reqs, firsts = reqs[:0], firsts[:0]
		clear(in)
		return nil
	}
	for _, e := range evs {
		if i, ok := in[e.Stream]; ok {
			if i == len(reqs)-1 {
				reqs[i].Events = append(reqs[i].Events, e.EventData)
				continue
			}
			if err := flush(); err != nil {
				return err
			}
		}
		in[e.Stream] = len(reqs)
		reqs = append(reqs, eventstore.AppendRequest{Stream: e.Stream, Expected: eventstore.Exact(e.Version - 1),
			Events: []eventstore.EventData{e.EventData}})
		firsts = append(firsts, e.Position)
	}
	return flush()
}

// copyCheckpoints sets every checkpoint of from on to.
func copyCheckpoints(ctx context.Context, from CheckpointLister, to persistence.Store) (int, error) {
	cps, err := from.Checkpoints(ctx)
	if err != nil {
		return 0, fmt.Errorf("storecopy: source checkpoints: %w", err)
	}
	for name, pos := range cps {
		if err := to.SetCheckpoint(ctx, name, pos); err != nil {
			return 0, fmt.Errorf("storecopy: target checkpoint %q: %w", name, err)
		}
	}
	return len(cps), nil
}
