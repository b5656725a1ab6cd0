package bot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestDigestSlackUnreachableIsNotMade: Slack could not be reached at the
// slot's time (its address refused the connection: a network outage, a
// proxy restarting, DNS down), so the post certainly never left; the slot
// was kept as handled all the same ("slot failed"), and that week had no
// digest. A post whose connection was never made is ErrDigestNotMade: the
// slot is given back and tried again a minute later, within its hour.
func TestDigestSlackUnreachableIsNotMade(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	apiURL := "http://" + ln.Addr().String() + "/api/"
	ln.Close() // nothing listens there now: every connection is refused
	api := &SlackAPI{
		Client: slack.New("xoxb-test", slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(SlackHTTP(&http.Client{Timeout: time.Minute}))),
		URL:    apiURL,
	}
	src := &markingSource{}
	_, _, err = NewDigests(DigestConfig{Source: src, Channel: "C1", Poster: SlackChat{API: api}}).PostNamed(context.Background())
	if err == nil {
		t.Fatal("a post to an unreachable Slack reported as posted")
	}
	if !errors.Is(err, ErrDigestNotMade) {
		t.Errorf("PostNamed = %v, want ErrDigestNotMade (nothing reached Slack: the slot is tried again)", err)
	}
	if len(src.marked) != 0 {
		t.Errorf("snapshots marked posted: %v, want none", src.marked)
	}
}
