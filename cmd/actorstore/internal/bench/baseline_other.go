package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the embedded store's driver

	"github.com/actorstore/actorstore/client"
)

// runBaselines measures the raw baselines of the target: the two pgx ones
// on PostgreSQL, a raw SQLite group commit for the embedded store, a raw
// remote request/reply for a node (t is the open target).
func runBaselines(ctx context.Context, r *runner, t Target) ([]Result, error) {
	switch r.c.TargetKind() {
	case "postgres":
		return runPostgresBaselines(ctx, r)
	case "node":
		nt, ok := t.(*nodeTarget)
		if !ok {
			return nil, fmt.Errorf("bench: baselines: node target is %T", t)
		}
		return []Result{r.remoteBaseline(ctx, nt.c)}, nil
	}
	res, err := r.sqliteBaseline(ctx)
	if err != nil {
		return nil, err
	}
	return []Result{res}, nil
}

// sqliteSchema is the embedded store's events table and its indexes
// (persistence/sqlite migration 0001).
const sqliteSchema = `CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    stream         TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    event_id       BLOB    NOT NULL CHECK (length(event_id) = 16),
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    content_type   TEXT    NOT NULL,
    data           BLOB    NOT NULL,
    metadata       TEXT,
    created        INTEGER NOT NULL
);
CREATE UNIQUE INDEX events_stream_version ON events (stream, version);
CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_type_position ON events (type, position);`

// sqliteBaseline: the group commit of the PostgreSQL baseline on a SQLite
// file of its own, beside the store's data (the same disk), with the
// embedded store's schema and settings (WAL, synchronous=FULL, BEGIN
// IMMEDIATE, one writer connection): one transaction of one INSERT per
// event for all pending requests.
func (r *runner) sqliteBaseline(ctx context.Context) (Result, error) {
	dir := r.c.DataDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("bench: baselines: %w", err)
	}
	path := filepath.Join(dir, "bench-baseline-"+r.id+".db")
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)"+
		"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return Result{}, fmt.Errorf("bench: baselines: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		return Result{}, fmt.Errorf("bench: baselines: create table: %w", err)
	}
	const insert = `INSERT INTO events (position, stream, version, event_id, type, schema_version,
  content_type, data, metadata, created) VALUES (?, ?, ?, ?, 'BenchEvent', 0, 'application/json', ?, NULL, ?)`
	commit := func(ctx context.Context, batch []*gcRequest, first int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // no-op after Commit
		stmt, err := tx.PrepareContext(ctx, insert)
		if err != nil {
			return err
		}
		defer stmt.Close()
		created := time.Now().UnixNano()
		for i, q := range batch {
			if _, err := stmt.ExecContext(ctx, first+int64(i), q.stream, q.version, q.id[:], q.data, created); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	return r.groupCommitBaseline(ctx, BaselineSQLiteGroupCommit,
		"raw SQLite (same schema, WAL, synchronous=FULL): one goroutine commits all pending single-event requests "+
			"in one transaction, one connection", commit), nil
}

// remoteBaseline: c.Writers callers each send the node a StatusRequest and
// wait for its reply, through the same client as the scenarios. The node's
// API actor answers it in its mailbox with counters it holds, so this is
// protoactor remote's request/reply at that concurrency, without a store.
func (r *runner) remoteBaseline(ctx context.Context, c *client.Client) Result {
	res, rec := r.measure(ctx, BaselineRemoteRequest, r.c.Writers, func(ctx context.Context, i int, rec *recorder) {
		t0 := time.Now()
		if _, err := c.Status(ctx); err != nil {
			rec.fail(err)
			return
		}
		rec.record(time.Since(t0), 1)
	})
	res.Events = rec.events // one per round trip, for the ratios
	res.Rate = float64(res.Events) / res.Seconds
	res.Note = "raw protoactor remote: StatusRequest/StatusReply round trips through the client, answered in the node's API actor"
	return res
}
