package projections

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// Status describes one version of a projection, as stored in the
// database: what any process (or `actorstore projections status`) sees.
type Status struct {
	Name       string
	Version    int
	Partitions int
	// Live: the version reads should use (LiveVersion).
	Live bool
	// CaughtUp: every partition has reached the head of the log once.
	CaughtUp bool
	// State is "stopped" when a partition is held by a parked event,
	// else "idle" when no process holds any of its leases, else "running".
	State     string
	LastError string
	// Position is the lowest checkpoint of its partitions; Head the
	// newest committed position of the store.
	Position, Head eventstore.Position
	// LagEvents is Head - Position: the events (of all streams) committed
	// after the slowest partition's checkpoint, an upper bound of the
	// projection's own. LagSeconds is the age of the first of them (0 when
	// none is left).
	LagEvents  uint64
	LagSeconds float64
	// Handled counts the events handed to the handler and committed.
	Handled int64
	// Parked counts the parked events (both kinds).
	Parked    int
	UpdatedAt time.Time
	// Parts has one entry per partition.
	Parts []PartitionStatus
}

// PartitionStatus describes one partition of a projection version.
type PartitionStatus struct {
	Partition int
	Position  eventstore.Position
	Handled   int64
	CaughtUp  bool
	// Owner holds the partition's lease until LeaseExpires (empty when no
	// lease was ever taken); Owned is false once it expired.
	Owner        string
	LeaseExpires time.Time
	Owned        bool
	UpdatedAt    time.Time
}

// StatusOf returns the status of every version of the projection name,
// or of all projections when name is empty, ordered by name and version.
// It is a plain function of the store, for the CLI, the node and the API.
// Errors: *NotFoundError when name is given and unknown.
func StatusOf(ctx context.Context, db persistence.Store, name string) ([]Status, error) {
	b, err := backendOf(db)
	if err != nil {
		return nil, err
	}
	head, err := db.LastPosition(ctx)
	if err != nil {
		return nil, err
	}
	var out []Status
	err = b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		out = out[:0]
		// One snapshot for every statement below: at PostgreSQL's default
		// READ COMMITTED each statement sees the commits made before it,
		// so a park committed between the projection row and the parked
		// count showed "stopped" with the previous (empty) last error.
		// The embedded store's transactions are serialised already.
		if !b.sqlite {
			if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); err != nil {
				return err
			}
		}
		if err := tx.query(ctx, b.sql.listProjections, func(scan func(...any) error) error {
			var s Status
			var ms int64
			if err := scan(&s.Name, &s.Version, &s.Partitions, &s.Live, &s.CaughtUp, &s.State, &s.LastError, &ms); err != nil {
				return err
			}
			s.UpdatedAt = time.UnixMilli(ms)
			out = append(out, s)
			return nil
		}, name); err != nil {
			return err
		}
		for i := range out {
			if err := partitionsOf(ctx, b, tx, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if name != "" && len(out) == 0 {
		return nil, &NotFoundError{Name: name}
	}
	for i := range out {
		if err := lagOf(ctx, db, &out[i], head); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// partitionsOf fills s's partitions, parked count and lease owners.
func partitionsOf(ctx context.Context, b *backend, tx Tx, s *Status) error {
	parts := make([]PartitionStatus, s.Partitions)
	for i := range parts {
		parts[i].Partition = i
	}
	if err := tx.query(ctx, b.sql.listCheckpoints, func(scan func(...any) error) error {
		var (
			p       PartitionStatus
			pos, ms int64
		)
		if err := scan(&p.Partition, &pos, &p.Handled, &p.CaughtUp, &ms); err != nil {
			return err
		}
		p.Position, p.UpdatedAt = eventstore.Position(pos), time.UnixMilli(ms)
		if p.Partition < len(parts) {
			parts[p.Partition] = p
		}
		return nil
	}, s.Name, s.Version); err != nil {
		return err
	}
	prefix := leasePrefix(s.Name, s.Version)
	owned := 0
	if err := tx.query(ctx, b.sql.leaseOwners, func(scan func(...any) error) error {
		var (
			lease, owner string
			exp, now     int64
		)
		if err := scan(&lease, &owner, &exp, &now); err != nil {
			return err
		}
		part, err := strconv.Atoi(strings.TrimPrefix(lease, prefix))
		if err != nil || part < 0 || part >= len(parts) {
			return nil
		}
		parts[part].Owner, parts[part].LeaseExpires, parts[part].Owned = owner, time.UnixMilli(exp), exp > now
		if exp > now {
			owned++
		}
		return nil
	}, likePrefix(prefix)); err != nil {
		return err
	}
	if err := tx.query(ctx, b.sql.countParked, func(scan func(...any) error) error {
		return scan(&s.Parked)
	}, s.Name, s.Version); err != nil {
		return err
	}
	stopped := 0
	if err := tx.query(ctx, b.sql.countStopped, func(scan func(...any) error) error {
		return scan(&stopped)
	}, s.Name, s.Version); err != nil {
		return err
	}
	s.Parts, s.CaughtUp = parts, true
	switch {
	case stopped > 0:
		s.State = "stopped"
	case owned == 0:
		s.State = "idle"
	default:
		s.State = "running"
	}
	for i, p := range parts {
		s.CaughtUp = s.CaughtUp && p.CaughtUp
		if i == 0 || p.Position < s.Position {
			s.Position = p.Position
		}
		s.Handled += p.Handled
	}
	return nil
}

// lagOf fills s's lag from the store's head.
func lagOf(ctx context.Context, db persistence.Store, s *Status, head eventstore.Position) error {
	s.Head = head
	if head <= s.Position {
		return nil
	}
	s.LagEvents = head - s.Position
	next, err := db.ReadAll(ctx, eventstore.AllRead{From: s.Position + 1, Limit: 1})
	if err != nil || len(next) == 0 {
		return err
	}
	s.LagSeconds = max(0, time.Since(next[0].Created).Seconds())
	return nil
}
