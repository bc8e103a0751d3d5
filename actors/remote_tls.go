package actors

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// LoadTLS builds the TLS settings of a remote endpoint from PEM files:
// this process's certificate and key (used both to serve and, for mutual
// TLS, to dial), and the CA that signed its peers' certificates. With a
// CA, the server requires and verifies client certificates (mutual TLS)
// and the client verifies servers against it; without one, the system's
// roots verify servers and clients are not asked for certificates.
// Every peer dials back the address its peers advertise, so each
// certificate must name the host or IP it is reached at.
func LoadTLS(certFile, keyFile, caFile string) (server, client *tls.Config, err error) {
	if certFile == "" || keyFile == "" {
		return nil, nil, errors.New("actors: TLS needs both a certificate and a key file")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("actors: load TLS key pair: %w", err)
	}
	server = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
	client = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
	if caFile == "" {
		return server, client, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, nil, fmt.Errorf("actors: read TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("actors: no PEM certificate in %s", caFile)
	}
	server.ClientCAs, server.ClientAuth = pool, tls.RequireAndVerifyClientCert
	client.RootCAs = pool
	return server, client, nil
}
