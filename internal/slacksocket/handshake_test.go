package slacksocket_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lastactive/internal/slacksocket"
)

// TestStopDuringAHungUpgrade: a stop while the WebSocket upgrade goes
// unanswered returns at once. gorilla's dialer bounds the upgrade only by
// its deadline (HandshakeTimeout, 10 s here), not by the context: a SIGTERM
// that came mid-upgrade held serve's stop for up to 10 s, past the 10 s the
// contract allows with the Bot's own wind-down after it.
func TestStopDuringAHungUpgrade(t *testing.T) {
	noLeaks(t)
	held := make(chan net.Conn, 4)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/link" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(srv.URL, "http") + "/link"})
			return
		}
		// Take the connection and never answer the upgrade.
		nc, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		held <- nc
	}))
	defer srv.Close()
	defer func() { // let go of the held connections last
		for {
			select {
			case nc := <-held:
				nc.Close()
			default:
				return
			}
		}
	}()
	c := slacksocket.New(api(t, srv.URL+"/"), slacksocket.Options{APIURL: srv.URL + "/"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunContext(ctx) }()
	drained := make(chan struct{})
	defer func() { <-drained }()
	stopped := make(chan struct{}) // RunContext has returned
	defer close(stopped)
	go func() { // Events is drained until RunContext returns, as the Bot does
		defer close(drained)
		for {
			select {
			case <-c.Events():
			case <-stopped:
				return
			}
		}
	}()
	var nc net.Conn
	select {
	case nc = <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the upgrade was never asked for")
	}
	held <- nc // closed at the end, after RunContext returned
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("RunContext: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("RunContext did not return within 5 s of the stop while the upgrade hung")
		<-done
	}
}
