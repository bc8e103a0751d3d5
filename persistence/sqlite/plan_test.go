package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// TestQueriesUseIndexes checks with EXPLAIN QUERY PLAN that reads with a
// filter, of one stream, and by event ID are answered from an index, not by
// scanning every event.
func TestQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	query := func(r eventstore.AllRead) (string, []any) { return allQuery(r) }
	types := eventstore.Filter{EventTypes: []string{"A", "B"}}
	prefix := eventstore.CategoryFilter("order")
	cases := []struct {
		name  string
		q     string
		args  []any
		index string
	}{
		{"all forward", "", nil, "INTEGER PRIMARY KEY"},
		{"types", "", nil, "events_type_position"},
		{"types backward", "", nil, "events_type_position"},
		{"prefix", "", nil, "events_stream_version"},
		{"stream forward", streamForward, []any{"order-1", 1, 10}, "events_stream_version"},
		{"stream backward", streamBackward, []any{"order-1", 1, 10}, "events_stream_version"},
		{"event IDs", `SELECT ` + eventColumns + ` FROM events WHERE stream = ? AND event_id IN (?)`,
			[]any{"s", []byte("0123456789abcdef")}, "events_event_id"},
		{"lookup IDs", sqlLookupIDs, []any{`["30313233343536373839616263646566"]`}, "events_event_id"},
		{"batch heads", sqlBatchHeads, []any{`["a","b"]`}, "events_stream_version"},
	}
	cases[0].q, cases[0].args = query(eventstore.AllRead{From: 5, Limit: 10})
	cases[1].q, cases[1].args = query(eventstore.AllRead{From: 5, Limit: 10, Filter: types})
	cases[2].q, cases[2].args = query(eventstore.AllRead{From: 5, Limit: 10, Filter: types, Direction: eventstore.Backward})
	cases[3].q, cases[3].args = query(eventstore.AllRead{From: 5, Limit: 10, Filter: prefix})
	for _, c := range cases {
		plan := explain(t, st, c.q, c.args)
		t.Logf("%s: %s", c.name, plan)
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "SCAN events") && !strings.Contains(plan, "INTEGER PRIMARY KEY") {
			t.Errorf("%s: plan %q does not use %s", c.name, plan, c.index)
		}
	}
}

func explain(t *testing.T, st *Store, q string, args []any) string {
	t.Helper()
	rows, err := st.readers.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, " | ")
}
