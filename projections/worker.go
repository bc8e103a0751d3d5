package projections

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// errNotMine ends the work on a partition that the members' share gives
// to another process now (internal/leasing); its lease is released.
var errNotMine = errors.New("partition handed over to another process")

// maxPagesPerRead bounds how many pages one read scans for matching events
// before it hands over what it found (latency with a sparse filter).
const maxPagesPerRead = 8

// worker is one partition of a Runner. Its fields belong to its goroutine.
type worker struct {
	r     *Runner
	part  int
	lease string

	halted   bool                // an event parked with Stop holds the partition
	pos      eventstore.Position // every event up to pos is handled (in memory)
	saved    eventstore.Position // the checkpoint as committed
	savedAt  time.Time
	caughtUp bool                // the checkpoint row says caught_up
	head     eventstore.Position // the store's newest position at the last read
}

// run holds the partition's lease and works while it holds it, until ctx ends.
func (w *worker) run(ctx context.Context) {
	p := w.r.p
	for ctx.Err() == nil {
		if !w.r.share.Mine(w.part) { // another process's share: wait for a change of members
			select {
			case <-ctx.Done():
			case <-w.r.share.Changed():
			}
			continue
		}
		l, err := w.r.b.leaser.AcquireLease(ctx, w.lease, p.Owner, p.LeaseTTL)
		if err != nil {
			if !errors.Is(err, persistence.ErrLeaseHeld) && ctx.Err() == nil {
				w.r.log.Warn().Int("partition", w.part).Err(err).Msg("projection: acquire lease")
			}
			sleep(ctx, p.LeaseTTL/4)
			continue
		}
		lctx, cancel := context.WithCancel(ctx)
		renewed := make(chan struct{})
		go func() {
			defer close(renewed)
			w.keep(lctx, cancel, l)
		}()
		err = w.work(lctx, l.Token)
		cancel()
		<-renewed
		if ctx.Err() != nil || errors.Is(err, errNotMine) {
			rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = w.r.b.leaser.ReleaseLease(rctx, w.lease, l.Token)
			rcancel()
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if errors.Is(err, errDropped) {
			w.r.log.Info().Int("partition", w.part).Msg("projection: version dropped; partition stops")
			return
		}
		if !errors.Is(err, persistence.ErrLeaseLost) {
			w.r.log.Warn().Int("partition", w.part).Err(err).Msg("projection: partition failed; retaking its lease")
			sleep(ctx, p.LeaseTTL/4)
		}
	}
}

// keep renews the lease every third of its TTL and cancels the work when
// it is lost or cannot be renewed before it runs out.
func (w *worker) keep(ctx context.Context, cancel context.CancelFunc, l persistence.Lease) {
	ttl := w.r.p.LeaseTTL
	valid := time.Now().Add(ttl)
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, rcancel := context.WithTimeout(ctx, ttl/3)
		_, err := w.r.b.leaser.RenewLease(rctx, w.lease, l.Token, ttl)
		rcancel()
		switch {
		case err == nil:
			valid = time.Now().Add(ttl)
		case errors.Is(err, persistence.ErrLeaseLost) || time.Until(valid) < ttl/3:
			w.r.log.Info().Int("partition", w.part).Err(err).Msg("projection: lease lost")
			cancel()
			return
		}
	}
}

// work feeds the partition from its committed checkpoint until ctx ends or
// an error (the lease lost, the database gone) stops it.
func (w *worker) work(ctx context.Context, token int64) error {
	if err := w.load(ctx); err != nil {
		return err
	}
	notes, err := w.r.b.db.Notifications(ctx)
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		if w.halted {
			w.wait(ctx, notes, w.r.p.PollInterval)
			if stopped, err := w.stopped(ctx); err != nil {
				return err
			} else if !stopped {
				// An operator skipped or retried: the checkpoint may have moved.
				if err := w.load(ctx); err != nil {
					return err
				}
			}
			continue
		}
		if !w.r.share.Mine(w.part) {
			return errNotMine // the members changed: hand the partition over
		}
		if err := w.step(ctx, token, notes); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// step reads one batch and applies it, or waits at the head of the log.
func (w *worker) step(ctx context.Context, token int64, notes <-chan eventstore.Position) error {
	p := w.r.p
	batch, scanned, atHead, err := w.read(ctx, w.pos, p.BatchSize)
	if err != nil {
		return err
	}
	if len(batch) == 0 {
		w.pos = max(w.pos, scanned)
		if atHead && (!w.caughtUp || (w.pos > w.saved && time.Since(w.savedAt) > time.Second)) {
			if err := w.commit(ctx, token, nil, w.pos, true); err != nil {
				return err
			}
		}
		if atHead {
			w.wait(ctx, notes, p.PollInterval)
		}
		return nil
	}
	if atHead && p.MaxWait > 0 && len(batch) < p.BatchSize {
		deadline := time.Now().Add(p.MaxWait)
		for len(batch) < p.BatchSize && time.Until(deadline) > 0 && ctx.Err() == nil {
			w.wait(ctx, notes, time.Until(deadline))
			more, s, _, err := w.read(ctx, scanned, p.BatchSize-len(batch))
			if err != nil {
				return err
			}
			batch, scanned = append(batch, more...), max(scanned, s)
		}
	}
	return w.apply(ctx, token, batch, scanned, atHead)
}

// read returns up to want events of the partition after from, the last
// position it scanned (events of other partitions included), and whether
// it reached the head of the log.
func (w *worker) read(ctx context.Context, from eventstore.Position, want int) (
	batch []eventstore.RecordedEvent, scanned eventstore.Position, atHead bool, err error) {
	p := w.r.p
	scanned = from
	for range maxPagesPerRead {
		// Every position up to head is committed before the read starts
		// (commit-ordered positions), so a short page has seen all of them:
		// events the filter left out, and gaps (scavenged events), included.
		head, err := w.r.b.db.LastPosition(ctx)
		if err != nil {
			return nil, 0, false, err
		}
		w.head = head
		page, err := w.r.b.db.ReadAll(ctx, eventstore.AllRead{From: scanned + 1, Limit: p.BatchSize, Filter: p.Filter})
		if err != nil {
			return nil, 0, false, err
		}
		for _, e := range page {
			if w.mine(e) {
				batch = append(batch, e)
			}
			scanned = e.Position
			if len(batch) == want {
				return batch, scanned, false, nil
			}
		}
		if len(page) < p.BatchSize {
			return batch, max(scanned, head), true, nil
		}
	}
	return batch, scanned, false, nil
}

// mine reports whether e belongs to this partition.
func (w *worker) mine(e eventstore.RecordedEvent) bool {
	p := w.r.p
	if !p.IncludeSystemStreams && strings.HasPrefix(e.Stream, "$") {
		return false
	}
	return p.Partitions == 1 || Partition(e.Stream, p.Partitions) == w.part
}

// wait returns after a commit notification, d, or the end of ctx.
func (w *worker) wait(ctx context.Context, notes <-chan eventstore.Position, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case _, ok := <-notes:
		if !ok { // the store is closing: the next read says so
			sleep(ctx, d)
		}
	case <-t.C:
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
