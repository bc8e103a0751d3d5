package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"
)

// Server is the admin HTTP server: a Handler on its own listener.
type Server struct {
	h    *Handler
	srv  *http.Server
	ln   net.Listener
	log  zerolog.Logger
	done chan struct{} // closed when Serve has returned
}

// Start listens on cfg.Address and serves NewHandler(src, cfg) until
// Shutdown.
func Start(src Source, cfg Config) (*Server, error) {
	h, err := NewHandler(src, cfg)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", cfg.Address)
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	s := &Server{h: h, ln: ln, log: cfg.Logger, done: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	s.srv.RegisterOnShutdown(h.closeConsole) // live tails never end on their own
	go s.serve()
	return s, nil
}

func (s *Server) serve() {
	defer close(s.done)
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error().Err(err).Str("admin", s.Address()).Msg("admin endpoint stopped")
	}
}

// Address is the host:port the server listens on.
func (s *Server) Address() string { return s.ln.Addr().String() }

// Shutdown stops accepting connections, waits for requests in progress
// (until ctx ends) and closes the Handler. Safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	<-s.done
	return errors.Join(err, s.h.Close())
}
