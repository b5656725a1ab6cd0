package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIdleConnectionsDoNotStarveProbes: maxHealthConns keep-alive
// connections that each asked /healthz once and then wait (what any HTTP
// client leaves behind, no slowloris needed) take every slot of the health
// server. A probe behind them must still be answered, by a waiting
// connection giving up its slot, not after the idle timeout has closed them
// all: before, the probe waited the full 60 s IdleTimeout, longer than a
// kubelet's liveness budget (3 failures of a 2 s probe every 10 s), so 128
// ordinary requests a minute restarted the pod for good.
func TestIdleConnectionsDoNotStarveProbes(t *testing.T) {
	t.Parallel() // waits on its own process
	f := startFakes(t)
	cmd, base, _ := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	addr := strings.TrimPrefix(base, "http://")
	// get keeps its connection for reuse: that would be one slot fewer.
	http.DefaultClient.CloseIdleConnections()

	idle := make([]net.Conn, 0, maxHealthConns)
	for range maxHealthConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // bounds a failing test only
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("keep-alive /healthz: %d, close %v", resp.StatusCode, resp.Close)
		}
		idle = append(idle, c)
	}

	// The probe's deadline is shorter than the idle timeout, so only an idle
	// connection giving up its slot can answer it in time; the answer comes
	// at once when one does.
	wait := healthServer(nil, nil).IdleTimeout / 3
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	_ = probe.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(probe, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(probe)
	if !strings.Contains(string(got), "200 OK") {
		t.Errorf("probe behind %d idle keep-alive connections not answered before they time out: %q, %v", maxHealthConns, got, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// TestBusyConnectionsDoNotStarveProbes: maxHealthConns connections each in
// a request that never ends (a GET /healthz whose chunked body is never
// finished: the server reads it until ReadTimeout before it answers) take
// every slot. A probe behind them must still be answered, before the read
// timeout frees one: before, it waited the full timeout, and a client
// sending such requests again and again kept probes waiting for good.
func TestBusyConnectionsDoNotStarveProbes(t *testing.T) {
	t.Parallel() // waits on its own process
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("needs Linux /proc")
	}
	f := startFakes(t)
	cmd, base, _ := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	addr := strings.TrimPrefix(base, "http://")
	http.DefaultClient.CloseIdleConnections()

	for range maxHealthConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	// Every one of them in its request: the process holds them all and has
	// read every byte sent (nothing left in a socket's receive queue).
	_, port, _ := net.SplitHostPort(addr)
	eventually(t, "every connection read by the server", func() bool {
		return readConns(t, cmd.Process.Pid, port) == maxHealthConns
	})
	// Shorter than the read timeout: only a busy connection giving up its
	// slot can answer the probe in time.
	wait := healthServer(nil, nil).ReadTimeout / 3
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	_ = probe.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(probe, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(probe)
	if !strings.Contains(string(got), "200 OK") {
		t.Errorf("probe behind %d requests with unfinished bodies not answered before the read timeout: %q, %v", maxHealthConns, got, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// readConns counts the established connections to the local port that
// process pid holds and has read everything from (/proc, Linux only).
func readConns(t *testing.T, pid int, port string) int {
	t.Helper()
	p, _ := strconv.Atoi(port)
	suffix := fmt.Sprintf(":%04X", p)
	inodes := socketInodes(t, pid)
	n := 0
	for _, table := range []string{"tcp", "tcp6"} {
		for _, e := range procNet(t, pid, table) {
			if e.state == "01" && strings.HasSuffix(e.local, suffix) && inodes[e.inode] && strings.HasSuffix(e.queues, ":00000000") {
				n++
			}
		}
	}
	return n
}
