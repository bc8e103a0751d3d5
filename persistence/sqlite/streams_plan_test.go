package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestListStreamsUsesIndex checks with EXPLAIN QUERY PLAN that every
// shape of the stream listing seeks the (stream, version) index and never
// scans the events: a page costs the same at 100k streams and 10M events
// as at ten.
func TestListStreamsUsesIndex(t *testing.T) {
	st, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for name, c := range map[string]struct {
		q    string
		args []any
	}{
		"from a prefix":   {sqlStreamsFrom, []any{"order-", 50, "order."}},
		"after a cursor":  {sqlStreamsAfter, []any{"order-7", 50, nil}},
		"before a cursor": {sqlStreamsBackward, []any{"order-7", 50, "order-"}},
		"all, no prefix":  {sqlStreamsFrom, []any{"", 50, nil}},
	} {
		plan := explain(t, st, c.q, c.args)
		t.Logf("%s: %s", name, plan)
		if strings.Contains(plan, "SCAN events") || strings.Contains(plan, "SCAN e ") || strings.Contains(plan, "SCAN h") ||
			strings.Contains(plan, "SCAN m") || !strings.Contains(plan, "events_stream_version") {
			t.Errorf("%s: plan %q scans events", name, plan)
		}
	}
}
