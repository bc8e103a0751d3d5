package node

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// apiRouter accepts the API's connections and hands each one to the server
// of its protocol: an HTTP/2 connection whose first request is gRPC
// (content-type application/grpc or application/grpc+proto; not gRPC-Web)
// to grpc-go's server, every other one (HTTP/1.1; HTTP/2 whose first
// request is Connect or gRPC-Web) to net/http with Connect's handler,
// which answers gRPC as well. The rest of the connection goes where its
// first request went (ADR 0024).
//
// To see that first request the router does what an HTTP/2 server does
// first: it terminates TLS (the node's ServerTLS), reads the client's
// connection preface, sends an empty SETTINGS frame (gRPC clients such as
// grpc-go send nothing before the server's SETTINGS), and reads frames
// until it has the first HEADERS and the client's acknowledgement of its
// SETTINGS. The server it hands the connection to then reads everything
// the router read, less that acknowledgement (the server sends its own
// SETTINGS and expects the client's ACK of those alone).
type apiRouter struct {
	ln   net.Listener
	tls  *tls.Config // nil: plaintext (h2c)
	http *connListener
	grpc *connListener

	mu      sync.Mutex
	sniffed map[net.Conn]struct{} // connections being classified
	closed  bool
	quit    chan struct{} // closed by close
	wg      sync.WaitGroup
}

// routeTimeout bounds the TLS handshake and the client preface of a
// connection (as the HTTP server's ReadHeaderTimeout); its first request
// may come later, within apiIdleTimeout.
const routeTimeout = 10 * time.Second

// maxRouteHeaderBytes bounds the header list of the first request the
// router decodes (net/http's default, 1 MiB).
const maxRouteHeaderBytes = 1 << 20

// maxRouteBytes bounds what the router keeps of a connection before it
// hands it over (the first request's headers, the data the client may
// send before any WINDOW_UPDATE, and the frames around them): a client
// that sends more before its first request is closed, so a connection
// costs at most this much memory while it is classified.
const maxRouteBytes = 2 << 20

// errRouteTooLarge: a client sent more than maxRouteBytes before its
// first request and its ACK of the router's SETTINGS.
var errRouteTooLarge = errors.New("api router: too many bytes before the first request")

func newAPIRouter(ln net.Listener, cfg *tls.Config) *apiRouter {
	return &apiRouter{ln: ln, tls: cfg, http: newConnListener(ln.Addr()), grpc: newConnListener(ln.Addr()),
		sniffed: map[net.Conn]struct{}{}, quit: make(chan struct{})}
}

// serve accepts connections until close; each is routed on its own
// goroutine.
func (r *apiRouter) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		if !r.track(c) {
			_ = c.Close()
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.route(c)
		}()
	}
}

// track notes c as being classified; false once the router is closed.
func (r *apiRouter) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.sniffed[c] = struct{}{}
	return true
}

func (r *apiRouter) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.sniffed, c)
	r.mu.Unlock()
}

// close stops accepting, closes the connections still being classified
// and those that no server took, and waits for their goroutines. The
// servers close the connections they got.
func (r *apiRouter) close() {
	r.mu.Lock()
	if !r.closed {
		close(r.quit)
	}
	r.closed = true
	for c := range r.sniffed {
		_ = c.Close()
	}
	r.mu.Unlock()
	_ = r.ln.Close()
	r.wg.Wait()
}

// route finds c's protocol and hands it over, or closes it.
func (r *apiRouter) route(raw net.Conn) {
	c, toGRPC, err := r.classify(raw)
	r.untrack(raw)
	if err != nil {
		_ = raw.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	to := r.http
	if toGRPC {
		to = r.grpc
	}
	to.hand(c, r.quit)
}

// classify reads as much of raw as it takes to route it, and returns the
// connection to hand over (replaying what was read) and whether it goes
// to grpc-go.
func (r *apiRouter) classify(raw net.Conn) (net.Conn, bool, error) {
	if err := raw.SetDeadline(time.Now().Add(routeTimeout)); err != nil {
		return nil, false, err
	}
	c := raw
	if r.tls != nil {
		tc := tls.Server(raw, r.tls)
		if err := tc.Handshake(); err != nil {
			return nil, false, err
		}
		if tc.ConnectionState().NegotiatedProtocol != http2.NextProtoTLS {
			return tc, false, nil // HTTP/1.1: net/http sees the *tls.Conn itself
		}
		c = tc
	}
	read, h2, err := readPreface(c)
	if err != nil || !h2 {
		return &replayConn{Conn: c, buf: read}, false, err
	}
	read, toGRPC, err := firstRequest(c, read)
	return &replayConn{Conn: c, buf: read}, toGRPC, err
}

// readPreface reads c until it has HTTP/2's client preface or bytes that
// cannot start it (HTTP/1.1), and returns what it read.
func readPreface(c net.Conn) ([]byte, bool, error) {
	preface := []byte(http2.ClientPreface)
	buf := make([]byte, 0, len(preface))
	for len(buf) < len(preface) {
		n, err := c.Read(buf[len(buf):len(preface)])
		buf = buf[:len(buf)+n]
		if !bytes.HasPrefix(preface, buf) {
			return buf, false, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, true, nil
}

// emptySettings is a SETTINGS frame without parameters (RFC 9113 6.5).
var emptySettings = []byte{0, 0, 0, byte(http2.FrameSettings), 0, 0, 0, 0, 0}

// firstRequest sends c an empty SETTINGS frame and reads frames after the
// preface (read) until the first request's headers and the client's ACK
// of that SETTINGS; it answers PINGs meanwhile (a gRPC client's keepalive
// on a connection it opened before its first call). It returns all it
// read without the ACK and the PINGs it answered, and whether the request
// is gRPC. A connection that sends no request within apiIdleTimeout (the
// servers' idle limit) is closed.
func firstRequest(c net.Conn, read []byte) ([]byte, bool, error) {
	if err := c.SetDeadline(time.Now().Add(apiIdleTimeout)); err != nil {
		return read, false, err
	}
	if _, err := c.Write(emptySettings); err != nil {
		return read, false, err
	}
	rec := &recorder{r: c, buf: read}
	fr := http2.NewFramer(c, rec)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.MaxHeaderListSize = maxRouteHeaderBytes
	// The router's SETTINGS set no frame size, so the client may send
	// frames of the default 16 KiB at most (RFC 9113 4.2) until a server's
	// own SETTINGS come.
	fr.SetMaxReadFrameSize(16 << 10)
	acked, toGRPC, sawHeaders := false, false, false
	for !acked || !sawHeaders {
		if len(rec.buf) > maxRouteBytes {
			return rec.buf, false, errRouteTooLarge
		}
		start := len(rec.buf)
		f, err := fr.ReadFrame()
		var se http2.StreamError
		if errors.As(err, &se) && !sawHeaders { // a malformed request: net/http answers it
			sawHeaders = true
			continue
		}
		if err != nil {
			return rec.buf, false, err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() && !acked {
				acked, rec.buf = true, rec.buf[:start]
			}
		case *http2.PingFrame:
			if !f.IsAck() && !sawHeaders {
				if err := fr.WritePing(true, f.Data); err != nil {
					return rec.buf, false, err
				}
				rec.buf = rec.buf[:start]
			}
		case *http2.MetaHeadersFrame:
			if !sawHeaders {
				sawHeaders, toGRPC = true, isGRPC(f)
			}
		}
	}
	return rec.buf, toGRPC, nil
}

// isGRPC: the request's content type is gRPC's (application/grpc,
// application/grpc+proto, ...), not gRPC-Web's.
func isGRPC(f *http2.MetaHeadersFrame) bool {
	ct := ""
	for _, h := range f.RegularFields() {
		if h.Name == "content-type" {
			ct = h.Value
		}
	}
	return ct == "application/grpc" || strings.HasPrefix(ct, "application/grpc+") ||
		strings.HasPrefix(ct, "application/grpc;")
}

// recorder reads from r and keeps what it read.
type recorder struct {
	r   io.Reader
	buf []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	return n, err
}

// replayConn is a connection whose first reads return buf.
type replayConn struct {
	net.Conn
	buf []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// connListener is a net.Listener of the connections handed to it.
type connListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// hand gives c to the server accepting from l, or closes it once l or
// quit is closed.
func (l *connListener) hand(c net.Conn, quit <-chan struct{}) {
	select {
	case l.conns <- c:
	case <-l.done:
		_ = c.Close()
	case <-quit:
		_ = c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
