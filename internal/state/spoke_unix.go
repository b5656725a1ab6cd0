//go:build unix

package state

import (
	"errors"
	"net"
	"syscall"
)

// serverSpoke reports whether c, a connection nobody is using, has
// something to read: bytes the server sent unasked (its last error before
// it closed the connection) or the close itself. One non-blocking peek; a
// connection it cannot look at counts as spoken (it is pinged). It looks
// beside the socket's read lock (Control, not Read): pgx may have left its
// background reader waiting in a Read on the idle connection (a write slow
// on a busy machine starts it), and that Read holds the lock until the
// server speaks, with no deadline. Bytes that reader took already are not
// seen; the statement sent next reads them.
func serverSpoke(c net.Conn) bool {
	if t, ok := c.(interface{ NetConn() net.Conn }); ok { // TLS
		c = t.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	spoke := true
	var b [1]byte
	err = raw.Control(func(fd uintptr) {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read is EAGAIN; a byte, an end (0 bytes) or an error
		// (a reset) all say the connection is not as it was left.
		spoke = !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EWOULDBLOCK)
	})
	return spoke || err != nil
}
