package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
)

// apiTLSClient is a gRPC client of addr over TLS, with the certificate in
// dir (certDir, or none when empty) and trusting ca.
func apiTLSClient(t *testing.T, addr, caDir, certDir string) messagesconnect.EventStoreServiceClient {
	t.Helper()
	pemCA, err := os.ReadFile(filepath.Join(caDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCA)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}
	if certDir != "" {
		cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	return messagesconnect.NewEventStoreServiceClient(&http.Client{Transport: tr}, "https://"+addr, connect.WithGRPC())
}

// TestServeAPIWithMutualTLS runs `serve --api-addr` with the node's
// mutual TLS settings: a gRPC client with a certificate of the node's CA
// appends and reads; one without a certificate, or with a foreign one,
// is refused.
func TestServeAPIWithMutualTLS(t *testing.T) {
	bin := buildBinary(t)
	good, foreign := t.TempDir(), t.TempDir()
	writeCA(t, good)
	writeCA(t, foreign)
	n := serveNode(t, bin, filepath.Join(t.TempDir(), "data"), append(tlsArgs(good), "--api-addr", "127.0.0.1:0")...)
	if n.API == "" || n.API == "off" {
		t.Fatalf("ready line names no API address: %+v", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := uuid.New()
	req := &messages.AppendRequest{Stream: "api-tls", Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_NoStream{NoStream: true}},
		Events: []*messages.EventData{{EventId: id[:], Type: "Secure", Data: []byte(`{}`), ContentType: "application/json"}}}
	res, err := apiTLSClient(t, n.API, good, good).Append(ctx, connect.NewRequest(req))
	if err != nil || res.Msg.GetLastVersion() != 1 {
		t.Fatalf("append over mutual TLS: %v, %v", res, err)
	}
	read, err := apiTLSClient(t, n.API, good, good).ReadStream(ctx, connect.NewRequest(&messages.ReadStreamRequest{Stream: "api-tls", Limit: 10}))
	if err != nil || len(read.Msg.GetEvents()) != 1 || read.Msg.GetEvents()[0].GetEvent().GetType() != "Secure" {
		t.Fatalf("read over mutual TLS: %v, %v", read, err)
	}
	for name, certDir := range map[string]string{"no certificate": "", "foreign certificate": foreign} {
		if _, err := apiTLSClient(t, n.API, good, certDir).Head(ctx, connect.NewRequest(&messages.HeadRequest{Stream: "api-tls"})); err == nil {
			t.Fatalf("%s: the API answered", name)
		}
	}
}
