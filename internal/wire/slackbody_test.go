package wire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
)

// TestSlackAnswersAreCapped: a Slack Web API answer far larger than any
// real one (a broken proxy, a hostile SLACK_API_URL streaming without end)
// fails the call once the cap is read, rather than being decoded whole
// into memory. The Atlassian client caps its answers; this is the Slack
// side's equivalent, on the client every slack-go call of serve uses.
func TestSlackAnswersAreCapped(t *testing.T) {
	pad := strings.Repeat("x", 64<<10)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"user":{"id":"U1","profile":{"email":"ada@example.com"}},"pad":"`)
		for n := 0; n <= bot.MaxSlackAnswer; n += len(pad) {
			if _, err := io.WriteString(w, pad); err != nil {
				return
			}
		}
		io.WriteString(w, `"}`)
	}))
	t.Cleanup(api.Close)
	app := appWithSlackAPI(t, api.URL+"/api/")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if u, err := app.Slack.GetUserInfoContext(ctx, "U1"); err == nil {
		t.Errorf("an answer over %d bytes was read whole (user %s)", bot.MaxSlackAnswer, u.ID)
	}
}
