package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/actorstore/actorstore/persistence"
)

// sqlGenerate writes events ?2+1 .. ?2+?1 of a persistence.Synthetic (the
// i-th event overall, from 0, is version i%?4+1 of stream ?3||i/?4) at the
// positions after ?7, in one statement.
const sqlGenerate = `WITH RECURSIVE c(i) AS (SELECT ?2 UNION ALL SELECT i + 1 FROM c WHERE i < ?2 + ?1 - 1)
INSERT INTO events (position, stream, version, event_id, type, schema_version, content_type, data,
                    metadata, created)
SELECT ?7 + i - ?2 + 1, ?3 || (i / ?4), i % ?4 + 1, randomblob(16), ?5, 0, 'application/json', ?6, NULL, ?8
FROM c`

// Generate writes g's events into the embedded store's file at path,
// g.ChunkSize() events per transaction, and returns how many
// it wrote. It may run while a Store has the file open (it takes SQLite's
// write lock for each chunk); that Store sees the events as any other,
// but stream actors live for these streams do not (use fresh prefixes).
// It is for benchmarks: 10 million events take minutes. A bad g is an
// *eventstore.InputError and writes nothing; a failure later leaves the
// chunks before it committed (the count says how many events).
func Generate(ctx context.Context, path string, g persistence.Synthetic) (int64, error) {
	if err := g.Validate(); err != nil {
		return 0, err
	}
	cfg := Config{Path: path}.WithDefaults()
	// A large page cache: the random event IDs go all over their index.
	db, err := sql.Open("sqlite", dsn(cfg, false)+"&_pragma=cache_size(-1000000)")
	if err != nil {
		return 0, fmt.Errorf("sqlite: generate: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var written int64
	for written < int64(g.Events) {
		n := min(g.ChunkSize(), int64(g.Events)-written)
		if err := generateChunk(ctx, db, g, written, n); err != nil {
			return written, fmt.Errorf("sqlite: generate: %w", err)
		}
		written += n
	}
	// Leave no large WAL behind: every page lookup of the store would
	// search its index, which a store that grew by appends does not have.
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return written, fmt.Errorf("sqlite: generate: checkpoint: %w", err)
	}
	return written, nil
}

func generateChunk(ctx context.Context, db *sql.DB, g persistence.Synthetic, from, n int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var last int64
	if err := tx.QueryRowContext(ctx, sqlLastPosition).Scan(&last); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlGenerate, n, from, g.Prefix, int64(g.PerStream), g.Type, g.Data, last,
		time.Now().UTC().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}
