package slacksocket_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"lastactive/internal/slacksocket"
)

// TestPingsBeforeAnyFrameProveNothing: a WebSocket that is accepted and
// pinged but never sends a frame, not even hello (a proxy keeping its own
// side alive, a Slack edge that lost the app), is given up on within
// PingInterval and reopened. Before, its pings pushed the read deadline on,
// so it was held for ever, counted open, delivering nothing.
func TestPingsBeforeAnyFrameProveNothing(t *testing.T) {
	noLeaks(t)
	var opens atomic.Int32
	done := make(chan struct{})
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/link" {
			opens.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(srv.URL, "http") + "/link"})
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		go func() { // reads, so that pongs and the close are seen
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
			if ws.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	defer close(done) // before srv.Close: its handlers must return
	c := slacksocket.New(api(t, srv.URL+"/"), slacksocket.Options{APIURL: srv.URL + "/", PingInterval: 1500 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- c.RunContext(ctx) }()
	defer func() {
		cancel()
		for {
			select {
			case <-stopped:
				return
			case <-c.Events():
			}
		}
	}()
	timeout := time.After(10 * time.Second)
	for opens.Load() < 2 {
		select {
		case <-c.Events():
		case <-timeout:
			t.Fatal("one connection held for 10 s with pings and no frame")
		}
	}
}
