package node

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/actorstore/actorstore/messages"
)

// routedServers runs an apiRouter in front of a grpc-go server (the
// standard health service) and a net/http server that names itself in a
// header, with TLS when cfg is set; it returns the address.
func routedServers(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := newAPIRouter(ln, cfg)
	hs := &http.Server{Protocols: new(http.Protocols), Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		w.Header().Set("Served-By", "net/http")
		_, _ = io.WriteString(w, req.Proto)
	})}
	hs.Protocols.SetHTTP1(true)
	hs.Protocols.SetUnencryptedHTTP2(true)
	gs := grpc.NewServer()
	healthpb.RegisterHealthServer(gs, health.NewServer())
	go func() { _ = hs.Serve(r.http) }()
	go func() { _ = gs.Serve(r.grpc) }()
	go r.serve()
	t.Cleanup(func() { r.close(); _ = hs.Close(); gs.Stop() })
	return ln.Addr().String()
}

// testTLS is a server TLS config for 127.0.0.1 and a pool that trusts it.
func testTLS(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	s := httptest.NewUnstartedServer(nil)
	s.StartTLS() // only for its certificate
	defer s.Close()
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	cfg := &tls.Config{Certificates: s.TLS.Certificates, NextProtos: []string{"h2", "http/1.1"}}
	return cfg, pool
}

// TestRouterSendsGRPCToGRPCGoAndTheRestToNetHTTP: with and without TLS,
// a grpc-go client (which sends no request before the server's SETTINGS)
// and a raw HTTP/2 gRPC call reach grpc-go, twice on one connection;
// Connect-style HTTP/2 and HTTP/1.1 requests reach net/http.
func TestRouterSendsGRPCToGRPCGoAndTheRestToNetHTTP(t *testing.T) {
	serverTLS, pool := testTLS(t)
	for _, withTLS := range []bool{false, true} {
		name := map[bool]string{false: "h2c", true: "tls"}[withTLS]
		t.Run(name, func(t *testing.T) {
			var cfg *tls.Config
			creds := insecure.NewCredentials()
			scheme := "http://"
			if withTLS {
				cfg = serverTLS
				creds = credentials.NewTLS(&tls.Config{RootCAs: pool})
				scheme = "https://"
			}
			addr := routedServers(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for i := range 2 {
				res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
				if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
					t.Fatalf("grpc-go client, call %d: %v %v", i, res, err)
				}
			}

			h2 := &http.Transport{Protocols: new(http.Protocols), TLSClientConfig: &tls.Config{RootCAs: pool}}
			if withTLS {
				h2.Protocols.SetHTTP2(true)
			} else {
				h2.Protocols.SetUnencryptedHTTP2(true)
			}
			h1 := &http.Transport{Protocols: new(http.Protocols), TLSClientConfig: &tls.Config{RootCAs: pool}}
			h1.Protocols.SetHTTP1(true)
			// A gRPC call: a 5-byte envelope of an empty HealthCheckRequest.
			grpcCall := func(c *http.Client) *http.Response {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, scheme+addr+"/grpc.health.v1.Health/Check",
					bytes.NewReader(make([]byte, 5)))
				req.Header.Set("Content-Type", "application/grpc")
				req.Header.Set("Te", "trailers")
				return do(t, c, req)
			}
			connectCall := func(c *http.Client, ct string) *http.Response {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, scheme+addr+"/x.v1.S/M",
					bytes.NewReader([]byte("{}")))
				req.Header.Set("Content-Type", ct)
				return do(t, c, req)
			}
			grpcClient := &http.Client{Transport: h2}
			for i := range 2 {
				if res := grpcCall(grpcClient); res.Header.Get("Served-By") != "" || res.Trailer.Get("Grpc-Status") != "0" {
					t.Fatalf("gRPC over HTTP/2, call %d: served by %q, grpc-status %q", i,
						res.Header.Get("Served-By"), res.Trailer.Get("Grpc-Status"))
				}
			}
			for _, tc := range []struct {
				name  string
				tr    *http.Transport
				ct    string
				proto string
			}{
				{"connect json over HTTP/2", h2.Clone(), "application/json", "HTTP/2.0"},
				{"grpc-web over HTTP/2", h2.Clone(), "application/grpc-web+proto", "HTTP/2.0"},
				{"connect json over HTTP/1.1", h1, "application/json", "HTTP/1.1"},
			} {
				res := connectCall(&http.Client{Transport: tc.tr}, tc.ct)
				body, _ := io.ReadAll(res.Body)
				if res.Header.Get("Served-By") != "net/http" || string(body) != tc.proto {
					t.Fatalf("%s: served by %q as %q, want net/http as %s", tc.name, res.Header.Get("Served-By"),
						body, tc.proto)
				}
			}
		})
	}
}

// do sends req, reads the response's body (so that its trailers are
// there) and returns the response.
func do(t *testing.T, c *http.Client, req *http.Request) *http.Response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res
}

// TestRouterClosesSilentConnections: a connection that sends nothing is
// closed by close, which does not wait for it.
func TestRouterClosesSilentConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := newAPIRouter(ln, nil)
	go r.serve()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("PRI * HTTP/2.0\r\n")); err != nil { // half a preface, then silence
		t.Fatal(err)
	}
	waitSniffed(r, 1)
	r.close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); err == nil || ok && ne.Timeout() {
		t.Fatalf("read after close: %v, want the connection closed (EOF or reset)", err)
	}
}

// TestGRPCServesEveryMethod: grpc-go's description of the service names
// every method of messages/service.proto, streaming as the proto says.
func TestGRPCServesEveryMethod(t *testing.T) {
	desc := grpcServiceDesc()
	served := map[string]bool{} // name: server streaming
	for _, m := range desc.Methods {
		served[m.MethodName] = false
	}
	for _, s := range desc.Streams {
		served[s.StreamName] = s.ServerStreams && !s.ClientStreams
	}
	svc := messages.File_service_proto.Services().ByName("EventStoreService")
	if string(svc.FullName()) != desc.ServiceName {
		t.Fatalf("service %s, grpc-go serves %s", svc.FullName(), desc.ServiceName)
	}
	for i := range svc.Methods().Len() {
		m := svc.Methods().Get(i)
		streams, ok := served[string(m.Name())]
		if !ok || streams != m.IsStreamingServer() {
			t.Errorf("%s: served %v, server streaming %v (proto: %v)", m.Name(), ok, streams, m.IsStreamingServer())
		}
		delete(served, string(m.Name()))
	}
	if len(served) > 0 {
		t.Errorf("grpc-go serves methods the proto does not have: %v", served)
	}
}

// TestRouterAnswersPingsBeforeTheFirstRequest: a client that pings
// before its first call (a gRPC client's keepalive) gets its PING
// acknowledged by the router, and its later gRPC call reaches grpc-go,
// which sees neither that PING nor the ACK of the router's SETTINGS.
func TestRouterAnswersPingsBeforeTheFirstRequest(t *testing.T) {
	addr := routedServers(t, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	fr := http2.NewFramer(c, c)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	ping := [8]byte{'k', 'e', 'e', 'p', 'a', 'l', 'i', 'v'}
	if err := errors.Join(fr.WriteSettings(), fr.WritePing(false, ping)); err != nil {
		t.Fatal(err)
	}
	// The router's SETTINGS, then the ACK of the PING.
	if f, err := fr.ReadFrame(); err != nil || f.Header().Type != http2.FrameSettings {
		t.Fatalf("first frame %v, %v: want SETTINGS", f, err)
	}
	if f, err := fr.ReadFrame(); err != nil || !f.(*http2.PingFrame).IsAck() || f.(*http2.PingFrame).Data != ping {
		t.Fatalf("second frame %v, %v: want the PING's ACK", f, err)
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, h := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", addr},
		{":path", "/grpc.health.v1.Health/Check"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		_ = enc.WriteField(hpack.HeaderField{Name: h[0], Value: h[1]})
	}
	if err := errors.Join(fr.WriteSettingsAck(),
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true}),
		fr.WriteData(1, true, make([]byte, 5))); err != nil {
		t.Fatal(err)
	}
	for { // grpc-go's SETTINGS and more, then its answer
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("no answer to the call: %v", err)
		}
		if f, ok := f.(*http2.SettingsFrame); ok && !f.IsAck() {
			_ = fr.WriteSettingsAck()
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok && h.StreamID == 1 {
			for _, hf := range h.Fields {
				if hf.Name == "grpc-status" && hf.Value == "0" {
					return // the trailers of a served call
				}
				if hf.Name == "served-by" {
					t.Fatal("net/http answered")
				}
			}
		}
		if p, ok := f.(*http2.PingFrame); ok && p.IsAck() && p.Data == ping {
			t.Fatal("a second ACK of the PING: the server saw it too")
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			t.Fatalf("GOAWAY %v", g.ErrCode)
		}
	}
}

// TestRouterCloseDoesNotWaitForAServer: a routed connection that no
// server accepts (the server has stopped) is closed by close, which
// returns.
func TestRouterCloseDoesNotWaitForAServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := newAPIRouter(ln, nil) // nothing accepts from r.http
	go r.serve()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Accepted, then classified (it then waits for a server to take it).
	// Classifying HTTP/1.1 is quick: the accepted state may come and go
	// between two looks, so it is waited for a bounded time only.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		r.mu.Lock()
		n := len(r.sniffed)
		r.mu.Unlock()
		if n == 1 {
			break
		}
	}
	waitSniffed(r, 0)
	r.close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); err == nil || ok && ne.Timeout() {
		t.Fatalf("read after close: %v, want the connection closed", err)
	}
}

// waitSniffed waits until r is classifying n connections.
func waitSniffed(r *apiRouter, n int) {
	for {
		r.mu.Lock()
		got := len(r.sniffed)
		r.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRouterClosesAFloodBeforeTheFirstRequest: a client that sends frames
// without ever sending a request (here, SETTINGS frames without end) is
// closed once the router holds maxRouteBytes of it, instead of being kept
// in memory until the idle timeout; so is one with a frame larger than
// the default frame size (the router's SETTINGS allow no more).
func TestRouterClosesAFloodBeforeTheFirstRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := newAPIRouter(ln, nil)
	go r.serve()
	defer r.close()
	param := []byte{0, 0x3, 0, 0, 0, 100} // SETTINGS_MAX_CONCURRENT_STREAMS = 100
	settings := func(params int) []byte {
		n := 6 * params
		f := []byte{byte(n >> 16), byte(n >> 8), byte(n), 0x4, 0, 0, 0, 0, 0}
		for range params {
			f = append(f, param...)
		}
		return f
	}
	for _, c := range []struct {
		name  string
		frame []byte
		times int
	}{
		{"settings flood", settings(1), 2*maxRouteBytes/15 + 1},
		{"oversized frame", settings(5000), 1}, // 30,000 bytes: above 16 KiB
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			closed := make(chan error, 1)
			go func() { // the router's SETTINGS, then the close
				_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
				_, err := io.Copy(io.Discard, conn)
				closed <- err
			}()
			if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
				t.Fatal(err)
			}
			var werr error
			for i := 0; i < c.times && werr == nil; i++ {
				_, werr = conn.Write(c.frame)
			}
			if err := <-closed; err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("the router kept the connection (writes: %v)", werr)
				}
			}
		})
	}
}
