package actorstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/actorstore/actorstore"
)

// A counter entity: commands add to it; the state is the sum of its events.
type add struct{ N int }

var errNegative = errors.New("the counter must not go below zero")

var counters = actorstore.Entity[int, add, int]{
	Kind: "counter",
	Fold: func(sum int, e actorstore.RecordedEvent) int {
		n, _ := strconv.Atoi(string(e.Data))
		return sum + n
	},
	Handle: func(sum int, c add) ([]actorstore.EventData, int, error) {
		if sum+c.N < 0 {
			return nil, sum, errNegative
		}
		return []actorstore.EventData{{Type: "Added", Data: []byte(strconv.Itoa(c.N))}}, sum + c.N, nil
	},
	Codec:     actorstore.JSONCodec[int](1),
	Snapshots: actorstore.SnapshotPolicy{Every: 100, OnPassivation: true},
}

func ExampleRegister() {
	st, done := openExample()
	defer done()
	ctx := context.Background()

	k, err := actorstore.Register(st, counters)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, _ := k.Execute(ctx, k.Stream("a"), add{5})
	fmt.Println("sum:", sum)
	sum, res, _ := k.Exec(ctx, k.Stream("a"), add{2})
	fmt.Println("sum:", sum, "at version", res.LastVersion)

	// A rejection writes nothing; errors.Is finds the handler's error.
	_, err = k.Execute(ctx, k.Stream("a"), add{-10})
	fmt.Println(errors.Is(err, errNegative), errors.Is(err, actorstore.ErrRejected), actorstore.CodeOf(err))

	state, version, _ := k.State(ctx, k.Stream("a"))
	fmt.Println("state:", state, "version:", version)
	// Output:
	// sum: 5
	// sum: 7 at version 2
	// true true validation
	// state: 7 version: 2
}

func ExampleStore_SaveSnapshot() {
	st, done := openExample()
	defer done()
	ctx := context.Background()

	// A user who folds a stream's state by hand keeps snapshots too.
	st.Append(ctx, "tally-1", actorstore.NoStream(), event("Counted", `{"n":3}`), event("Counted", `{"n":4}`))
	err := st.SaveSnapshot(ctx, actorstore.Snapshot{Stream: "tally-1", Version: 2, SchemaVersion: 1, State: []byte("7")})
	fmt.Println(err)

	snap, ok, _ := st.LoadSnapshot(ctx, "tally-1")
	fmt.Println(ok, snap.Version, string(snap.State))
	// Then fold the events after snap.Version (none yet):
	evs, _ := st.ReadStream(ctx, actorstore.StreamRead{Stream: "tally-1", From: snap.Version + 1, Limit: 100})
	fmt.Println(len(evs))
	// Output:
	// <nil>
	// true 2 7
	// 0
}
