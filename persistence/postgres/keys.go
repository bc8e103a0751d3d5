package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

var _ persistence.KeyStore = (*Store)(nil)

const (
	sqlSubjectKeys      = `SELECT subject, wrapped FROM subject_keys WHERE subject = ANY($1::text[])`
	sqlCreateSubjectKey = `WITH i AS (
  INSERT INTO subject_keys (subject, wrapped) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING RETURNING wrapped)
SELECT wrapped FROM i UNION ALL SELECT wrapped FROM subject_keys WHERE subject = $1 LIMIT 1`
	sqlDeleteSubjectKey = `DELETE FROM subject_keys WHERE subject = $1`
	sqlKeyCheck         = `WITH i AS (
  INSERT INTO key_check (id, check_value) VALUES (true, $1) ON CONFLICT (id) DO NOTHING RETURNING check_value)
SELECT check_value FROM i UNION ALL SELECT check_value FROM key_check LIMIT 1`
)

// SubjectKeys implements persistence.KeyStore.
func (s *Store) SubjectKeys(ctx context.Context, subjects []string) (map[string][]byte, error) {
	return runOp(ctx, s, "subject_keys", IsTransient, func(ctx context.Context) (map[string][]byte, error) {
		rows, err := s.pool.Query(ctx, sqlSubjectKeys, subjects)
		if err != nil {
			return nil, err
		}
		keys := map[string][]byte{}
		var (
			subject string
			wrapped []byte
		)
		_, err = pgx.ForEachRow(rows, []any{&subject, &wrapped}, func() error {
			keys[subject] = append([]byte(nil), wrapped...)
			return nil
		})
		return keys, err
	})
}

// CreateSubjectKey implements persistence.KeyStore.
func (s *Store) CreateSubjectKey(ctx context.Context, subject string, wrapped []byte) ([]byte, error) {
	if err := validSubject(subject); err != nil {
		return nil, err
	}
	retry := func(err error) bool { return IsTransient(err) || isUniqueViolation(err) }
	return runOp(ctx, s, "create_subject_key", retry, func(ctx context.Context) ([]byte, error) {
		var got []byte
		err := s.pool.QueryRow(ctx, sqlCreateSubjectKey, subject, wrapped).Scan(&got)
		return got, err
	})
}

// DeleteSubjectKey implements persistence.KeyStore.
func (s *Store) DeleteSubjectKey(ctx context.Context, subject string) (bool, error) {
	return runOp(ctx, s, "delete_subject_key", IsTransient, func(ctx context.Context) (bool, error) {
		tag, err := s.pool.Exec(ctx, sqlDeleteSubjectKey, subject)
		return tag.RowsAffected() > 0, err
	})
}

// KeyCheck implements persistence.KeyStore.
func (s *Store) KeyCheck(ctx context.Context, check []byte) ([]byte, error) {
	retry := func(err error) bool { return IsTransient(err) || isUniqueViolation(err) }
	return runOp(ctx, s, "key_check", retry, func(ctx context.Context) ([]byte, error) {
		var got []byte
		err := s.pool.QueryRow(ctx, sqlKeyCheck, check).Scan(&got)
		return got, err
	})
}

func validSubject(subject string) error {
	if subject == "" || len(subject) > 1024 {
		return &eventstore.InputError{Field: "subject", Rule: "required", Message: "subject must be 1 to 1024 bytes"}
	}
	return nil
}
