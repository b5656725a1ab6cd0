//go:build unix

package state

import (
	"net"
	"testing"
	"time"
)

// TestServerSpokeWhileAReadWaits: pgx starts a background reader on a
// connection whose write is slow (a busy machine: 15 ms) and, when the
// answer came before it was told to stop, leaves it waiting in Read on
// the idle, pooled connection. The look before reuse waited for that Read
// (the socket's read lock) with no deadline: every statement of the store
// asking for that connection hung, its context notwithstanding, until the
// server spoke (a slash command acked and never answered, a nudge round
// that never ended). It must look without waiting.
func TestServerSpokeWhileAReadWaits(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	reading := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		close(reading)
		var b [1]byte
		c.Read(b[:]) // the background reader: until the server speaks
	}()
	<-reading
	spoke := make(chan bool, 1)
	go func() { spoke <- serverSpoke(c) }()
	select {
	case got := <-spoke:
		_ = got // either answer is safe: nothing to read, or a ping
	case <-time.After(30 * time.Second):
		srv.Write([]byte{'Z'}) // let both go
		<-spoke
		t.Fatal("serverSpoke waited for another goroutine's Read on the connection")
	}
	srv.Write([]byte{'Z'})
	<-readDone
}
