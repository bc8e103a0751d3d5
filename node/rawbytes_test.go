package node_test

import (
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"
)

// TestRawGarbageOnThePort writes random bytes, and an HTTP/2 preface
// followed by random bytes, to the node's port: gRPC closes those
// connections and the node keeps serving.
func TestRawGarbageOnThePort(t *testing.T) {
	for _, prefix := range []string{"", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"} {
		conn, err := net.DialTimeout("tcp", testNode.Address(), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		junk := make([]byte, 64<<10)
		_, _ = rand.Read(junk)
		_, _ = conn.Write(append([]byte(prefix), junk...))
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.Copy(io.Discard, conn) // until the node closes it
		_ = conn.Close()
	}
	localAppend(t, "after-raw-garbage")
	runPeer(t, "TestPeerAppends")
}
