package sqlite

import (
	"context"
	"database/sql"

	"github.com/actorstore/actorstore/eventstore"
)

// Checkpoint implements persistence.Store.
func (s *Store) Checkpoint(ctx context.Context, name string) (eventstore.Position, bool, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return 0, false, err
	}
	defer leave()
	if err := validateName(name); err != nil {
		return 0, false, s.fail(ctx, "checkpoint", 0, err)
	}
	type result struct {
		pos eventstore.Position
		ok  bool
	}
	r, err := run(ctx, s, "checkpoint", func(ctx context.Context) (result, error) {
		var p int64
		err := s.readers.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE name = ?`, name).Scan(&p)
		if err == sql.ErrNoRows {
			return result{}, nil
		}
		return result{pos: uint64(p), ok: err == nil}, err
	})
	return r.pos, r.ok, err
}

// SetCheckpoint implements persistence.Store. It is durable when it returns.
func (s *Store) SetCheckpoint(ctx context.Context, name string, pos eventstore.Position) error {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	if err := validateName(name); err != nil {
		return s.fail(ctx, "set checkpoint", 0, err)
	}
	_, err = run(ctx, s, "set checkpoint", func(ctx context.Context) (struct{}, error) {
		if err := s.turn.take(ctx); err != nil {
			return struct{}{}, err
		}
		defer s.turn.give()
		_, err := s.writer.ExecContext(ctx, `INSERT INTO checkpoints (name, position) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET position = excluded.position`, name, clamp(pos))
		return struct{}{}, err
	})
	return err
}

func validateName(name string) error {
	if name == "" {
		return &eventstore.InputError{Field: "name", Rule: "required", Message: "checkpoint name is empty"}
	}
	return nil
}
