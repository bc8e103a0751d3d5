package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The baselines write to tables shaped like actorstore's events table,
// created for the run and dropped afterwards.
const baselineTable = `CREATE TABLE %s (
    position       bigint PRIMARY KEY,
    stream_id      text COLLATE "C" NOT NULL,
    version        bigint NOT NULL,
    event_id       uuid NOT NULL,
    type           text NOT NULL,
    schema_version bigint NOT NULL,
    content_type   text NOT NULL,
    data           bytea NOT NULL,
    metadata       jsonb,
    created_at     timestamptz NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE UNIQUE INDEX ON %[1]s (event_id);
CREATE INDEX ON %[1]s (type, position)`

// sqlGroupInsert inserts a whole batch as one multi-row insert.
const sqlGroupInsert = `INSERT INTO %s (position, stream_id, version, event_id, type, schema_version,
  content_type, data, metadata, created_at)
SELECT p, s, v, e, 'BenchEvent', 0, 'application/json', d, NULL, now()
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::bytea[]) AS x(p, s, v, e, d)`

// sqlOneInsert inserts one event in its own transaction; the position
// comes from a sequence.
const sqlOneInsert = `INSERT INTO %s (position, stream_id, version, event_id, type, schema_version,
  content_type, data, metadata, created_at)
VALUES (nextval('%[1]s_seq'), $1, $2, $3, 'BenchEvent', 0, 'application/json', $4, NULL, now())`

// runPostgresBaselines measures the raw pgx group-commit harness and one
// transaction per event, on the target database, with c's event size.
func runPostgresBaselines(ctx context.Context, r *runner) ([]Result, error) {
	pcfg, err := pgxpool.ParseConfig(r.c.PostgresURL)
	if err != nil {
		return nil, &ConfigError{Field: "postgres-url", Message: "not a PostgreSQL URL"}
	}
	pcfg.MaxConns = int32(max(r.c.TxConns, 1) + 1)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("bench: baselines: %w", err)
	}
	defer pool.Close()
	gcTable, txTable := "bench_baseline_gc_"+r.id, "bench_baseline_tx_"+r.id
	defer func() {
		drop := fmt.Sprintf("DROP TABLE IF EXISTS %s, %s; DROP SEQUENCE IF EXISTS %s_seq", gcTable, txTable, txTable)
		pool.Exec(context.WithoutCancel(ctx), drop)
	}()
	for _, tbl := range []string{gcTable, txTable} {
		if _, err := pool.Exec(ctx, fmt.Sprintf(baselineTable, tbl)); err != nil {
			return nil, fmt.Errorf("bench: baselines: create table: %w", err)
		}
	}
	if _, err := pool.Exec(ctx, fmt.Sprintf("CREATE SEQUENCE %s_seq", txTable)); err != nil {
		return nil, fmt.Errorf("bench: baselines: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: baselines: %w", err)
	}
	gc := r.groupCommitBaseline(ctx, BaselineGroupCommit,
		"raw pgx: one goroutine commits all pending single-event requests in one multi-row insert, one connection",
		pgGroupInsert(conn.Conn(), gcTable))
	conn.Release()
	tx := r.txPerEventBaseline(ctx, pool, txTable)
	return []Result{gc, tx}, nil
}

// gcRequest is one client's single-event request to the committer.
type gcRequest struct {
	stream  string
	version int64
	id      uuid.UUID
	data    []byte
	done    chan error
}

// groupCommitBaseline: c.Writers clients each submit single-event requests
// to one committer goroutine that takes everything pending, commits it with
// commit (events at positions first, first+1, ...) in one transaction, and
// answers all after the commit.
func (r *runner) groupCommitBaseline(ctx context.Context, name, note string,
	commit func(ctx context.Context, batch []*gcRequest, first int64) error) Result {
	reqs := make(chan *gcRequest, r.c.Writers)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		groupCommitter(ctx, commit, reqs)
	}()
	data := r.payload()
	versions := make([]int64, r.c.Writers)
	res, rec := r.measure(ctx, name, r.c.Writers, func(ctx context.Context, i int, rec *recorder) {
		q := &gcRequest{stream: r.stream("gc", i), version: versions[i] + 1, id: r.newID(),
			data: data, done: make(chan error, 1)}
		t0 := time.Now()
		select {
		case reqs <- q:
		case <-ctx.Done():
			rec.fail(ctx.Err())
			return
		}
		if err := <-q.done; err != nil {
			rec.fail(err)
			return
		}
		rec.record(time.Since(t0), 1)
		versions[i]++
	})
	close(reqs)
	<-stopped
	res.Events = rec.events
	res.Rate = float64(res.Events) / res.Seconds
	res.Note = note
	return res
}

// groupCommitter is a group-commit baseline's single writer.
func groupCommitter(ctx context.Context, commit func(context.Context, []*gcRequest, int64) error,
	reqs <-chan *gcRequest) {
	var position int64
	var batch []*gcRequest
	for q := range reqs {
		batch = append(batch[:0], q)
	gather:
		for {
			select {
			case q, ok := <-reqs:
				if !ok {
					break gather
				}
				batch = append(batch, q)
			default:
				break gather
			}
		}
		err := commit(ctx, batch, position+1)
		if err == nil {
			position += int64(len(batch))
		}
		for _, q := range batch {
			q.done <- err
		}
	}
}

// pgGroupInsert commits a batch as one multi-row insert on conn.
func pgGroupInsert(conn *pgx.Conn, table string) func(context.Context, []*gcRequest, int64) error {
	insert := fmt.Sprintf(sqlGroupInsert, table)
	return func(ctx context.Context, batch []*gcRequest, first int64) error {
		n := len(batch)
		pos, streams, vers := make([]int64, n), make([]string, n), make([]int64, n)
		ids, data := make([]uuid.UUID, n), make([][]byte, n)
		for i, q := range batch {
			pos[i], streams[i], vers[i], ids[i], data[i] = first+int64(i), q.stream, q.version, q.id, q.data
		}
		// One statement outside BEGIN is one transaction: a single round trip.
		_, err := conn.Exec(ctx, insert, pos, streams, vers, ids, data)
		return err
	}
}

// txPerEventBaseline: c.TxConns callers, each with its own connection,
// insert one event per transaction.
func (r *runner) txPerEventBaseline(ctx context.Context, pool *pgxpool.Pool, table string) Result {
	data := r.payload()
	insert := fmt.Sprintf(sqlOneInsert, table)
	versions := make([]int64, r.c.TxConns)
	res, rec := r.measure(ctx, BaselineTxPerEvent, r.c.TxConns, func(ctx context.Context, i int, rec *recorder) {
		t0 := time.Now()
		_, err := pool.Exec(ctx, insert, r.stream("tx1", i), versions[i]+1, r.newID(), data)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				rec.fail(err)
			}
			return
		}
		rec.record(time.Since(t0), 1)
		versions[i]++
	})
	res.Events = rec.events
	res.Rate = float64(res.Events) / res.Seconds
	res.Note = fmt.Sprintf("raw pgx: one INSERT per transaction from %d connections", r.c.TxConns)
	return res
}
