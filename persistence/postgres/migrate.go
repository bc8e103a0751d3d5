package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/persistence"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the pg_advisory_xact_lock key that serialises
// concurrent openers migrating the same database ("actorstore" in ASCII).
const migrationLockKey = 0x6163746f7273746f

// migrations returns the embedded migrations in version order.
func migrations() ([]persistence.Migration, error) {
	return persistence.ReadMigrations(migrationFiles, "migrations")
}

// migrate applies the migrations the database lacks, in order, in one
// transaction under an advisory lock, and records each in
// schema_migrations. It returns the names it applied. Running it again,
// or from several processes at once, applies each migration exactly once.
func migrate(ctx context.Context, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	var applied []string
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		done, err := lockAndListMigrations(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if done[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
				m.Version, m.Name); err != nil {
				return err
			}
			applied = append(applied, m.Name)
		}
		return nil
	})
	return applied, err
}

// lockAndListMigrations takes the migration lock, creates the bookkeeping
// table if needed, and returns the versions already applied.
func lockAndListMigrations(ctx context.Context, tx pgx.Tx) (map[int]bool, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, err
	}
	done := make(map[int]bool, len(versions))
	for _, v := range versions {
		done[v] = true
	}
	return done, nil
}
