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
	"google.golang.org/grpc"

	"github.com/actorstore/actorstore/messages/messagesconnect"
)

// compressMinBytes: replies smaller than this are sent uncompressed.
const compressMinBytes = 8 << 10

// APIServer is the node's gRPC/Connect listener (messages/service.proto):
// gRPC, gRPC-Web and Connect (protobuf or JSON) on one port, HTTP/2 with
// or without TLS, and HTTP/1.1 for Connect and gRPC-Web. HTTP/2
// connections that start with a gRPC call are served by grpc-go's server,
// the others by Connect's handler on net/http (apiRouter, ADR 0024). Its
// methods are safe for concurrent use.
type APIServer struct {
	n      *Node
	srv    *http.Server
	grpc   *grpc.Server
	router *apiRouter
	// endStreams ends the Subscribe calls, which never end on their own,
	// so that Close does not wait for them.
	endStreams context.CancelFunc
	served     chan error // net/http's Serve
	grpcServed chan error // grpc-go's Serve
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
	return n.connectHandler(&connectService{n: n, streams: streams}, opts...)
}

// connectHandler is Connect's handler of svc.
func (n *Node) connectHandler(svc *connectService, opts ...connect.HandlerOption) (string, http.Handler) {
	// Up to twice the limit, a request is read and refused by the node's
	// own check (Node.Serve) with the typed INVALID_INPUT error (rule
	// max_size) of the peer protocol; beyond that Connect refuses it while
	// reading (gRPC: from the length prefix, before reading it), with
	// ResourceExhausted and a message that names both sizes.
	// Small replies (most are) go uncompressed: gzip costs more CPU than
	// it saves on loopback and LANs for a few hundred bytes.
	opts = append([]connect.HandlerOption{connect.WithReadMaxBytes(2 * n.cfg.MaxMessageBytes),
		connect.WithCompressMinBytes(compressMinBytes)}, opts...)
	return messagesconnect.NewEventStoreServiceHandler(svc, opts...)
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
	svc := &connectService{n: n, streams: streams}
	path, h := n.connectHandler(svc)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	// The router terminates TLS: net/http gets a *tls.Conn for HTTP/1.1,
	// and HTTP/2 connections (TLS or not) as unencrypted HTTP/2 with
	// prior knowledge, which is what they are once TLS is off.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: apiIdleTimeout,
		Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	var cfg *tls.Config
	if n.cfg.ServerTLS != nil {
		cfg = n.cfg.ServerTLS.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	a := &APIServer{n: n, srv: srv, grpc: newGRPCServer(svc, apiIdleTimeout), router: newAPIRouter(ln, cfg),
		endStreams: endStreams, served: make(chan error, 1), grpcServed: make(chan error, 1)}
	go func() { a.served <- srv.Serve(a.router.http) }()
	go func() { a.grpcServed <- a.grpc.Serve(a.router.grpc) }()
	go a.router.serve()
	n.log.Info().Str("api", a.Address()).Bool("tls", n.cfg.ServerTLS != nil).Msg("gRPC/Connect API listening")
	return a, nil
}

// apiIdleTimeout closes API connections idle this long.
const apiIdleTimeout = 2 * time.Minute

// Address is the host:port the API listens on.
func (a *APIServer) Address() string { return a.router.ln.Addr().String() }

// Close stops taking calls, ends the subscriptions, and waits for the
// calls in progress until ctx ends.
func (a *APIServer) Close(ctx context.Context) error {
	a.endStreams()
	a.router.close()
	grpcStopped := make(chan struct{})
	go func() {
		a.grpc.GracefulStop()
		close(grpcStopped)
	}()
	err := a.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		_ = a.srv.Close()
	}
	select {
	case <-grpcStopped:
	case <-ctx.Done():
		a.grpc.Stop()
		<-grpcStopped
	}
	if serr := <-a.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if serr := <-a.grpcServed; serr != nil {
		err = errors.Join(err, serr)
	}
	return err
}
