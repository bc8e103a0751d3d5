package storetest

import (
	"fmt"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
)

// manyTypes is the size of the event-type filter of testReadAllManyTypes:
// more than SQLite's 32,766 parameters per statement (the finding it
// guards against was reported with 50,000; any count above the limit
// failed the same way). Kept close to the limit: under -race the embedded
// store (SQLite translated to Go) takes seconds per query of this size.
const manyTypes = 33_000

// testReadAllManyTypes: a ReadAll filter naming 50,000 event types is
// answered (both directions, with a prefix too), with exactly the events of
// those types; it is not refused as unavailable.
func testReadAllManyTypes(t *testing.T, f Factory) {
	st := open(t, f)
	appendOK(t, st, req("many-1", eventstore.Any(), ev("T-7"), ev("other"), ev("T-32999")))
	appendOK(t, st, req("else-1", eventstore.Any(), ev("T-7"), ev("T-33000")))
	types := make([]string, manyTypes)
	for i := range types {
		types[i] = fmt.Sprintf("T-%d", i)
	}
	for _, c := range []struct {
		name string
		r    eventstore.AllRead
		want []string // stream/type of each event, in order
	}{
		{"forward", eventstore.AllRead{Limit: 100, Filter: eventstore.Filter{EventTypes: types}},
			[]string{"many-1/T-7", "many-1/T-32999", "else-1/T-7"}},
		{"backward", eventstore.AllRead{From: eventstore.End, Limit: 100, Direction: eventstore.Backward,
			Filter: eventstore.Filter{EventTypes: types}},
			[]string{"else-1/T-7", "many-1/T-32999", "many-1/T-7"}},
		{"with prefix", eventstore.AllRead{Limit: 100, Filter: eventstore.Filter{StreamPrefix: "many-", EventTypes: types}},
			[]string{"many-1/T-7", "many-1/T-32999"}},
	} {
		got, err := st.ReadAll(ctxFor(t), c.r) // a deadline per query, not one for all three
		if err != nil {
			t.Fatalf("%s: ReadAll with %d event types: %v", c.name, manyTypes, err)
		}
		var names []string
		for _, e := range got {
			names = append(names, e.Stream+"/"+e.Type)
		}
		if fmt.Sprint(names) != fmt.Sprint(c.want) {
			t.Fatalf("%s: got %v, want %v", c.name, names, c.want)
		}
	}
}
