package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"

	// The schemas package registers the wire form of its *ValidationError,
	// so that a node's validation errors arrive with their problems.
	_ "github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

// scopeName is the instrumentation scope of the client's spans.
const scopeName = "github.com/actorstore/actorstore/client"

// Client talks to one node. It runs its own actor system with a remote
// endpoint (the node replies to it). All methods are safe for concurrent
// use; Close it when done.
type Client struct {
	cfg    Config
	sys    *actors.System
	remote *actors.Remote
	node   *actors.PID
	conn   *conn
	// co coalesces concurrent appends (coalesce.go); nil when the node
	// does not serve AppendBatchRequest or Config.MaxAppendBatch is 1.
	co      *coalescer
	singles atomic.Int64 // appends sent outside co
	unsub   func()
	close   sync.Once
}

// Dial starts the client's endpoint and checks that the node answers a
// Status request within ctx and Config.DialTimeout. An unreachable node
// gives a *eventstore.ConnectionError (retryable).
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if err := probe(ctx, cfg); err != nil {
		return nil, err
	}
	log := cfg.Logger
	sys, err := actors.NewSystem(actors.Config{Logger: &log, RequestTimeout: cfg.RequestTimeout})
	if err != nil {
		return nil, err
	}
	rm, err := actors.StartRemote(sys, cfg.remoteConfig())
	if err != nil {
		sys.Shutdown()
		return nil, fmt.Errorf("client: %w", err)
	}
	c := &Client{cfg: cfg, sys: sys, remote: rm, node: actors.NewPID(cfg.NodeAddress, APIActorName),
		conn: newConn(cfg.NodeAddress)}
	c.unsub = rm.OnEndpointTerminated(c.conn.terminated)
	dctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	st, err := c.Status(dctx)
	if err != nil {
		c.Close()
		return nil, eventstore.AttachTraceID(&eventstore.ConnectionError{Host: cfg.NodeAddress, Op: "dial",
			Attempts: 1, Err: err}, eventstore.TraceID(ctx))
	}
	if cfg.MaxAppendBatch > 1 && slices.Contains(st.GetFeatures(), featureAppendBatch) {
		c.co = newCoalescer(c)
	}
	return c, nil
}

// probe opens and closes a TCP connection to the node, so that a node
// that is not listening fails Dial at once (protoactor would retry for
// seconds before giving up).
func probe(ctx context.Context, cfg Config) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", cfg.NodeAddress)
	if err != nil {
		return eventstore.AttachTraceID(&eventstore.ConnectionError{Host: cfg.NodeAddress, Op: "dial",
			Attempts: 1, Err: err}, eventstore.TraceID(ctx))
	}
	return conn.Close()
}

// Address is the client's own endpoint address (where replies arrive).
func (c *Client) Address() string { return c.remote.Address() }

// NodeAddress is the node's address.
func (c *Client) NodeAddress() string { return c.cfg.NodeAddress }

// Close stops the client's endpoint and actor system. Calls in flight end
// with a timeout. Safe to call more than once.
//
// Calls waiting for a reply when the connection to the node is lost (the
// node process died, closed the connection, or stopped answering
// keepalive pings) fail at once with a retryable
// *eventstore.ConnectionError instead of waiting for their deadline.
func (c *Client) Close() {
	c.close.Do(func() {
		c.unsub()
		c.remote.Shutdown()
		c.sys.Shutdown()
	})
}

// call sends req to the node and waits for its reply: bounded by ctx or
// RequestTimeout, with the trace ID of ctx (a new one when it has none)
// and the time left told to the node. Requests larger than
// MaxMessageBytes are refused here: the transport would drop them. Its
// errors carry the trace ID (errors that come over the wire carry the
// node's, which is the same).
func (c *Client) call(ctx context.Context, req proto.Message, opts **messages.RequestOptions) (any, error) {
	if c.cfg.TracerProvider != nil {
		var span oteltrace.Span
		ctx, span = c.cfg.TracerProvider.Tracer(scopeName).Start(ctx,
			"actorstore.client."+string(req.ProtoReflect().Descriptor().Name()),
			oteltrace.WithSpanKind(oteltrace.SpanKindClient))
		defer span.End()
	}
	ctx, trace := eventstore.EnsureTraceID(ctx)
	reply, err := c.send(ctx, trace, req, opts)
	return reply, eventstore.AttachTraceID(err, trace)
}

func (c *Client) send(ctx context.Context, trace string, req proto.Message, opts **messages.RequestOptions) (any, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
		defer cancel()
	}
	dl, _ := ctx.Deadline()
	*opts = &messages.RequestOptions{TraceId: trace, TimeoutMs: nodeTimeoutMs(time.Until(dl))}
	if err := c.checkSize(proto.Size(req)); err != nil {
		return nil, err
	}
	return c.request(ctx, req)
}

// checkSize refuses a request of size bytes that the node would not take.
func (c *Client) checkSize(size int) error {
	if limit := c.maxRequestBytes(); size > limit {
		return &eventstore.InputError{Field: "request", Rule: "max_size",
			Message: fmt.Sprintf("request is %d bytes, the node accepts at most %d", size, limit)}
	}
	return nil
}

func (c *Client) maxRequestBytes() int { return c.cfg.MaxMessageBytes - 8<<10 }

// request sends req, bound to the connection's generation, and waits for
// the reply until ctx ends.
func (c *Client) request(ctx context.Context, req proto.Message) (any, error) {
	rctx, gen, release := c.conn.bind(ctx)
	reply, err := actors.Request(rctx, c.sys, c.node, req)
	release()
	err = c.conn.lostError(err, ctx, gen)
	if errors.Is(err, actors.ErrDeadLetter) {
		return nil, &eventstore.ConnectionError{Host: c.cfg.NodeAddress, Op: "request", Attempts: 1,
			Err: fmt.Errorf("node has no %q actor: %w", APIActorName, err)}
	}
	if e, ok := reply.(*messages.Error); ok { // the node did not know the request type
		return nil, remoteError("request", e)
	}
	return reply, err
}

// nodeTimeoutMs leaves the node a little less time than the caller waits,
// so that the node's own timeout reply arrives before the caller gives up.
func nodeTimeoutMs(left time.Duration) uint32 {
	left -= min(left/10, 100*time.Millisecond)
	return uint32(max(left.Milliseconds(), 1))
}

// unexpected reports a reply of the wrong type (a protocol bug).
func unexpected(reply any, want string) error {
	return &wire.RemoteError{Code: eventstore.CodeInternal,
		Message: fmt.Sprintf("client: got %T from the node, want %s", reply, want)}
}

// remoteError turns the node's error reply to op back into a Go error
// (wire.ErrorFromProto). An unavailable store that the node reported
// without naming its operation is named after op, so the message never
// reads "on  failed".
func remoteError(op string, e *messages.Error) error {
	err := wire.ErrorFromProto(e)
	var ce *eventstore.ConnectionError
	if errors.As(err, &ce) && ce.Op == "" {
		ce.Op = op
	}
	return err
}
