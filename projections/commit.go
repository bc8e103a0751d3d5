package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// errDropped ends a partition whose version was dropped (Drop).
var errDropped = errors.New("projection version dropped")

// Parked kinds.
const (
	kindStopped = "stopped"
	kindParked  = "parked"
)

// apply commits batch (the partition's events up to upto) with retries.
// When the batch keeps failing it is applied event by event, so that only
// the failing event is parked (or stops the partition).
func (w *worker) apply(ctx context.Context, token int64, batch []eventstore.RecordedEvent,
	upto eventstore.Position, atHead bool) error {
	err := w.commitRetried(ctx, token, batch, upto, atHead)
	if err == nil || fatal(ctx, err) {
		return err
	}
	if len(batch) > 1 {
		for _, e := range batch {
			if err := w.commitRetried(ctx, token, []eventstore.RecordedEvent{e}, e.Position, false); err != nil {
				if fatal(ctx, err) {
					return err
				}
				return w.fail(ctx, token, e, err)
			}
		}
		return w.commit(ctx, token, nil, upto, atHead)
	}
	return w.fail(ctx, token, batch[0], err)
}

// fatal: errors that end the partition's work instead of being retried.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, persistence.ErrLeaseLost) || errors.Is(err, eventstore.ErrClosed)
}

// commitRetried is commit with the projection's retry policy.
func (w *worker) commitRetried(ctx context.Context, token int64, batch []eventstore.RecordedEvent,
	upto eventstore.Position, caughtUp bool) error {
	_, _, err := persistence.Retry(ctx, w.r.p.Retry, func(err error) bool { return !fatal(ctx, err) },
		func(ctx context.Context) (struct{}, error) {
			err := w.commit(ctx, token, batch, upto, caughtUp)
			if err != nil && !fatal(ctx, err) {
				w.r.p.Observer.Failed(w.r.p.Name, w.r.p.Version, w.part)
				w.r.log.Debug().Int("partition", w.part).Err(err).Msg("projection: batch failed")
			}
			return struct{}{}, err
		})
	return err
}

// commit hands batch to the handler and writes the checkpoint upto, fenced
// by the lease token: with the exactly-once handler in one transaction,
// with the at-least-once handler after it returned.
func (w *worker) commit(ctx context.Context, token int64, batch []eventstore.RecordedEvent,
	upto eventstore.Position, caughtUp bool) error {
	p, start := w.r.p, time.Now()
	if p.HandleAtLeastOnce != nil && len(batch) > 0 {
		if err := w.call(func() error { return p.HandleAtLeastOnce(ctx, batch) }, batch); err != nil {
			return err
		}
	}
	err := w.r.b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		if p.Handle != nil && len(batch) > 0 {
			if err := w.call(func() error { return p.Handle(ctx, tx, batch) }, batch); err != nil {
				return err
			}
		}
		return w.writeCheckpoint(ctx, tx, token, upto, len(batch), caughtUp)
	})
	if err != nil {
		return err
	}
	w.pos, w.saved, w.savedAt = upto, upto, time.Now()
	if len(batch) > 0 {
		p.Observer.Batch(p.Name, p.Version, w.part, len(batch), time.Since(start))
		last := batch[len(batch)-1]
		p.Observer.Lag(p.Name, p.Version, w.part, w.head-min(w.head, upto), time.Since(last.Created).Seconds())
	}
	if caughtUp && !w.caughtUp {
		w.caughtUp = true
		if !p.ManualPromote {
			return w.r.b.inTx(ctx, func(ctx context.Context, tx Tx) error {
				_, err := tx.Exec(ctx, w.r.b.sql.promote, p.Name, p.Version)
				return err
			})
		}
	}
	return nil
}

// call runs a handler, turning a panic into an error.
func (w *worker) call(h func() error, batch []eventstore.RecordedEvent) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
		if err != nil {
			err = &HandlerError{Name: w.r.p.Name, Version: w.r.p.Version, Position: batch[0].Position, Err: err}
		}
	}()
	return h()
}

// writeCheckpoint stores upto as the partition's checkpoint in tx if token
// is still the lease's: the lease row is locked (FOR SHARE on PostgreSQL;
// the embedded store's single writer serialises all writes) so a takeover
// either happened before (the write is refused and tx rolls back) or waits
// for this commit and its owner then reads the new checkpoint.
func (w *worker) writeCheckpoint(ctx context.Context, tx Tx, token int64, upto eventstore.Position,
	handled int, caughtUp bool) error {
	held := false
	if err := tx.query(ctx, w.r.b.sql.leaseCheck, func(func(...any) error) error {
		held = true
		return nil
	}, w.lease, token); err != nil {
		return err
	}
	if !held {
		return &persistence.LeaseLostError{Name: w.lease, Token: token}
	}
	p := w.r.p
	_, err := tx.Exec(ctx, w.r.b.sql.writeCheckpoint, p.Name, p.Version, w.part, int64(upto), handled, caughtUp)
	return err
}

// fail parks e, which failed for good with cause: it stops the partition
// (Stop) or moves past it (SkipAndPark), fenced like a batch.
func (w *worker) fail(ctx context.Context, token int64, e eventstore.RecordedEvent, cause error) error {
	p := w.r.p
	kind, state := kindStopped, "stopped"
	if p.OnFailure == SkipAndPark {
		kind, state = kindParked, "running"
	}
	w.r.log.Error().Int("partition", w.part).Uint64("position", e.Position).Str("stream", e.Stream).
		Str("kind", kind).Err(cause).Msg("projection: event parked")
	err := w.r.b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		if _, err := tx.Exec(ctx, w.r.b.sql.park, p.Name, p.Version, int64(e.Position), w.part,
			e.Stream, e.Type, kind, cause.Error()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, w.r.b.sql.setState, p.Name, p.Version, state, cause.Error()); err != nil {
			return err
		}
		upto := w.pos
		if kind == kindParked {
			upto = e.Position
		}
		return w.writeCheckpoint(ctx, tx, token, upto, 0, false)
	})
	if err != nil {
		return err
	}
	p.Observer.Parked(p.Name, p.Version, w.part)
	w.halted = kind == kindStopped
	if kind == kindParked {
		w.pos, w.saved, w.savedAt = e.Position, e.Position, time.Now()
	}
	return nil
}

// load reads the partition's committed checkpoint.
func (w *worker) load(ctx context.Context) error {
	p := w.r.p
	var pos int64
	err := w.r.b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		pos = 0
		var handled, n int64
		if err := tx.query(ctx, w.r.b.sql.exists, func(scan func(...any) error) error {
			return scan(&n)
		}, p.Name, p.Version); err != nil {
			return err
		}
		if n == 0 {
			return errDropped
		}
		return tx.query(ctx, w.r.b.sql.readCheckpoints, func(scan func(...any) error) error {
			return scan(&pos, &handled)
		}, p.Name, p.Version, w.part)
	})
	if err != nil {
		return err
	}
	w.pos, w.saved, w.savedAt, w.caughtUp = eventstore.Position(pos), eventstore.Position(pos), time.Now(), false
	w.halted, err = w.stopped(ctx)
	return err
}

// stopped reports whether an event parked with Stop holds the partition.
func (w *worker) stopped(ctx context.Context) (bool, error) {
	var n int
	p := w.r.p
	err := w.r.b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		return tx.query(ctx, w.r.b.sql.stoppedAt, func(scan func(...any) error) error {
			return scan(&n)
		}, p.Name, p.Version, w.part)
	})
	return n > 0, err
}
