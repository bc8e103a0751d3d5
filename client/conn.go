package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/actorstore/actorstore/eventstore"
)

// errConnectionLost is the cause of calls cut short because the connection
// to the node was lost.
var errConnectionLost = errors.New("connection to the node lost")

// conn tracks the connection to the node: each generation has a context
// that is cancelled when protoactor reports the node's endpoint
// terminated, so that calls waiting for replies fail at once instead of at
// their deadline. The next call starts a new generation (protoactor
// reconnects on the next message).
type conn struct {
	node   string
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelCauseFunc
}

func newConn(node string) *conn {
	c := &conn{node: node}
	c.ctx, c.cancel = context.WithCancelCause(context.Background())
	return c
}

// current is the live generation's context, a new one if the last was lost.
func (c *conn) current() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		c.ctx, c.cancel = context.WithCancelCause(context.Background())
	}
	return c.ctx
}

// terminated is called by the transport for every lost peer address.
func (c *conn) terminated(address string) {
	if address != c.node {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancel(errConnectionLost)
}

// bind returns ctx, cancelled also when the connection generation ends,
// and a function to release it.
func (c *conn) bind(ctx context.Context) (context.Context, context.Context, context.CancelFunc) {
	gen := c.current()
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(gen, cancel)
	return ctx, gen, func() { stop(); cancel() }
}

// lostError turns a call cut short by a lost connection into a retryable
// *eventstore.ConnectionError; other errors pass through.
func (c *conn) lostError(err error, caller, gen context.Context) error {
	if err == nil || caller.Err() != nil || gen.Err() == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	return &eventstore.ConnectionError{Host: c.node, Op: "request", Attempts: 1,
		Err: fmt.Errorf("%w: %w", errConnectionLost, context.Cause(gen))}
}
