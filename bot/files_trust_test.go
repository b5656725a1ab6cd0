package bot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"lastactive/bot"
)

// TestUploadGoesOnlyToSlack: the upload URL arrives in files.getUploadURLExternal's
// answer, and the file posted to it is a report's CSV (everyone with a
// seat) or the digest's chart. An upload URL on another host, even another
// port of the same machine, gets nothing: the send fails, naming why.
func TestUploadGoesOnlyToSlack(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("OK"))
	}))
	t.Cleanup(elsewhere.Close)

	s := newSlackAPI(t)
	s.fake.SetUploadBase(elsewhere.URL)
	files := bot.SlackFiles{API: s.SlackAPI}
	err := files.SendFile(context.Background(), "U1", bot.File{Name: "idle.csv", Content: []byte("email\nada@example.com\n")})
	if !errors.Is(err, bot.ErrUntrustedURL) {
		t.Errorf("CSV to an upload URL elsewhere: err = %v, want ErrUntrustedURL", err)
	}
	_, err = files.UploadImage(context.Background(), bot.File{Name: "chart.png", Content: []byte("\x89PNG")})
	if !errors.Is(err, bot.ErrUntrustedURL) {
		t.Errorf("chart to an upload URL elsewhere: err = %v, want ErrUntrustedURL", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the other host received %d uploads", n)
	}
	for _, u := range s.fake.Uploads() {
		if u.Completed {
			t.Errorf("an upload that never happened was completed: %+v", u.Filename)
		}
	}

	// The fake's own host (the Web API base in use) still takes files.
	s.fake.SetUploadBase("")
	if err := files.SendFile(context.Background(), "U1", bot.File{Name: "idle.csv", Content: []byte("x\n")}); err != nil {
		t.Errorf("upload on the API's own host: %v", err)
	}
}

// TestTrustedUploadURL: Slack's own domains, over https (as slack-go
// allows), or the scheme, host and port of the Web API base URL in use;
// nothing else.
func TestTrustedUploadURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		api, upload string
		want        bool
	}{
		{"https://slack.com/api/", "https://files.slack.com/upload/v1/CwABAAAAXw", true},
		{"https://slack.com/api/", "https://files.slack.com:443/upload/v1/x", true},
		{"https://slack-gov.com/api/", "https://files.slack-gov.com/upload/v1/x", true},
		{"http://127.0.0.1:4000/api/", "http://127.0.0.1:4000/upload/F1", true},
		{"https://slack.com/api/", "http://files.slack.com/upload/v1/x", false},
		{"https://slack.com/api/", "https://files.slack.com.evil.example/upload", false},
		{"https://slack.com/api/", "https://files.slack.com@evil.example/upload", false},
		{"https://slack.com/api/", "https://user@files.slack.com/upload", false},
		{"https://slack.com/api/", "https://evil.example/upload", false},
		{"https://slack.com/api/", "https://slack.com.evil.example/", false},
		{"http://127.0.0.1:4000/api/", "http://127.0.0.1:4001/upload/F1", false},
		{"http://127.0.0.1:4000/api/", "http://169.254.169.254/latest/meta-data", false},
		{"http://127.0.0.1:4000/api/", "https://127.0.0.1:4000/upload/F1", false},
		{"", "https://files.slack.com/upload/v1/x", true},
		{"", "http://127.0.0.1:4000/upload/F1", false},
		{"https://slack.com/api/", "https://FILES.Slack.com/upload/v1/x", true},
		{"http://LOCALHOST:4000/api/", "http://localhost:4000/upload/F1", true},
		{"https://slack.com/api/", "https://notslack.com/upload", false},
		{"https://slack.com/api/", "", false},
		{"https://slack.com/api/", "/upload/relative", false},
		{"https://slack.com/api/", "ftp://files.slack.com/x", false},
	}
	for _, c := range cases {
		if got := bot.TrustedUploadURL(c.api, c.upload); got != c.want {
			t.Errorf("TrustedUploadURL(%q, %q) = %v, want %v", c.api, c.upload, got, c.want)
		}
	}
}
