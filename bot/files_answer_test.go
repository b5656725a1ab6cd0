package bot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/bot"
)

// TestSendFileWithoutAChannel: conversations.open answered ok but with no
// channel (a broken proxy, a Slack outage's half answer) is not a place to
// share a report. slack-go returns a nil channel with no error; SendFile
// read its ID and panicked after posting the file's bytes. Nothing is
// uploaded or shared, and the error says Slack's answer was unusable.
func TestSendFileWithoutAChannel(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]string{
		"no channel":    `{"ok":true}`,
		"null channel":  `{"ok":true,"channel":null}`,
		"no channel ID": `{"ok":true,"channel":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var uploads, completes atomic.Int32
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch {
				case strings.HasSuffix(r.URL.Path, "/conversations.open"):
					w.Write([]byte(open))
				case strings.HasSuffix(r.URL.Path, "/files.getUploadURLExternal"):
					w.Write([]byte(`{"ok":true,"upload_url":"` + srv.URL + `/upload/F1","file_id":"F1"}`))
				case strings.HasPrefix(r.URL.Path, "/upload/"):
					uploads.Add(1)
					w.Write([]byte("OK"))
				case strings.HasSuffix(r.URL.Path, "/files.completeUploadExternal"):
					completes.Add(1)
					w.Write([]byte(`{"ok":true,"files":[{"id":"F1"}]}`))
				default:
					http.NotFound(w, r)
				}
			}))
			t.Cleanup(srv.Close)
			api := &bot.SlackAPI{
				Client: slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(bot.SlackHTTP(&http.Client{Timeout: time.Minute}))),
				URL:    srv.URL + "/api/",
			}
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("SendFile panicked: %v", r)
					}
				}()
				err = bot.SlackFiles{API: api}.SendFile(context.Background(), "U1", bot.File{Name: "idle.csv", Content: []byte("email\n")})
			}()
			if !errors.Is(err, bot.ErrSlackUnavailable) {
				t.Errorf("err = %v, want ErrSlackUnavailable", err)
			}
			if n, m := uploads.Load(), completes.Load(); n != 0 || m != 0 {
				t.Errorf("%d uploads, %d completions of a file with nowhere to go", n, m)
			}
		})
	}
}
