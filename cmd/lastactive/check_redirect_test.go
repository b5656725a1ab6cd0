package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"lastactive/bot/slacktest"
)

// TestCheckSendsNoSlackTokenThroughARedirect: `check` proves the Slack
// tokens against SLACK_API_URL; a 307 from there to another host must not
// carry them along. slack-go puts the bot token in the form body, which a
// followed 307 sends again (only the Authorization header is dropped when
// the host changes), so the client must follow no redirect, as serve's does.
func TestCheckSendsNoSlackTokenThroughARedirect(t *testing.T) {
	f := startFakes(t)
	var (
		mu   sync.Mutex
		seen []string
	)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.URL.String()+" "+r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"url":"wss://example.invalid/"}`)
	}))
	t.Cleanup(elsewhere.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)

	r := runBinary(t, f.env("SLACK_API_URL="+api.URL+"/api/"), "", "check")
	if !strings.HasPrefix(r.stdout, "FAIL  Slack bot token") {
		t.Errorf("a redirected auth.test passed:\n%s", r.stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if strings.Contains(s, slacktest.BotToken) || strings.Contains(s, slacktest.AppToken) {
			t.Errorf("a Slack token reached the host the redirect named: %q", s)
		}
	}
}
