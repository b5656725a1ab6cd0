package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
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
