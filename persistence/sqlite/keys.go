package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.KeyStore = (*Store)(nil)

// SubjectKeys implements persistence.KeyStore.
func (s *Store) SubjectKeys(ctx context.Context, subjects []string) (map[string][]byte, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return run(ctx, s, "subject keys", func(ctx context.Context) (map[string][]byte, error) {
		keys := map[string][]byte{}
		for _, subject := range subjects {
			var wrapped []byte
			err := s.readers.QueryRowContext(ctx, `SELECT wrapped FROM subject_keys WHERE subject = ?`, subject).Scan(&wrapped)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, err
			}
			keys[subject] = wrapped
		}
		return keys, nil
	})
}

// CreateSubjectKey implements persistence.KeyStore.
func (s *Store) CreateSubjectKey(ctx context.Context, subject string, wrapped []byte) ([]byte, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if subject == "" || len(subject) > 1024 {
		return nil, &eventstore.InputError{Field: "subject", Rule: "required", Message: "subject must be 1 to 1024 bytes"}
	}
	return run(ctx, s, "create subject key", func(ctx context.Context) ([]byte, error) {
		return inTurn(ctx, s, func(ctx context.Context) ([]byte, error) {
			if _, err := s.writer.ExecContext(ctx, `INSERT INTO subject_keys (subject, wrapped, created) VALUES (?, ?, ?)
ON CONFLICT (subject) DO NOTHING`, subject, wrapped, time.Now().UnixNano()); err != nil {
				return nil, err
			}
			var got []byte
			err := s.writer.QueryRowContext(ctx, `SELECT wrapped FROM subject_keys WHERE subject = ?`, subject).Scan(&got)
			return got, err
		})
	})
}

// DeleteSubjectKey implements persistence.KeyStore. The embedded store
// runs with secure_delete for this statement, so the key's bytes are
// overwritten on disk, not left in a free page.
func (s *Store) DeleteSubjectKey(ctx context.Context, subject string) (bool, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return false, err
	}
	defer leave()
	return run(ctx, s, "delete subject key", func(ctx context.Context) (bool, error) {
		return inTurn(ctx, s, func(ctx context.Context) (bool, error) {
			if _, err := s.writer.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
				return false, err
			}
			res, err := s.writer.ExecContext(ctx, `DELETE FROM subject_keys WHERE subject = ?`, subject)
			if err != nil {
				return false, err
			}
			n, err := res.RowsAffected()
			return n > 0, err
		})
	})
}

// KeyCheck implements persistence.KeyStore.
func (s *Store) KeyCheck(ctx context.Context, check []byte) ([]byte, error) {
	ctx, leave, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return run(ctx, s, "key check", func(ctx context.Context) ([]byte, error) {
		return inTurn(ctx, s, func(ctx context.Context) ([]byte, error) {
			if _, err := s.writer.ExecContext(ctx, `INSERT INTO key_check (id, check_value) VALUES (1, ?)
ON CONFLICT (id) DO NOTHING`, check); err != nil {
				return nil, err
			}
			var got []byte
			err := s.writer.QueryRowContext(ctx, `SELECT check_value FROM key_check WHERE id = 1`).Scan(&got)
			return got, err
		})
	})
}
