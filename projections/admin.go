package projections

import (
	"context"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// ParkedEvent is an event a projection gave up on.
type ParkedEvent struct {
	Position  eventstore.Position
	Partition int
	Stream    string
	Type      string
	// Kind is "stopped" (it holds its partition, Stop policy) or "parked"
	// (skipped, SkipAndPark policy).
	Kind     string
	Error    string
	ParkedAt time.Time
}

// LiveVersion returns the version of projection name that reads should use:
// the first version run, until a later one caught up (and was promoted).
// Errors: *NotFoundError when no version of name is live.
func LiveVersion(ctx context.Context, db persistence.Store, name string) (int, error) {
	st, err := StatusOf(ctx, db, name)
	if err != nil {
		return 0, err
	}
	for _, s := range st {
		if s.Live {
			return s.Version, nil
		}
	}
	return 0, &NotFoundError{Name: name}
}

// Promote makes version the live version of name (for ManualPromote, or to
// switch back). Errors: *NotFoundError for an unknown version.
func Promote(ctx context.Context, db persistence.Store, name string, version int) error {
	return admin(ctx, db, name, version, func(ctx context.Context, b *backend, tx Tx, _ Status) error {
		_, err := tx.Exec(ctx, b.sql.makeLive, name, version)
		return err
	})
}

// Parked lists the parked events of a projection version.
func Parked(ctx context.Context, db persistence.Store, name string, version int) ([]ParkedEvent, error) {
	var out []ParkedEvent
	err := admin(ctx, db, name, version, func(ctx context.Context, b *backend, tx Tx, _ Status) error {
		out = out[:0]
		return tx.query(ctx, b.sql.listParked, func(scan func(...any) error) error {
			var (
				e       ParkedEvent
				pos, ms int64
			)
			if err := scan(&pos, &e.Partition, &e.Stream, &e.Type, &e.Kind, &e.Error, &ms); err != nil {
				return err
			}
			e.Position, e.ParkedAt = eventstore.Position(pos), time.UnixMilli(ms)
			out = append(out, e)
			return nil
		}, name, version)
	})
	return out, err
}

// RetryParked lets the partition held by the stopped event at position
// retry it (the partition notices within its PollInterval). A skipped
// ("parked") event is retried by the process that runs the projection:
// Runner.RetryParked. Errors: *NotFoundError when no such event is parked.
func RetryParked(ctx context.Context, db persistence.Store, name string, version int, position eventstore.Position) error {
	return resolveParked(ctx, db, name, version, position, false)
}

// SkipParked gives up on the parked event at position: a stopped event's
// partition moves its checkpoint past it and goes on; a skipped one is
// dropped from the parked list. Errors: *NotFoundError.
func SkipParked(ctx context.Context, db persistence.Store, name string, version int, position eventstore.Position) error {
	return resolveParked(ctx, db, name, version, position, true)
}

func resolveParked(ctx context.Context, db persistence.Store, name string, version int,
	position eventstore.Position, skip bool) error {
	return admin(ctx, db, name, version, func(ctx context.Context, b *backend, tx Tx, _ Status) error {
		var (
			part  int
			kind  string
			found bool
		)
		if err := tx.query(ctx, b.sql.deleteParked, func(scan func(...any) error) error {
			found = true
			return scan(&part, &kind)
		}, name, version, int64(position)); err != nil {
			return err
		}
		if !found {
			return &NotFoundError{Name: name, Version: version}
		}
		if kind == kindParked && !skip {
			return &eventstore.InputError{Field: "position", Rule: "kind",
				Message: "a skipped event is retried by the process running the projection (Runner.RetryParked)"}
		}
		if kind == kindStopped && skip {
			if _, err := tx.Exec(ctx, b.sql.writeCheckpoint, name, version, part, int64(position), 0, false); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, b.sql.setState, name, version, "running", "")
		return err
	})
}

// Reset moves every partition of a projection version back to position
// to (0: rebuild from the beginning) and clears its parked events. It
// first fences the partitions' leases (a new token), so a process running
// the version loses its leases, and retakes them from the reset
// checkpoints. The read model's own tables are the caller's to clear: a
// Handle that is not idempotent must start from empty tables.
func Reset(ctx context.Context, db persistence.Store, name string, version int, to eventstore.Position) error {
	return admin(ctx, db, name, version, func(ctx context.Context, b *backend, tx Tx, s Status) error {
		if _, err := tx.Exec(ctx, b.sql.fenceLeases, likePrefix(leasePrefix(name, version))); err != nil {
			return err
		}
		for _, q := range []string{b.sql.dropCheckpoints, b.sql.clearParked, b.sql.clearCaughtUp} {
			if _, err := tx.Exec(ctx, q, name, version); err != nil {
				return err
			}
		}
		for part := range s.Partitions {
			if _, err := tx.Exec(ctx, b.sql.writeCheckpoint, name, version, part, int64(to), 0, false); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, b.sql.setState, name, version, "running", "")
		return err
	})
}

// Drop forgets a version that is not live: its checkpoints, parked events
// and leases (processes still running it lose their leases). Its read
// model's tables are the caller's to drop. Errors: *NotFoundError, and an
// *eventstore.InputError for the live version.
func Drop(ctx context.Context, db persistence.Store, name string, version int) error {
	return admin(ctx, db, name, version, func(ctx context.Context, b *backend, tx Tx, s Status) error {
		if s.Live {
			return &eventstore.InputError{Field: "version", Rule: "live",
				Message: "the live version cannot be dropped: promote another first"}
		}
		if _, err := tx.Exec(ctx, b.sql.fenceLeases, likePrefix(leasePrefix(name, version))); err != nil {
			return err
		}
		for _, q := range []string{b.sql.dropCheckpoints, b.sql.clearParked, b.sql.dropProjection} {
			if _, err := tx.Exec(ctx, q, name, version); err != nil {
				return err
			}
		}
		return nil
	})
}

// admin runs fn in a transaction after checking that the version exists.
func admin(ctx context.Context, db persistence.Store, name string, version int,
	fn func(ctx context.Context, b *backend, tx Tx, s Status) error) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	b, err := backendOf(db)
	if err != nil {
		return err
	}
	return b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		var found *Status
		if err := tx.query(ctx, b.sql.listProjections, func(scan func(...any) error) error {
			var s Status
			var ms int64
			if err := scan(&s.Name, &s.Version, &s.Partitions, &s.Live, &s.CaughtUp, &s.State, &s.LastError, &ms); err != nil {
				return err
			}
			if s.Version == version {
				found = &s
			}
			return nil
		}, name); err != nil {
			return err
		}
		if found == nil {
			return &NotFoundError{Name: name, Version: version}
		}
		return fn(ctx, b, tx, *found)
	})
}
