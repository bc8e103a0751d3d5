package projections

import (
	"context"
	"database/sql"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// Tx is the transaction a Handler runs in: the store's own database, the
// same transaction that then writes the projection's checkpoint. Exactly
// one of Postgres and SQL is non-nil, by the store's backend. Do not
// commit or roll it back: the projection does.
type Tx struct {
	pg pgx.Tx
	sq *sql.Tx
}

// Postgres is the pgx transaction on PostgreSQL (nil on the embedded store).
func (t Tx) Postgres() pgx.Tx { return t.pg }

// SQL is the database/sql transaction on the embedded store (nil on PostgreSQL).
func (t Tx) SQL() *sql.Tx { return t.sq }

// Exec runs a statement in the transaction, whichever the backend, and
// returns the number of rows it changed. Placeholders are the backend's
// ($1 on PostgreSQL; ?, ?1 or $1 on SQLite).
func (t Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if t.pg != nil {
		tag, err := t.pg.Exec(ctx, query, args...)
		return tag.RowsAffected(), err
	}
	res, err := t.sq.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// query runs q and calls each for every row with the row's Scan.
func (t Tx) query(ctx context.Context, q string, each func(scan func(dest ...any) error) error, args ...any) error {
	if t.pg != nil {
		rows, err := t.pg.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	rows, err := t.sq.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// backend is a store that can run projection transactions: its dialect
// and its transaction runner.
type backend struct {
	db      persistence.Store
	leaser  persistence.Leaser
	lister  persistence.LeaseLister
	inTx    func(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	sql     statements
	sqlite  bool
	timeout func(error) bool // transient database errors (retried)
}

// backendOf returns the backend of db, or an *eventstore.InputError for a
// store that is neither PostgreSQL nor the embedded store.
func backendOf(db persistence.Store) (*backend, error) {
	// A store that wraps a backend (the encrypting store of
	// persistence/shred) reads through the wrapper, so handlers get
	// decrypted (or shredded) events, and runs transactions and leases on
	// the backend it wraps.
	inner := db
	if w, ok := db.(interface{ Unwrap() persistence.Store }); ok {
		inner = w.Unwrap()
	}
	switch s := inner.(type) {
	case *postgres.Store:
		return &backend{db: db, leaser: s, lister: s, sql: pgStatements, timeout: postgres.IsTransient,
			inTx: func(ctx context.Context, fn func(context.Context, Tx) error) error {
				return s.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error { return fn(ctx, Tx{pg: tx}) })
			}}, nil
	case *sqlite.Store:
		return &backend{db: db, leaser: s, lister: s, sql: sqliteStatements, sqlite: true, timeout: func(error) bool { return false },
			inTx: func(ctx context.Context, fn func(context.Context, Tx) error) error {
				return s.InWriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, Tx{sq: tx}) })
			}}, nil
	}
	return nil, &eventstore.InputError{Field: "store", Rule: "backend",
		Message: "projections need the PostgreSQL or the embedded store"}
}

// statements are the projection statements in one backend's dialect.
type statements struct {
	register, liveCount, makeLive, readCheckpoints, leaseCheck, writeCheckpoint,
	park, setState, stoppedAt, promote, listProjections, listCheckpoints, countParked,
	listParked, deleteParked, skipTo, fenceLeases, resetCheckpoints, clearParked,
	dropProjection, dropCheckpoints, clearCaughtUp, leaseOwners, exists, countStopped string
}

// The statements, written once with PostgreSQL's placeholders and table
// names; sqliteStatements rewrites them.
var pgStatements = statements{
	register: `INSERT INTO actorstore_projections (name, version, partitions) VALUES ($1, $2, $3)
		ON CONFLICT (name, version) DO UPDATE SET updated_at = now() RETURNING partitions`,
	liveCount: `SELECT count(*) FROM actorstore_projections WHERE name = $1 AND live`,
	makeLive:  `UPDATE actorstore_projections SET live = (version = $2), updated_at = now() WHERE name = $1`,
	readCheckpoints: `SELECT position, handled FROM actorstore_projection_checkpoints
		WHERE name = $1 AND version = $2 AND part = $3`,
	leaseCheck: `SELECT 1 FROM actorstore_leases WHERE name = $1 AND token = $2 FOR SHARE`,
	writeCheckpoint: `INSERT INTO actorstore_projection_checkpoints AS c (name, version, part, position, handled, caught_up, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, now())
		ON CONFLICT (name, version, part) DO UPDATE SET position = EXCLUDED.position,
			handled = c.handled + EXCLUDED.handled, caught_up = c.caught_up OR EXCLUDED.caught_up, updated_at = now()`,
	park: `INSERT INTO actorstore_projection_parked (name, version, position, part, stream, type, kind, error, parked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (name, version, position) DO UPDATE SET kind = EXCLUDED.kind, error = EXCLUDED.error, parked_at = now()`,
	setState: `UPDATE actorstore_projections SET state = $3, last_error = $4, updated_at = now()
		WHERE name = $1 AND version = $2`,
	stoppedAt: `SELECT count(*) FROM actorstore_projection_parked
		WHERE name = $1 AND version = $2 AND part = $3 AND kind = 'stopped'`,
	promote: `UPDATE actorstore_projections SET live = (version = $2), updated_at = now() WHERE name = $1
		AND NOT EXISTS (SELECT 1 FROM actorstore_projections WHERE name = $1 AND live AND version >= $2)
		AND (SELECT count(*) FROM actorstore_projection_checkpoints WHERE name = $1 AND version = $2 AND caught_up)
			= (SELECT partitions FROM actorstore_projections WHERE name = $1 AND version = $2)`,
	listProjections: `SELECT name, version, partitions, live, caught_up, state, last_error,
		CAST(extract(epoch FROM updated_at) * 1000 AS bigint) FROM actorstore_projections
		WHERE $1 = '' OR name = $1 ORDER BY name, version`,
	listCheckpoints: `SELECT part, position, handled, caught_up, CAST(extract(epoch FROM updated_at) * 1000 AS bigint)
		FROM actorstore_projection_checkpoints WHERE name = $1 AND version = $2 ORDER BY part`,
	countParked: `SELECT count(*) FROM actorstore_projection_parked WHERE name = $1 AND version = $2`,
	listParked: `SELECT position, part, stream, type, kind, error, CAST(extract(epoch FROM parked_at) * 1000 AS bigint)
		FROM actorstore_projection_parked WHERE name = $1 AND version = $2 ORDER BY position`,
	deleteParked: `DELETE FROM actorstore_projection_parked WHERE name = $1 AND version = $2 AND position = $3
		RETURNING part, kind`,
	skipTo: `UPDATE actorstore_projection_checkpoints SET position = $4, updated_at = now()
		WHERE name = $1 AND version = $2 AND part = $3 AND position < $4`,
	fenceLeases: `UPDATE actorstore_leases SET token = token + 1, owner = '$operator', expires_at = now()
		WHERE name LIKE $1 ESCAPE '\'`,
	resetCheckpoints: `UPDATE actorstore_projection_checkpoints SET position = $3, caught_up = false, updated_at = now()
		WHERE name = $1 AND version = $2`,
	clearParked:     `DELETE FROM actorstore_projection_parked WHERE name = $1 AND version = $2`,
	dropProjection:  `DELETE FROM actorstore_projections WHERE name = $1 AND version = $2`,
	dropCheckpoints: `DELETE FROM actorstore_projection_checkpoints WHERE name = $1 AND version = $2`,
	clearCaughtUp:   `UPDATE actorstore_projections SET caught_up = false WHERE name = $1 AND version = $2`,
	exists:          `SELECT count(*) FROM actorstore_projections WHERE name = $1 AND version = $2`,
	countStopped: `SELECT count(*) FROM actorstore_projection_parked
		WHERE name = $1 AND version = $2 AND kind = 'stopped'`,
	leaseOwners: `SELECT name, owner, CAST(extract(epoch FROM expires_at) * 1000 AS bigint),
		CAST(extract(epoch FROM now()) * 1000 AS bigint) FROM actorstore_leases WHERE name LIKE $1 ESCAPE '\'`,
}

var sqliteStatements = toSQLite(pgStatements)

// nowMS is SQLite's clock in Unix milliseconds (as the embedded lease
// statements use it).
const nowMS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`

var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// toSQLite rewrites PostgreSQL statements for the embedded store: table
// names, placeholders, the clock, booleans, FOR SHARE (the single writer
// already serialises every write).
func toSQLite(s statements) statements {
	r := strings.NewReplacer(
		"actorstore_projection_checkpoints", "projection_checkpoints",
		"actorstore_projection_parked", "projection_parked",
		"actorstore_projections", "projections",
		"actorstore_leases", "leases",
		"expires_at = now()", "expires_ms = "+nowMS,
		"CAST(extract(epoch FROM updated_at) * 1000 AS bigint)", "updated_at",
		"CAST(extract(epoch FROM parked_at) * 1000 AS bigint)", "parked_at",
		"CAST(extract(epoch FROM expires_at) * 1000 AS bigint)", "expires_ms",
		"CAST(extract(epoch FROM now()) * 1000 AS bigint)", nowMS,
		"now()", nowMS,
		" FOR SHARE", "",
		"EXCLUDED.", "excluded.",
		"AS c (", "(",
		"c.handled", "projection_checkpoints.handled",
		"c.caught_up", "projection_checkpoints.caught_up",
		"AND live AND", "AND live <> 0 AND",
		"AND live`", "AND live <> 0`",
		"AND caught_up)", "AND caught_up <> 0)",
		"caught_up = false", "caught_up = 0",
	)
	fix := func(q string) string {
		q = r.Replace(q)
		if strings.HasSuffix(q, "AND live") {
			q += " <> 0"
		}
		return placeholder.ReplaceAllString(q, "?$1")
	}
	return statements{
		register: fix(s.register), liveCount: fix(s.liveCount), makeLive: fix(s.makeLive),
		readCheckpoints: fix(s.readCheckpoints), leaseCheck: fix(s.leaseCheck),
		writeCheckpoint: fix(s.writeCheckpoint), park: fix(s.park), setState: fix(s.setState),
		stoppedAt: fix(s.stoppedAt), promote: fix(s.promote), listProjections: fix(s.listProjections),
		listCheckpoints: fix(s.listCheckpoints), countParked: fix(s.countParked), listParked: fix(s.listParked),
		deleteParked: fix(s.deleteParked), skipTo: fix(s.skipTo), fenceLeases: fix(s.fenceLeases),
		resetCheckpoints: fix(s.resetCheckpoints), clearParked: fix(s.clearParked),
		dropProjection: fix(s.dropProjection), dropCheckpoints: fix(s.dropCheckpoints),
		clearCaughtUp: fix(s.clearCaughtUp), leaseOwners: fix(s.leaseOwners), exists: fix(s.exists),
		countStopped: fix(s.countStopped),
	}
}
