package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

const (
	benchEvents  = 1000
	benchStreams = 100
)

// benchBatch returns 1,000 events over 100 streams, about 200 bytes each
// (type, 150 bytes of JSON data, two metadata entries).
func benchBatch(round int) []eventstore.AppendRequest {
	data := []byte(`{"amount":1234,"currency":"EUR","note":"` + strings.Repeat("x", 108) + `"}`)
	meta := map[string]string{"corr": "c-123456", "src": "bench"}
	reqs := make([]eventstore.AppendRequest, benchStreams)
	for i := range reqs {
		evs := make([]eventstore.EventData, benchEvents/benchStreams)
		for j := range evs {
			evs[j] = eventstore.EventData{ID: uuid.New(), Type: "Deposited", Data: data, Metadata: meta}
		}
		reqs[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("acct-%d-%d", round%50, i), Events: evs}
	}
	return reqs
}

// BenchmarkAppend compares AppendBatch with raw pgx inserts of the same
// rows into a plain table (no secondary indexes, no stream heads, no
// checks), in the same run: a multi-row INSERT ... VALUES, an unnest
// insert, and COPY.
func BenchmarkAppend(b *testing.B) {
	url := pgtest.Server(b).NewDatabase(b)
	s := openStore(b, url, postgres.Config{})
	ctx := context.Background()
	b.Run("store=AppendBatch", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := s.AppendBatch(ctx, benchBatch(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*benchEvents)/b.Elapsed().Seconds(), "events/s")
	})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE raw_events (position bigint PRIMARY KEY, stream_id text,
		version bigint, event_id uuid, type text, schema_version bigint, content_type text, data bytea,
		metadata jsonb, created_at timestamptz)`); err != nil {
		b.Fatal(err)
	}
	var pos int64
	for _, raw := range []struct {
		name   string
		insert func(ctx context.Context, conn *pgx.Conn, rows [][]any) error
	}{{"raw=values", rawValues}, {"raw=unnest", rawUnnest}, {"raw=copy", rawCopy}} {
		b.Run(raw.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := raw.insert(ctx, conn, benchRows(benchBatch(i), &pos)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchEvents)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkAppendPaired alternates AppendBatch and the raw inserts inside
// every iteration, so that load from other processes on a shared machine
// hits both alike, and reports their throughput ratio
// (store events/s ÷ raw events/s; 1 means as fast as the raw insert).
// copyidx is COPY into a table with the same indexes as events, to tell
// index maintenance from the store's own work.
func BenchmarkAppendPaired(b *testing.B) {
	url := pgtest.Server(b).NewDatabase(b)
	s := openStore(b, url, postgres.Config{})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE raw_events (position bigint PRIMARY KEY, stream_id text,
		version bigint, event_id uuid, type text, schema_version bigint, content_type text, data bytea,
		metadata jsonb, created_at timestamptz)`); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE raw_indexed (LIKE raw_events INCLUDING ALL);
		CREATE UNIQUE INDEX ON raw_indexed (stream_id, version);
		CREATE UNIQUE INDEX ON raw_indexed (event_id);
		CREATE INDEX ON raw_indexed (type, position)`); err != nil {
		b.Fatal(err)
	}
	var pos int64
	var store, values, unnest, copyT, copyIdx time.Duration
	timed := func(d *time.Duration, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		timed(&store, func() error { _, err := s.AppendBatch(ctx, benchBatch(i)); return err })
		timed(&values, func() error { return rawValues(ctx, conn, benchRows(benchBatch(i), &pos)) })
		timed(&unnest, func() error { return rawUnnest(ctx, conn, benchRows(benchBatch(i), &pos)) })
		timed(&copyT, func() error { return rawCopy(ctx, conn, benchRows(benchBatch(i), &pos)) })
		timed(&copyIdx, func() error { return rawCopyInto(ctx, conn, "raw_indexed", benchRows(benchBatch(i), &pos)) })
	}
	n := float64(b.N)
	b.ReportMetric(store.Seconds()*1000/n, "store-ms/op")
	b.ReportMetric(values.Seconds()*1000/n, "values-ms/op")
	b.ReportMetric(unnest.Seconds()*1000/n, "unnest-ms/op")
	b.ReportMetric(copyT.Seconds()*1000/n, "copy-ms/op")
	b.ReportMetric(values.Seconds()/store.Seconds(), "x-values")
	b.ReportMetric(unnest.Seconds()/store.Seconds(), "x-unnest")
	b.ReportMetric(copyIdx.Seconds()*1000/n, "copyidx-ms/op")
	b.ReportMetric(copyT.Seconds()/store.Seconds(), "x-copy")
	b.ReportMetric(copyIdx.Seconds()/store.Seconds(), "x-copyidx")
}

func benchRows(reqs []eventstore.AppendRequest, pos *int64) [][]any {
	rows := make([][]any, 0, benchEvents)
	now := time.Now()
	for _, r := range reqs {
		for j, e := range r.Events {
			*pos++
			rows = append(rows, []any{*pos, r.Stream, int64(j + 1), e.ID, e.Type, int64(0), e.ContentType,
				e.Data, e.Metadata, now})
		}
	}
	return rows
}

func rawValues(ctx context.Context, conn *pgx.Conn, rows [][]any) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO raw_events VALUES `)
	args := make([]any, 0, len(rows)*10)
	for i, row := range rows {
		if i > 0 {
			sb.WriteString(",")
		}
		n := len(args)
		fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)",
			n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
		args = append(args, row...)
	}
	_, err := conn.Exec(ctx, sb.String(), args...)
	return err
}

func rawUnnest(ctx context.Context, conn *pgx.Conn, rows [][]any) error {
	var (
		pos, ver, sv                []int64
		streams, types, ctypes, mds []string
		ids                         []uuid.UUID
		data                        [][]byte
		created                     []time.Time
	)
	for _, r := range rows {
		pos, ver, sv = append(pos, r[0].(int64)), append(ver, r[2].(int64)), append(sv, r[5].(int64))
		streams, types, ctypes = append(streams, r[1].(string)), append(types, r[4].(string)), append(ctypes, r[6].(string))
		md, _ := json.Marshal(r[8])
		mds, ids, data = append(mds, string(md)), append(ids, r[3].(uuid.UUID)), append(data, r[7].([]byte))
		created = append(created, r[9].(time.Time))
	}
	_, err := conn.Exec(ctx, `INSERT INTO raw_events SELECT p, s, v, i, t, sv, ct, d, m::jsonb, c FROM
		unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::bigint[], $7::text[],
		$8::bytea[], $9::text[], $10::timestamptz[]) AS u(p, s, v, i, t, sv, ct, d, m, c)`,
		pos, streams, ver, ids, types, sv, ctypes, data, mds, created)
	return err
}

func rawCopy(ctx context.Context, conn *pgx.Conn, rows [][]any) error {
	return rawCopyInto(ctx, conn, "raw_events", rows)
}

func rawCopyInto(ctx context.Context, conn *pgx.Conn, table string, rows [][]any) error {
	_, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"position", "stream_id",
		"version", "event_id", "type", "schema_version", "content_type", "data", "metadata", "created_at"},
		pgx.CopyFromRows(rows))
	return err
}

// seedReads fills a database with 100 streams of 100 events in 10
// categories (cat0-..cat9-), two event types.
func seedReads(b *testing.B) *postgres.Store {
	url := pgtest.Server(b).NewDatabase(b)
	s := openStore(b, url, postgres.Config{})
	for round := range 10 {
		reqs := make([]eventstore.AppendRequest, benchStreams)
		for i := range reqs {
			evs := make([]eventstore.EventData, 10)
			for j := range evs {
				typ := "Deposited"
				if j%5 == 0 {
					typ = "Withdrawn"
				}
				evs[j] = eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"amount":1234}`)}
			}
			reqs[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("cat%d-%d", i%10, i), Events: evs}
		}
		if _, err := s.AppendBatch(context.Background(), reqs); err != nil {
			b.Fatalf("seed round %d: %v", round, err)
		}
	}
	return s
}

func BenchmarkRead(b *testing.B) {
	s := seedReads(b)
	ctx := context.Background()
	reads := []struct {
		name string
		read func(i int) ([]eventstore.RecordedEvent, error)
	}{
		{"ReadStream/forward100", func(i int) ([]eventstore.RecordedEvent, error) {
			return s.ReadStream(ctx, eventstore.StreamRead{Stream: fmt.Sprintf("cat%d-%d", i%10, i%100), Limit: 100})
		}},
		{"ReadStream/backward100", func(i int) ([]eventstore.RecordedEvent, error) {
			return s.ReadStream(ctx, eventstore.StreamRead{Stream: fmt.Sprintf("cat%d-%d", i%10, i%100),
				From: eventstore.End, Direction: eventstore.Backward, Limit: 100})
		}},
		{"ReadAll/unfiltered1000", func(i int) ([]eventstore.RecordedEvent, error) {
			return s.ReadAll(ctx, eventstore.AllRead{From: uint64(i%9) * 1000, Limit: 1000})
		}},
		{"ReadAll/category100", func(i int) ([]eventstore.RecordedEvent, error) {
			return s.ReadAll(ctx, eventstore.AllRead{Limit: 100, Filter: eventstore.CategoryFilter(fmt.Sprintf("cat%d", i%10))})
		}},
		{"ReadAll/type100", func(i int) ([]eventstore.RecordedEvent, error) {
			return s.ReadAll(ctx, eventstore.AllRead{Limit: 100, Filter: eventstore.Filter{EventTypes: []string{"Withdrawn"}}})
		}},
	}
	for _, r := range reads {
		b.Run(r.name, func(b *testing.B) {
			n := 0
			for i := 0; b.Loop(); i++ {
				evs, err := r.read(i)
				if err != nil || len(evs) == 0 {
					b.Fatalf("%d events, %v", len(evs), err)
				}
				n += len(evs)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
