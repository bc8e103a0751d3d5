package bench

import (
	"context"
	"errors"
	"os"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// Target is what the scenarios drive: the Go API of an open store, or a
// client of a running node. Its methods are safe for concurrent use.
type Target interface {
	Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion,
		events ...eventstore.EventData) (eventstore.AppendResult, error)
	Transact(ctx context.Context, reqs ...eventstore.AppendRequest) ([]eventstore.AppendResult, error)
	ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error)
	ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error)
	// Subscribe calls fn for every event of all streams from position at
	// (inclusive) until the returned stop is called.
	Subscribe(ctx context.Context, at eventstore.Position, fn func(eventstore.RecordedEvent)) (stop func(), err error)
	Close(ctx context.Context) error
}

var (
	_ Target = (*storeTarget)(nil)
	_ Target = (*nodeTarget)(nil)
)

// OpenTarget opens the target c selects (see Config).
func OpenTarget(ctx context.Context, c Config) (Target, error) {
	if c.Node != "" {
		cl, err := client.Dial(ctx, client.Config{NodeAddress: c.Node, MaxAppendBatch: c.MaxAppendBatch})
		if err != nil {
			return nil, err
		}
		return &nodeTarget{cl}, nil
	}
	cfg := actorstore.Config{PostgresURL: c.PostgresURL, DataDir: c.DataDir}
	var tmp string
	if c.PostgresURL == "" && c.DataDir == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "actorstore-bench-"); err != nil {
			return nil, err
		}
		cfg.DataDir = tmp
	}
	if c.PostgresURL != "" {
		// Enough connections for the writer, readers and subscriptions.
		cfg.Pool.MaxConns = 20
	}
	st, err := actorstore.Open(ctx, cfg)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, err
	}
	return &storeTarget{st: st, tmp: tmp, cfg: cfg}, nil
}

type storeTarget struct {
	st  *actorstore.Store
	tmp string            // removed on Close
	cfg actorstore.Config // what st was opened with
}

func (t *storeTarget) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion,
	events ...eventstore.EventData) (eventstore.AppendResult, error) {
	return t.st.Append(ctx, stream, expected, events...)
}

func (t *storeTarget) Transact(ctx context.Context, reqs ...eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	return t.st.Transact(ctx, reqs...)
}

func (t *storeTarget) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	return t.st.ReadStream(ctx, r)
}

func (t *storeTarget) ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error) {
	return t.st.ReadAll(ctx, r)
}

func (t *storeTarget) Subscribe(ctx context.Context, at eventstore.Position,
	fn func(eventstore.RecordedEvent)) (func(), error) {
	o := actorstore.SubscribeOptions{Start: actorstore.FromAt, At: at}
	sub, err := t.st.Subscribe(ctx, o, func(_ context.Context, e eventstore.RecordedEvent) error {
		fn(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func() { sub.Close() }, nil
}

func (t *storeTarget) Close(ctx context.Context) error {
	err := t.st.Close(ctx)
	if t.tmp != "" {
		err = errors.Join(err, os.RemoveAll(t.tmp))
	}
	return err
}

type nodeTarget struct{ c *client.Client }

func (t *nodeTarget) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion,
	events ...eventstore.EventData) (eventstore.AppendResult, error) {
	return t.c.Append(ctx, stream, expected, events...)
}

func (t *nodeTarget) Transact(ctx context.Context, reqs ...eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	return t.c.Transact(ctx, reqs...)
}

func (t *nodeTarget) ReadStream(ctx context.Context, r eventstore.StreamRead) ([]eventstore.RecordedEvent, error) {
	return t.c.ReadStream(ctx, r)
}

func (t *nodeTarget) ReadAll(ctx context.Context, r eventstore.AllRead) ([]eventstore.RecordedEvent, error) {
	return t.c.ReadAll(ctx, r)
}

func (t *nodeTarget) Subscribe(ctx context.Context, at eventstore.Position,
	fn func(eventstore.RecordedEvent)) (func(), error) {
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.c.Tail(tctx, client.TailOptions{Start: client.FromAt, At: at}, func(e eventstore.RecordedEvent) error {
			fn(e)
			return nil
		})
	}()
	return func() { cancel(); <-done }, nil
}

func (t *nodeTarget) Close(context.Context) error {
	t.c.Close()
	return nil
}

// lastPosition is the newest position the target has (0 when empty).
func lastPosition(ctx context.Context, t Target) (eventstore.Position, error) {
	evs, err := t.ReadAll(ctx, eventstore.AllRead{From: eventstore.End, Direction: eventstore.Backward, Limit: 1})
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	return evs[0].Position, nil
}
