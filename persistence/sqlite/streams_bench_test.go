package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// BenchmarkListStreams pages through 100,000 streams (the last 1,000 with
// 100 events each, so a page crosses long streams too): the first page of
// all streams, a page deep inside a category (after a cursor), a page
// backward from the end. A page's cost should not grow with the streams
// before the cursor or the events of each stream.
//
//	go test -run '^$' -bench ListStreams ./persistence/sqlite
func BenchmarkListStreams(b *testing.B) {
	st, err := openBench(b)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	const streams, long = 100_000, 1_000
	for first := 0; first < streams; first += 1000 {
		reqs := make([]eventstore.AppendRequest, 1000)
		for i := range reqs {
			n := first + i
			reqs[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("cat%d-%06d", n%10, n), Expected: eventstore.Any(),
				Events: []eventstore.EventData{event("Seed")}}
			if n >= streams-long {
				for range 99 {
					reqs[i].Events = append(reqs[i].Events, event("Seed"))
				}
			}
		}
		if _, err := st.AppendBatch(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	sl := st.(persistence.StreamLister)
	for name, q := range map[string]persistence.StreamList{
		"first page of all":         {Limit: 50},
		"deep in a category":        {Prefix: "cat7-", After: "cat7-090007", Limit: 50},
		"backward from the end":     {Prefix: "cat9-", Before: "cat9-999999", Limit: 50},
		"long streams (100 events)": {Prefix: "cat3-", After: "cat3-099000", Limit: 50},
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				hs, err := sl.ListStreams(ctx, q)
				if err != nil || len(hs) == 0 {
					b.Fatalf("%v, %d streams", err, len(hs))
				}
			}
		})
	}
}
