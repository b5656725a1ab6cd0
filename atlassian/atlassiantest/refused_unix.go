//go:build unix

package atlassiantest

import (
	"net"
	"syscall"
	"testing"
)

// RefusedAddr is a loopback host:port where nothing listens and nothing
// can come to listen while t runs: a TCP socket bound to it and never
// listening holds it, so a connection there is refused (the kernel
// answers RST). A port picked from a listener and closed again was free
// for any parallel test's server to take: the "connection refused" case
// then met that server's 404.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	in, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("bound socket has address %T", sa)
	}
	return (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: in.Port}).String()
}
