package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// upstream counts every call a refused request must not cost: Jira,
// the Admin API, and Slack's users.info.
func (h *harness) upstream() int {
	return h.jiraCalls() + h.adminCalls() + len(h.slack.Calls("users.info"))
}

// shortcut uses the author shortcut and returns its one reply.
func (h *harness) shortcut(s slacktest.Shortcut) slacktest.Reply {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.slack.WaitConnected(ctx); err != nil {
		h.t.Fatal(err)
	}
	env, err := h.slack.MessageShortcut(ctx, s)
	if err != nil {
		h.t.Fatal(err)
	}
	replies, err := h.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		h.t.Fatalf("no reply to the shortcut: %v", err)
	}
	return replies[0]
}

// noticeKind is the kind of notice r is, read from its blocks' ids as a
// machine would; it fails the test when r is no notice.
func noticeKind(t *testing.T, r slacktest.Reply) bot.NoticeKind {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal(r.Blocks, &bs); err != nil {
		t.Fatalf("decode the reply's blocks: %v", err)
	}
	k, ok := bot.NoticeOf(bs.BlockSet)
	if !ok {
		t.Errorf("the reply is no notice: %s", r.Blocks)
	}
	return k
}

// TestAuthorisationOnEveryEntryPoint: the user and channel allow-lists hold
// for the command, both buttons and the shortcut alike. A refusal is
// private, says so, and costs no upstream call.
func TestAuthorisationOnEveryEntryPoint(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{AllowedUsers: []string{"U0ALICE01"}, AllowedChannels: []string{"C0OK"}}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	btn := buttons(t, h.ask("U0ALICE01", "C0OK", "ada@example.com"))
	share, _ := btn[bot.ActionShare]["value"].(string)
	refresh, _ := btn[bot.ActionRefresh]["value"].(string)
	if share == "" || refresh == "" {
		t.Fatalf("the allowed lookup has no Share/Refresh buttons: %v", btn)
	}
	// The values are genuine: the allowed user in the allowed channel may use them.
	if r := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C0OK", ActionID: bot.ActionRefresh, Value: refresh})[0]; strings.Contains(text(r), "not allowed") {
		t.Fatalf("the allowed click was refused:\n%s", text(r))
	}

	type entry struct {
		name string
		do   func(user, channel string) slacktest.Reply
	}
	entries := []entry{
		{"command", func(u, c string) slacktest.Reply { return h.ask(u, c, "ada@example.com --fresh") }},
		{"share button", func(u, c string) slacktest.Reply {
			return h.click(slacktest.Action{UserID: u, ChannelID: c, ActionID: bot.ActionShare, Value: share})[0]
		}},
		{"refresh button", func(u, c string) slacktest.Reply {
			return h.click(slacktest.Action{UserID: u, ChannelID: c, ActionID: bot.ActionRefresh, Value: refresh})[0]
		}},
		{"author shortcut", func(u, c string) slacktest.Reply {
			return h.shortcut(slacktest.Shortcut{UserID: u, ChannelID: c, CallbackID: bot.ShortcutAuthor, MessageUserID: "U0GRACE", MessageText: "hi"})
		}},
	}
	for _, e := range entries {
		for _, who := range []struct{ name, user, channel string }{
			{"user not allowed", "U0EVE0009", "C0OK"},
			{"channel not allowed", "U0ALICE01", "C0ELSEWHERE"},
			{"neither allowed", "U0EVE0009", "C0ELSEWHERE"},
		} {
			t.Run(e.name+"/"+who.name, func(t *testing.T) {
				before := h.upstream()
				r := e.do(who.user, who.channel)
				if r.ResponseType == "in_channel" {
					t.Errorf("the refusal was posted in the channel")
				}
				if got := text(r); !strings.Contains(got, "not allowed") {
					t.Errorf("reply does not say the requester is not allowed:\n%s", got)
				}
				if k := noticeKind(t, r); k != bot.NoticeRefused {
					t.Errorf("the refusal's notice kind is %q, want %q", k, bot.NoticeRefused)
				}
				if n := h.upstream() - before; n != 0 {
					t.Errorf("refused %s cost %d upstream calls", e.name, n)
				}
			})
		}
	}
}

// TestRateLimitIsPerRequesterAcrossEntryPoints: one token bucket per
// requester, spent by commands, buttons and shortcuts alike. Someone who
// used their burst on commands is refused a new person on a command, Share
// and the shortcut, and any Refresh, at no upstream cost, while another
// requester is not affected.
func TestRateLimitIsPerRequesterAcrossEntryPoints(t *testing.T) {
	// An hour per token: nothing refills while the test runs.
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserEvery: time.Hour, PerUserBurst: 2}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	btn := buttons(t, h.ask("U0ALICE01", "C1", "ada@example.com"))
	h.ask("U0ALICE01", "C1", "grace@example.com") // the second and last token
	refresh, _ := btn[bot.ActionRefresh]["value"].(string)
	// Asking again about Ada costs Alice nothing: the Share she is refused
	// is of a person she has not asked about (a button of Bob's answer).
	share, _ := buttons(t, h.ask("U0BOB0002", "C1", "alan@example.com"))[bot.ActionShare]["value"].(string)

	for _, c := range []struct {
		name string
		do   func() slacktest.Reply
	}{
		{"command", func() slacktest.Reply { return h.ask("U0ALICE01", "C1", "alan@example.com") }},
		{"refresh button", func() slacktest.Reply {
			return h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh})[0]
		}},
		{"share button", func() slacktest.Reply {
			return h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionShare, Value: share})[0]
		}},
		{"author shortcut", func() slacktest.Reply {
			return h.shortcut(slacktest.Shortcut{UserID: "U0ALICE01", ChannelID: "C1", CallbackID: bot.ShortcutAuthor, MessageUserID: "U0GRACE"})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.upstream()
			r := c.do()
			if got := strings.ToLower(text(r)); !strings.Contains(got, "try again") {
				t.Errorf("reply does not say to try again:\n%s", got)
			}
			if k := noticeKind(t, r); k != bot.NoticeRateLimited {
				t.Errorf("the refusal's notice kind is %q, want %q", k, bot.NoticeRateLimited)
			}
			if r.ResponseType == "in_channel" {
				t.Errorf("the refusal was posted in the channel")
			}
			if n := h.upstream() - before; n != 0 {
				t.Errorf("rate-limited %s cost %d upstream calls", c.name, n)
			}
		})
	}
	t.Run("another requester", func(t *testing.T) {
		r := h.ask("U0BOB0002", "C1", "ada@example.com")
		if got := text(r); !strings.Contains(got, h.user("ada@example.com").DisplayName) {
			t.Errorf("another requester was limited too:\n%s", got)
		}
	})
}

// TestOversizedCommandTextCostsNothing: a command text far past the cap
// (here 50 KB of valid-looking addresses) is refused by size, privately,
// without a lookup. The 12,000-character case is in TestCommandForms.
func TestOversizedCommandTextCostsNothing(t *testing.T) {
	h := startBot(t, harnessOpts{})
	before := h.upstream()
	r := h.ask("U1", "C1", strings.Repeat("ada@example.com ", 3200))
	if got := strings.ToLower(text(r)); !strings.Contains(got, "long") {
		t.Errorf("reply does not say the text is too long:\n%s", got)
	}
	if len(r.Raw) > 8<<10 {
		t.Errorf("the refusal is %d bytes: it must not echo the input", len(r.Raw))
	}
	if n := h.upstream() - before; n != 0 {
		t.Errorf("an oversized command cost %d upstream calls", n)
	}
}

// TestResponderReadsABoundedAnswer: the Responder reads at most 4 KiB of
// what a response_url answers, so an endless body cannot hold a worker. The
// count is taken under the Responder, at the response body it reads.
func TestResponderReadsABoundedAnswer(t *testing.T) {
	chunk := []byte(strings.Repeat(" ", 32<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		// Endless, until the client hangs up.
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	ct := &countingTransport{base: srv.Client().Transport}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := bot.NewResponder(&http.Client{Transport: ct}, srv.URL+"/api/")
	if err := r.Post(ctx, srv.URL+"/response/1", bot.RenderNotice("hello"), bot.Private); err != nil {
		t.Fatalf("Post against an endless answer: %v", err)
	}
	if n := ct.read.Load(); n > 4096 {
		t.Errorf("the Responder read %d bytes of the answer, want at most 4096", n)
	}
}

// countingTransport counts the response body bytes its caller reads.
type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestReportsDrawFromTheRequestersBucket: a report user who has used up
// their burst is refused `idle --fresh` and `digest` like any lookup, at
// no upstream cost: no org scan, no file sent to their direct messages.
func TestReportsDrawFromTheRequestersBucket(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"U0BOSS001"}, PerUserEvery: time.Hour, PerUserBurst: 2},
		reports: true})
	h.ask("U0BOSS001", "C1", "ada@example.com grace@example.com") // both tokens
	for _, cmd := range []string{"idle --fresh", "idle 30 confluence", "digest"} {
		t.Run(cmd, func(t *testing.T) {
			admin, files := h.adminCalls(), len(h.slack.Calls("files.getUploadURLExternal"))
			r := h.ask("U0BOSS001", "C1", cmd)
			if k := noticeKind(t, r); k != bot.NoticeRateLimited {
				t.Errorf("notice kind %q, want %q:\n%s", k, bot.NoticeRateLimited, text(r))
			}
			if n := h.adminCalls() - admin; n != 0 {
				t.Errorf("a rate-limited %q cost %d Admin API calls", cmd, n)
			}
			if n := len(h.slack.Calls("files.getUploadURLExternal")) - files; n != 0 {
				t.Errorf("a rate-limited %q sent %d files", cmd, n)
			}
		})
	}
}

// TestScanNowDrawsFromTheRequestersBucket: App Home's Scan now starts an
// org scan as idle --fresh does, so it takes a token too: a report user who
// has used up their burst is told so on the Home tab, at no upstream cost.
func TestScanNowDrawsFromTheRequestersBucket(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"U0BOSS001"}, PerUserEvery: time.Hour, PerUserBurst: 2},
		reports: true})
	h.ask("U0BOSS001", "C1", "ada@example.com grace@example.com") // both tokens
	admin := h.atl.CountEndpoint(atlassiantest.EndpointUsersSearch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := h.slack.BlockAction(ctx, slacktest.Action{UserID: "U0BOSS001", ActionID: bot.ActionScanNow, Value: "scan"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Wait(ctx, func() bool { return len(h.slack.HomeViews("U0BOSS001")) > 0 }); err != nil {
		t.Fatalf("no Home tab published: %v", err)
	}
	raw, _ := json.Marshal(h.slack.HomeViews("U0BOSS001")[0].Blocks)
	if !strings.Contains(string(raw), "Try again in") {
		t.Errorf("the Home tab does not say Scan now was refused: %s", raw)
	}
	if n := h.atl.CountEndpoint(atlassiantest.EndpointUsersSearch) - admin; n != 0 {
		t.Errorf("a rate-limited Scan now cost %d users-search calls", n)
	}
}

// TestShortcutOnAMalformedAuthorCostsNothing: a message shortcut whose
// author is no Slack user ID (a forged or damaged payload) is answered as a
// message no person wrote, without a users.info call or a token.
func TestShortcutOnAMalformedAuthorCostsNothing(t *testing.T) {
	h := startBot(t, harnessOpts{})
	for _, author := range []string{"u1> <!channel", "B0BOT", "U", strings.Repeat("U", 5000)} {
		before := h.upstream()
		r := h.shortcut(slacktest.Shortcut{UserID: "U0ALICE01", ChannelID: "C1", CallbackID: bot.ShortcutAuthor, MessageUserID: author})
		if k := noticeKind(t, r); k != bot.NoticeUsage {
			t.Errorf("author %.20q: notice kind %q, want %q:\n%s", author, k, bot.NoticeUsage, text(r))
		}
		if n := h.upstream() - before; n != 0 {
			t.Errorf("author %.20q: %d upstream calls", author, n)
		}
	}
}

// TestColumnOfFortyLinkedAddresses: a column of 40 addresses pasted from a
// spreadsheet reaches the bot as Slack links them, "<mailto:a@x.com|a@x.com>"
// a line, every address twice: 2,600 characters for addresses of 25. The
// whole list was refused as too long and nobody was looked up, where the
// same 40 typed plain got the first ten answered and the rest named.
func TestColumnOfFortyLinkedAddresses(t *testing.T) {
	h := startBot(t, harnessOpts{})
	var lines []string
	lines = append(lines, "<mailto:ada@example.com|ada@example.com>")
	for i := 2; i <= 40; i++ {
		e := fmt.Sprintf("firstname.lastname%02d@example-corp.com", i)
		lines = append(lines, "<mailto:"+e+"|"+e+">")
	}
	r := h.ask("U1", "C1", strings.Join(lines, "\n"))
	got := text(r)
	if strings.Contains(strings.ToLower(got), "too long") {
		t.Fatalf("a column of 40 linked addresses was refused:\n%s", got)
	}
	for _, want := range []string{"Ada Lovelace", "firstname.lastname10@example-corp.com", "Not looked up", "firstname.lastname11@example-corp.com"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
}
