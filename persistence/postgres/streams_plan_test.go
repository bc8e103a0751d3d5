package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/persistence/postgres"
)

// TestListStreamsUsesIndex checks with EXPLAIN that each statement of
// ListStreams is a range scan of the streams table's primary key (with
// sequential scans priced out, as on a large table): a page never reads
// the whole table, so the stream browser stays fast at 100k streams.
func TestListStreamsUsesIndex(t *testing.T) {
	_, url := newStore(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for name, q := range postgres.StreamListQueries {
		args := []any{"order-7", "order-", 50}
		if strings.Contains(q, "$4") {
			args = append(args, "order.")
		}
		rows, err := conn.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, strings.TrimSpace(line))
		}
		rows.Close()
		p := strings.Join(plan, " | ")
		t.Logf("%s: %s", name, p)
		if !strings.Contains(p, "streams_pkey") || strings.Contains(p, "Seq Scan") || !strings.Contains(p, "Limit") {
			t.Errorf("%s: plan is not a bounded index scan: %s", name, p)
		}
	}
}
