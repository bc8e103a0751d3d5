package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCA makes a CA and one certificate it signs for 127.0.0.1 (usable to
// serve and to dial: every peer does both), and writes ca.pem, cert.pem
// and key.pem to dir.
func writeCA(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "peer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("cert.pem", "CERTIFICATE", der)
	write("key.pem", "EC PRIVATE KEY", keyDER)
}

func tlsArgs(dir string) []string {
	return []string{"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"),
		"--tls-ca", filepath.Join(dir, "ca.pem")}
}

// TestMutualTLS runs a node with mutual TLS: a peer with a certificate of
// the node's CA gets through; plaintext and a foreign CA do not.
func TestMutualTLS(t *testing.T) {
	bin := buildBinary(t)
	good, foreign := t.TempDir(), t.TempDir()
	writeCA(t, good)
	writeCA(t, foreign)
	addr := startServe(t, bin, tlsArgs(good)...)
	node := "--node=" + addr

	args := append([]string{"append", node, "-s", "tls-1", "-t", "Secure", "-d", "{}"}, tlsArgs(good)...)
	if out := run(t, bin, 0, "", args...); !strings.Contains(out, "version 1") {
		t.Fatalf("append over mutual TLS: %s", out)
	}
	run(t, bin, 1, "", "status", node, "--timeout", "3s")
	run(t, bin, 1, "", append([]string{"status", node, "--timeout", "3s"}, tlsArgs(foreign)...)...)
	run(t, bin, 2, "", "status", node, "--tls-cert", filepath.Join(good, "cert.pem"))
}
