//go:build !unix

package atlassiantest

import (
	"net"
	"testing"
)

// RefusedAddr is a loopback host:port where nothing listens (see the unix
// version, which also keeps others from taking it).
func RefusedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
