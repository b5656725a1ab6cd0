package bot_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/bot"
)

// upstreamLikeHTTP is the client serve gives slack-go and the Responder
// (wire.UpstreamHTTP): net/http's transport with a 30 s Timeout.
func upstreamLikeHTTP() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 20 * time.Second
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// goroutinesCreated is how many goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// reportGoroutines reports the goroutines started per operation since
// before (the loopback server's own, one a request at most, included).
func reportGoroutines(b *testing.B, before uint64) {
	b.ReportMetric(float64(goroutinesCreated()-before)/float64(b.N), "goroutines/op")
}

// BenchmarkSlackWebAPICall is one users.info call through slack-go on the
// client serve builds (SlackHTTP over the upstream client), with the
// deadline a mention's read gives it, against a loopback server that
// answers at once. Issue 19: what a Web API call costs the bot's CPU.
func BenchmarkSlackWebAPICall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"user":{"id":"U0ADA","name":"ada","profile":{"email":"ada@example.com"}}}`)
	}))
	defer srv.Close()
	for _, c := range []struct {
		name     string
		deadline bool
	}{{"with a deadline", true}, {"without a deadline", false}} {
		b.Run(c.name, func(b *testing.B) {
			client := slack.New("xoxb-bench", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(bot.SlackHTTP(upstreamLikeHTTP())))
			b.ReportAllocs()
			before := goroutinesCreated()
			for b.Loop() {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if c.deadline {
					ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
				}
				u, err := client.GetUserInfoContext(ctx, "U0ADA")
				cancel()
				if err != nil || u.Profile.Email != "ada@example.com" {
					b.Fatalf("users.info: %v", err)
				}
			}
			reportGoroutines(b, before)
		})
	}
}

// BenchmarkResponderPost is one reply posted to a response_url on the
// client serve gives the Responder. Issue 19: a command's reply.
func BenchmarkResponderPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	r := bot.NewResponder(upstreamLikeHTTP(), srv.URL+"/api/")
	msg := bot.RenderNotice("hello")
	b.ReportAllocs()
	before := goroutinesCreated()
	for b.Loop() {
		if err := r.Post(context.Background(), srv.URL+"/commands/1", msg, bot.PrivateReplace); err != nil {
			b.Fatal(err)
		}
	}
	reportGoroutines(b, before)
}
