package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
)

func ev(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"a":1}`)}
}

func TestAppendAndRead(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	reqs := []eventstore.AppendRequest{
		{Stream: "order-1", Expected: eventstore.NoStream(), Events: []eventstore.EventData{ev("a"), ev("b")}},
		{Stream: "user-1", Events: []eventstore.EventData{ev("c")}},
	}
	reqs[0].Events[0].Metadata = map[string]string{"k": "v"}
	res, err := s.AppendBatch(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].FirstVersion != 1 || res[0].LastVersion != 2 ||
		res[0].FirstPosition != 1 || res[0].LastPosition != 2 {
		t.Fatalf("result 0 = %+v", res[0])
	}
	if res[1].Err != nil || res[1].FirstPosition != 3 || res[1].LastVersion != 1 {
		t.Fatalf("result 1 = %+v", res[1])
	}
	again, err := s.AppendBatch(ctx, reqs)
	if err != nil || !again[0].Idempotent || again[0] != res[0] && again[0].LastPosition != 2 {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	evs, err := s.ReadStream(ctx, eventstore.StreamRead{Stream: "order-1", Limit: 10})
	if err != nil || len(evs) != 2 || evs[0].Metadata["k"] != "v" || evs[1].Version != 2 {
		t.Fatalf("ReadStream = %+v, %v", evs, err)
	}
	all, err := s.ReadAll(ctx, eventstore.AllRead{Limit: 10, Filter: eventstore.CategoryFilter("user")})
	if err != nil || len(all) != 1 || all[0].Stream != "user-1" {
		t.Fatalf("ReadAll = %+v, %v", all, err)
	}
	bad, err := s.AppendBatch(ctx, []eventstore.AppendRequest{
		{Stream: "order-1", Expected: eventstore.Exact(5), Events: []eventstore.EventData{ev("x")}}})
	var ce *eventstore.ConcurrencyError
	if err != nil || !errors.As(bad[0].Err, &ce) || ce.Actual != 2 {
		t.Fatalf("concurrency = %+v, %v", bad, err)
	}
	if _, err := s.ReadStream(ctx, eventstore.StreamRead{Stream: "nope", Limit: 1}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("missing stream: %v", err)
	}
	if p, _ := s.LastPosition(ctx); p != 3 {
		t.Fatalf("LastPosition = %d", p)
	}
}
