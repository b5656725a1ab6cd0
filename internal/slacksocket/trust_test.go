package slacksocket_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
)

// TestWebSocketOnlyWhereSlackIs: the WebSocket URL apps.connections.open
// answers is dialled only on Slack's own domains over TLS, or on the host of
// the Web API base URL in use, in clear text only when that URL is itself
// plain http (loopback). The connection carries every request made of the
// bot with its response_url; before, any URL was dialled: another host, or
// ws:// after an https Web API.
func TestWebSocketOnlyWhereSlackIs(t *testing.T) {
	noLeaks(t)
	// Another loopback address stands for a host Slack did not name.
	other, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	defer other.Close()
	same, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer same.Close()
	dialled := make(chan string, 16)
	for _, ln := range []net.Listener{other, same} {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				dialled <- ln.Addr().String() // before the close the client sees
				c.Close()
			}
		}()
	}
	const ticket = "TICKET-93ad"
	for _, tc := range []struct {
		name string
		tls  bool
		ws   string
	}{
		{"another host", false, "ws://" + other.Addr().String() + "/link/?ticket=" + ticket},
		{"another host over TLS", false, "wss://" + other.Addr().String() + "/link/?ticket=" + ticket},
		{"clear text after an https Web API", true, "ws://" + same.Addr().String() + "/link/?ticket=" + ticket},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": tc.ws})
			})
			open := httptest.NewUnstartedServer(answer)
			var hc *http.Client
			if tc.tls {
				open.StartTLS()
				hc = open.Client()
			} else {
				open.Start()
				hc = &http.Client{Transport: &http.Transport{}}
			}
			defer open.Close()
			defer hc.CloseIdleConnections()
			api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken),
				slack.OptionAPIURL(open.URL+"/"), slack.OptionHTTPClient(hc))
			c := slacksocket.New(api, slacksocket.Options{APIURL: open.URL + "/"})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.RunContext(ctx) }()
			evt := next(t, c, socketmode.EventTypeConnectionError)
			cancel()
			<-done
			msg := evt.Data.(*slack.ConnectionErrorEvent).ErrorObj.Error()
			select {
			case addr := <-dialled:
				t.Errorf("%s was dialled (%s)", addr, msg)
			default:
			}
			if !strings.Contains(msg, "WebSocket URL") || strings.Contains(msg, ticket) {
				t.Errorf("error %q: want it to name the WebSocket URL, without its ticket", msg)
			}
		})
	}
}

// TestTrustedSocketURL: the rule itself, on the names Slack gives.
func TestTrustedSocketURL(t *testing.T) {
	for _, tc := range []struct {
		api, ws string
		want    bool
	}{
		{slack.APIURL, "wss://wss-primary.slack.com/link/?ticket=t", true},
		{slack.APIURL, "wss://WSS-Backup.Slack.com:443/link/?ticket=t", true},
		{slack.APIURL, "wss://wss-primary.slack-gov.com/link/?ticket=t", true},
		{slack.APIURL, "ws://wss-primary.slack.com/link/?ticket=t", false},
		{slack.APIURL, "wss://wss-primary.slack.com:8443/link/?ticket=t", false},
		{slack.APIURL, "wss://slack.com.example.net/link/?ticket=t", false},
		{slack.APIURL, "wss://evilslack.com/link/?ticket=t", false},
		{slack.APIURL, "wss://user:pw@wss-primary.slack.com/link/", false},
		{slack.APIURL, "https://wss-primary.slack.com/link/", false},
		{"https://slack-proxy.corp.example/api/", "wss://slack-proxy.corp.example:8443/link/", true},
		{"https://slack-proxy.corp.example/api/", "ws://slack-proxy.corp.example/link/", false},
		{"https://slack-proxy.corp.example/api/", "wss://wss-primary.slack.com/link/", true},
		{"http://127.0.0.1:8080/api/", "ws://127.0.0.1:8080/link/", true},
		{"http://127.0.0.1:8080/api/", "ws://127.0.0.1:9090/link/", true},
		{"http://127.0.0.1:8080/api/", "ws://localhost:8080/link/", false},
		{"http://127.0.0.1:8080/api/", "ws://wss-primary.slack.com/link/", false},
		{"", "wss://wss-primary.slack.com/link/", true},
		{"", "ws://127.0.0.1:8080/link/", false},
	} {
		if got := slacksocket.TrustedSocketURL(tc.api, tc.ws); got != tc.want {
			t.Errorf("api %q, ws %q: trusted %v, want %v", tc.api, tc.ws, got, tc.want)
		}
	}
}
