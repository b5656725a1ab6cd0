//go:build unix

package atlassiantest

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// TestRefusedAddrStaysRefused: the address NewUnreachable gives as
// refusing connections refuses them, and no server can take it while the
// test runs. It was a port picked and freed again, which a parallel test's
// server took: TestLookupStopsAtAFailureEveryAddressWouldMeet's
// "connection refused" case then met a 404 (seen in CI).
func TestRefusedAddrStaysRefused(t *testing.T) {
	addr := NewUnreachable(t).Refused
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("a server could listen on %s, the address said to refuse connections", addr)
	}
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
		t.Fatalf("a connection to %s was accepted", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
}
