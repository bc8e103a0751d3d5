package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/actorstore/actorstore/messages/messagesconnect"
)

// compressMinBytes: replies smaller than this are sent uncompressed.
const compressMinBytes = 8 << 10

// APIServer is the node's gRPC/Connect listener (messages/service.proto):
// gRPC, gRPC-Web and Connect (protobuf or JSON) on one HTTP port, HTTP/2
// with or without TLS, and HTTP/1.1 for Connect and gRPC-Web. Its methods
// are safe for concurrent use.
type APIServer struct {
	n   *Node
	srv *http.Server
	ln  net.Listener
	// endStreams ends the Subscribe calls, which never end on their own,
	// so that Close does not wait for them.
	endStreams context.CancelFunc
	served     chan error
}

// APIHandler is the gRPC/Connect API of the node as an http.Handler, and
// the path prefix to mount it at (for a caller that serves it on its own
// mux). Requests larger than the node's MaxMessageBytes are refused with
// ResourceExhausted, like the peer protocol refuses them.
func (n *Node) APIHandler(opts ...connect.HandlerOption) (string, http.Handler) {
	return n.apiHandler(n.life, opts...)
}

// apiHandler is APIHandler whose Subscribe calls end with streams.
func (n *Node) apiHandler(streams context.Context, opts ...connect.HandlerOption) (string, http.Handler) {
	// Up to twice the limit, a request is read and refused by the node's
	// own check (Node.Serve) with the typed INVALID_INPUT error (rule
	// max_size) of the peer protocol; beyond that Connect refuses it while
	// reading (gRPC: from the length prefix, before reading it), with
	// ResourceExhausted and a message that names both sizes.
	// Small replies (most are) go uncompressed: gzip costs more CPU than
	// it saves on loopback and LANs for a few hundred bytes.
	opts = append([]connect.HandlerOption{connect.WithReadMaxBytes(2 * n.cfg.MaxMessageBytes),
		connect.WithCompressMinBytes(compressMinBytes)}, opts...)
	return messagesconnect.NewEventStoreServiceHandler(&connectService{n: n, streams: streams}, opts...)
}

// StartAPI serves the gRPC/Connect API on address (host:port; port 0
// picks a free port, see APIServer.Address), with the node's ServerTLS
// (mutual TLS when it requires client certificates) or plaintext HTTP/2
// (h2c) without it. Requests share the node's in-flight limit, timeouts
// and tracing with the peer protocol. Close it before the node.
func (n *Node) StartAPI(address string) (*APIServer, error) {
	if address == "" {
		return nil, errors.New("node: the API needs an address (host:port)")
	}
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("node: API listener: %w", err)
	}
	streams, endStreams := context.WithCancel(n.life)
	path, h := n.apiHandler(streams)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	if n.cfg.ServerTLS != nil {
		cfg := n.cfg.ServerTLS.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		srv.Protocols.SetHTTP2(true)
		ln = tls.NewListener(ln, cfg)
	} else {
		srv.Protocols.SetUnencryptedHTTP2(true)
	}
	a := &APIServer{n: n, srv: srv, ln: ln, endStreams: endStreams, served: make(chan error, 1)}
	go func() { a.served <- srv.Serve(ln) }()
	n.log.Info().Str("api", a.Address()).Bool("tls", n.cfg.ServerTLS != nil).Msg("gRPC/Connect API listening")
	return a, nil
}

// Address is the host:port the API listens on.
func (a *APIServer) Address() string { return a.ln.Addr().String() }

// Close stops taking calls, ends the subscriptions, and waits for the
// calls in progress until ctx ends.
func (a *APIServer) Close(ctx context.Context) error {
	a.endStreams()
	err := a.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		_ = a.srv.Close()
	}
	if serr := <-a.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
