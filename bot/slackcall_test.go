package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
	"lastactive/bot/slacktest"
	"lastactive/internal/backoff/backofftest"
	"lastactive/nudge"
	"lastactive/seat"
)

// slackAPI is the bot's Slack Web API layer over the fake Slack, with a
// clock that does not sleep and a log and a hook that tests read.
type slackAPI struct {
	*bot.SlackAPI
	fake     *slacktest.Server
	clock    *backofftest.Clock
	logs     *bytes.Buffer
	mu       sync.Mutex
	rejected []error
}

func newSlackAPI(t *testing.T) *slackAPI {
	t.Helper()
	fake := slacktest.NewServer()
	t.Cleanup(fake.Close)
	s := &slackAPI{fake: fake, clock: &backofftest.Clock{Advance: true}, logs: &bytes.Buffer{}}
	s.SlackAPI = &bot.SlackAPI{
		// The client's timeout only bounds a hang: TestStreamedFile's 900 KB
		// upload under -race on two loaded cores once took longer than 5 s.
		Client: slack.New(slacktest.BotToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionHTTPClient(bot.SlackHTTP(&http.Client{Timeout: time.Minute}))),
		URL:    fake.APIURL(),
		Clock:  s.clock,
		Logger: slog.New(slog.NewJSONHandler(s.logs, nil)),
		OnTokenRejected: func(err error) {
			s.mu.Lock()
			s.rejected = append(s.rejected, err)
			s.mu.Unlock()
		},
	}
	return s
}

func (s *slackAPI) rejections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rejected)
}

// TestMentionLookupNamesSlackFailures: users.info failing for reasons that
// are not the person's (rate limits, outages, a refused bot token) is
// retried when Slack allows it, and otherwise worded for what it is, never
// as "has no email address".
func TestMentionLookupNamesSlackFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		fail      func(*slacktest.Server)
		wantCalls int
		wantWaits []time.Duration // exact waits; nil: any
		want      string          // in the reply; "" means the person was found
		rejected  bool
	}{
		{name: "429 once, waited out", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 1, 429, "7") },
			wantCalls: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "ratelimited code once", fail: func(s *slacktest.Server) { s.FailMethodError("users.info", 1, "ratelimited") },
			wantCalls: 2, wantWaits: []time.Duration{time.Second}},
		{name: "HTTP 500 once", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 1, 500, "") }, wantCalls: 2},
		{name: "429 longer than the budget", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 5, 429, "30") },
			wantCalls: 1, wantWaits: []time.Duration{}, want: "rate limiting the bot"},
		{name: "429 every time", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 5, 429, "2") },
			wantCalls: 3, wantWaits: []time.Duration{2 * time.Second, 2 * time.Second}, want: "try again in 2 s"},
		// A 429 whose Retry-After is missing or not seconds (an HTTP date,
		// garbage) is still a rate limit, not "Slack refused".
		{name: "429 without Retry-After", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 5, 429, "") },
			wantCalls: 3, wantWaits: []time.Duration{time.Second, time.Second}, want: "rate limiting the bot"},
		{name: "429 with an unreadable Retry-After", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 5, 429, "soon") },
			wantCalls: 3, wantWaits: []time.Duration{time.Second, time.Second}, want: "rate limiting the bot"},
		{name: "429 with a date in the past", fail: func(s *slacktest.Server) {
			s.FailMethod("users.info", 1, 429, "Wed, 21 Oct 2015 07:28:00 GMT")
		}, wantCalls: 2, wantWaits: []time.Duration{time.Second}},
		{name: "HTTP 500 every time", fail: func(s *slacktest.Server) { s.FailMethod("users.info", 5, 500, "") },
			wantCalls: 3, want: "Slack did not answer"},
		{name: "invalid_auth", fail: func(s *slacktest.Server) { s.SetBotTokenValid(false) },
			wantCalls: 1, wantWaits: []time.Duration{}, want: "being fixed", rejected: true},
		{name: "account_inactive", fail: func(s *slacktest.Server) { s.FailMethodError("users.info", 5, "account_inactive") },
			wantCalls: 1, wantWaits: []time.Duration{}, want: "being fixed", rejected: true},
		{name: "token_revoked", fail: func(s *slacktest.Server) { s.FailMethodError("users.info", 5, "token_revoked") },
			wantCalls: 1, wantWaits: []time.Duration{}, want: "being fixed", rejected: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			api := newSlackAPI(t)
			api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
			c.fail(api.fake)
			svc := mentionService(bot.SlackUsers{API: api.SlackAPI})

			r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
			got := messageText(t, r.Message)
			if strings.Contains(got, "no email address") {
				t.Errorf("reply blames the person: %q", got)
			}
			if c.want == "" && (len(r.People) != 1 || r.People[0].Err != nil) {
				t.Errorf("person not found after retry: %+v (%q)", r.People, got)
			}
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("reply %q lacks %q", got, c.want)
			}
			if n := len(api.fake.Calls("users.info")); n != c.wantCalls {
				t.Errorf("users.info calls = %d, want %d", n, c.wantCalls)
			}
			if c.wantWaits != nil && !slices.Equal(api.clock.Waits(), c.wantWaits) {
				t.Errorf("waits = %v, want %v", api.clock.Waits(), c.wantWaits)
			}
			if c.rejected {
				// A second mention: still worded, but no second alarm.
				svc.Answer(context.Background(), bot.Request{UserID: "U2", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
				if n := api.rejections(); n != 1 {
					t.Errorf("OnTokenRejected called %d times for one change of state, want 1", n)
				}
				if n := strings.Count(api.logs.String(), "Slack rejected the bot token"); n != 1 {
					t.Errorf("%d loud log lines, want 1:\n%s", n, api.logs.String())
				}
				if !api.TokenRejected() {
					t.Error("TokenRejected() = false")
				}
				var se *bot.SlackError
				if len(r.People) != 1 || !errors.Is(r.People[0].Err, bot.ErrSlackTokenRejected) || !errors.As(r.People[0].Err, &se) {
					t.Errorf("error %v is not an ErrSlackTokenRejected SlackError", r.People[0].Err)
				}
			} else if n := api.rejections(); n != 0 {
				t.Errorf("OnTokenRejected called %d times", n)
			}
			if strings.Contains(api.logs.String(), slacktest.BotToken) {
				t.Error("the bot token reached the log")
			}
		})
	}
}

// TestMentionTokenRecovers: after a refused token, a call that Slack
// accepts clears the state, and a later refusal alarms again.
func TestMentionTokenRecovers(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	users := bot.SlackUsers{API: api.SlackAPI}
	ctx := context.Background()
	api.fake.SetBotTokenValid(false)
	if _, err := users.EmailOf(ctx, "U0ADA"); !errors.Is(err, bot.ErrSlackTokenRejected) {
		t.Fatalf("EmailOf = %v, want ErrSlackTokenRejected", err)
	}
	api.fake.SetBotTokenValid(true)
	if e, err := users.EmailOf(ctx, "U0ADA"); err != nil || e != "ada@example.com" {
		t.Fatalf("EmailOf = %q, %v", e, err)
	}
	if api.TokenRejected() {
		t.Error("still rejected after an accepted call")
	}
	api.fake.SetBotTokenValid(false)
	users.FreshEmailOf(ctx, "U0ADA") // the answer above is kept: read again
	if n := api.rejections(); n != 2 {
		t.Errorf("OnTokenRejected called %d times for two changes of state, want 2", n)
	}
}

func mentionService(users bot.UserDirectory) *bot.Service {
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			return atlassian.Account{AccountID: "acc-ada", AccountType: "atlassian", DisplayName: "Ada Lovelace", Email: email, Active: true}, atlassian.ViaJira, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
			return &atlassian.Activity{AccountID: id}, nil
		},
	}
	return bot.NewService(bot.ServiceConfig{
		Lookups: bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour}),
		Users:   users,
		Gate:    bot.NewGate(bot.GateConfig{}),
		OrgID:   "org",
	})
}

// TestReportFileNamesSlackFailures: the idle report's DM and upload wait
// out a 429 on each of their three methods, and word a refused token as
// such, not as a missing scope.
func TestReportFileNamesSlackFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		fail      func(*slacktest.Server)
		delivered bool
		want      string
		wantCalls map[string]int
	}{
		{name: "conversations.open 429", fail: func(s *slacktest.Server) { s.FailMethod("conversations.open", 1, 429, "3") },
			delivered: true, wantCalls: map[string]int{"conversations.open": 2, "files.getUploadURLExternal": 1, "files.completeUploadExternal": 1}},
		{name: "getUploadURLExternal 429", fail: func(s *slacktest.Server) { s.FailMethod("files.getUploadURLExternal", 1, 429, "3") },
			delivered: true, wantCalls: map[string]int{"files.getUploadURLExternal": 2, "files.completeUploadExternal": 1}},
		{name: "completeUploadExternal 429", fail: func(s *slacktest.Server) { s.FailMethod("files.completeUploadExternal", 1, 429, "3") },
			delivered: true, wantCalls: map[string]int{"files.getUploadURLExternal": 1, "files.completeUploadExternal": 2}},
		{name: "completeUploadExternal 500 is not repeated", fail: func(s *slacktest.Server) { s.FailMethod("files.completeUploadExternal", 1, 500, "") },
			want: "it may have arrived", wantCalls: map[string]int{"files.completeUploadExternal": 1}},
		{name: "invalid_auth", fail: func(s *slacktest.Server) { s.SetBotTokenValid(false) },
			want: "being fixed", wantCalls: map[string]int{"conversations.open": 1, "files.getUploadURLExternal": 0}},
		{name: "missing_scope", fail: func(s *slacktest.Server) { s.FailMethodError("conversations.open", 1, "missing_scope") },
			want: "im:write and files:write", wantCalls: map[string]int{"conversations.open": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			api := newSlackAPI(t)
			c.fail(api.fake)
			now := time.Now()
			scanner := seat.NewScanner(seat.ScanConfig{Dir: bottest.Org(atlassian.OrgUser{
				AccountID: "a1", Email: "ada@example.com", Name: "Ada", AccountType: "atlassian", AccountStatus: "active",
				MembershipStatus: "active", AddedToOrg: now.AddDate(-1, 0, 0),
				Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/1", Key: "confluence", LastActive: now.AddDate(0, 0, -200)}},
			})})
			t.Cleanup(scanner.Close)
			svc := bot.NewService(bot.ServiceConfig{
				Lookups: bot.NewLookups(&bottest.Directory{}, bot.LookupOptions{}),
				Gate:    bot.NewGate(bot.GateConfig{ReportUsers: []string{"UBOSS"}}),
				Scanner: scanner,
				Files:   bot.SlackFiles{API: api.SlackAPI},
			})
			r := svc.Answer(context.Background(), bot.Request{UserID: "UBOSS", ChannelID: "C1", Text: "idle"}, nil)
			got := messageText(t, r.Message)
			completed := 0
			for _, u := range api.fake.Uploads() {
				if u.Completed {
					completed++
				}
			}
			if c.delivered && (completed != 1 || r.Outcome != "ok") {
				t.Errorf("completed uploads = %d, outcome %q; want 1, ok:\n%s", completed, r.Outcome, got)
			}
			if !c.delivered && completed != 0 {
				t.Errorf("completed uploads = %d, want 0", completed)
			}
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("summary lacks %q:\n%s", c.want, got)
			}
			if c.want == "being fixed" && strings.Contains(got, "scope") {
				t.Errorf("a refused token is worded as a missing scope:\n%s", got)
			}
			for m, n := range c.wantCalls {
				if got := len(api.fake.Calls(m)); got != n {
					t.Errorf("%s calls = %d, want %d", m, got, n)
				}
			}
		})
	}
}

// messageText is every text of m, fallback and blocks, one per line.
func messageText(t *testing.T, m bot.Message) string {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				if s, ok := vv.(string); ok && k == "text" {
					b.WriteString(s + "\n")
				} else {
					walk(vv)
				}
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestSlackPeopleReadsUsersListPaged: a round's map of emails to Slack
// users is read with users.list, 200 members a page, following the cursor
// the fake hands out, waiting out a 429's Retry-After through the retry
// policy; deleted users and bots are left out, emails compare without case,
// and users.lookupByEmail is not called.
func TestSlackPeopleReadsUsersListPaged(t *testing.T) {
	t.Parallel()
	s := newSlackAPI(t)
	const members = 450
	for i := range members {
		s.fake.AddUser(slacktest.User{ID: fmt.Sprintf("U%05d", i), Name: fmt.Sprint(i), Email: fmt.Sprintf("Person%d@Example.com", i),
			Deleted: i == 7, IsBot: i == 8})
	}
	s.fake.AddUser(slacktest.User{ID: "U99999", Name: "no email"})
	// A member ID no Slack user has (a broken or hostile answer) is no
	// one to send a direct message to, and not kept for the round.
	s.fake.AddUser(slacktest.User{ID: "U1&channel=C0GENERAL" + strings.Repeat("X", 64), Name: "odd", Email: "odd@example.com"})
	s.fake.FailMethod("users.list", 1, http.StatusTooManyRequests, "3")

	got, err := bot.SlackPeople{API: s.SlackAPI}.SlackUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != members-2 || got["person0@example.com"] != "U00000" || got["person449@example.com"] != "U00449" {
		t.Errorf("%d people mapped (want %d), person0 → %q, person449 → %q", len(got), members-2, got["person0@example.com"], got["person449@example.com"])
	}
	for _, gone := range []string{"person7@example.com", "person8@example.com", "", "odd@example.com"} {
		if id, ok := got[gone]; ok {
			t.Errorf("%q mapped to %s: deleted users, bots and members without an email are no one to ask", gone, id)
		}
	}
	calls := s.fake.Calls("users.list")
	pages := (members + 2 + 199) / 200
	if len(calls) != pages+1 {
		t.Fatalf("%d users.list calls, want %d pages and the one answered 429", len(calls), pages)
	}
	// The first call was answered 429 and repeated as it was; then each page
	// asks with a new cursor (the fake refuses one it did not hand out).
	seen := map[string]bool{}
	for i, c := range calls {
		cur := c.Params.Get("cursor")
		if !c.TokenOK || c.Params.Get("limit") != "200" || (i <= 1) != (cur == "") || seen[cur] {
			t.Errorf("call %d: token ok %v, limit %q, cursor %q", i, c.TokenOK, c.Params.Get("limit"), cur)
		}
		if i > 0 {
			seen[cur] = true
		}
	}
	if w := s.clock.Waits(); !slices.Equal(w, []time.Duration{3 * time.Second}) {
		t.Errorf("waits %v, want the 429's Retry-After of 3s", w)
	}
	if n := len(s.fake.Calls("users.lookupByEmail")); n != 0 {
		t.Errorf("%d users.lookupByEmail calls, want 0", n)
	}
}

// TestSlackErrorCodeNeverEchoesTheRequest: a Slack answer (or a proxy in
// front of it) whose "error" repeats the request it got, form body and
// headers, carries the bot token, which slack-go sends as the form's token
// field. The code is Slack's word for what went wrong and goes into the
// SlackError, hence into logs and `lastactive` error lines: only a code
// that looks like one (a short snake_case word) may be kept.
func TestSlackErrorCodeNeverEchoesTheRequest(t *testing.T) {
	t.Parallel()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req strings.Builder
		fmt.Fprintf(&req, "%s %s\n", r.Method, r.URL)
		r.Header.Write(&req)
		req.WriteString("\n" + string(body))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_arguments: " + req.String()})
	}))
	t.Cleanup(echo.Close)
	var logs bytes.Buffer
	api := &bot.SlackAPI{
		Client: slack.New(slacktest.BotToken, slack.OptionAPIURL(echo.URL+"/api/"), slack.OptionHTTPClient(bot.SlackHTTP(&http.Client{Timeout: 5 * time.Second}))),
		Clock:  &backofftest.Clock{},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	}
	svc := mentionService(bot.SlackUsers{API: api})
	r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
	if len(r.People) != 1 || r.People[0].Err == nil {
		t.Fatalf("the mention was found through an echoing Slack: %+v", r.People)
	}
	err := r.People[0].Err
	if !errors.Is(err, bot.ErrSlackRefused) {
		t.Errorf("error %v is not ErrSlackRefused", err)
	}
	for where, out := range map[string]string{"error": err.Error(), "log": logs.String(), "reply": messageText(t, r.Message)} {
		if strings.Contains(out, slacktest.BotToken) {
			t.Errorf("the %s holds the bot token: %s", where, out)
		}
	}
}

// TestShortcutEphemeralWaitsOutARateLimit: a message shortcut that came
// without a response_url is answered with chat.postEphemeral, a Web API
// call like any other: a 429 with Retry-After is waited out and the post
// repeated, not the answer dropped.
func TestShortcutEphemeralWaitsOutARateLimit(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	h.slack.FailMethod("chat.postEphemeral", 1, http.StatusTooManyRequests, "1")
	frame, err := json.Marshal(map[string]any{
		"envelope_id": "shortcut-without-response-url", "type": "interactive", "accepts_response_payload": false,
		"payload": map[string]any{
			"type": "message_action", "callback_id": "lastactive_author", "trigger_id": "1.2", "message_ts": "1.1",
			"team": map[string]any{"id": slacktest.TeamID}, "user": map[string]any{"id": "U1"}, "channel": map[string]any{"id": "C1"},
			"message": map[string]any{"type": "message", "user": "U0ADA", "text": "hi", "ts": "1.1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.slack.SendRaw(ctx, frame); err != nil {
		t.Fatal(err)
	}
	delivered := func() bool {
		for _, c := range h.slack.Calls("chat.postEphemeral") {
			if c.Status == http.StatusOK && c.Error == "" {
				return true
			}
		}
		return false
	}
	// Done when the post got through, or when the bot has given up on it.
	if err := h.slack.Wait(ctx, func() bool {
		return delivered() || strings.Contains(h.logs.String(), "reply not delivered")
	}); err != nil {
		t.Fatalf("the shortcut was neither answered nor given up: %v", err)
	}
	if !delivered() {
		t.Errorf("a 429 on chat.postEphemeral dropped the shortcut's answer: %d calls", len(h.slack.Calls("chat.postEphemeral")))
	}
	for _, c := range h.slack.Calls("chat.postEphemeral") {
		if c.Status == http.StatusOK && (c.Params.Get("user") != "U1" || !strings.Contains(c.Params.Get("blocks"), "Ada Lovelace")) {
			t.Errorf("ephemeral post to %q: %.200s", c.Params.Get("user"), c.Params.Get("blocks"))
		}
	}
}

// TestSlackPeopleFoldsASCIICaseOnly: a Slack member whose profile email is
// a look-alike of another's (a Kelvin sign for the K, which Unicode case
// folding turns into k) is not mapped to that person's address, so the
// nudges about their seats go to them, not to the look-alike; nor is a
// profile email that is no address.
func TestSlackPeopleFoldsASCIICaseOnly(t *testing.T) {
	t.Parallel()
	s := newSlackAPI(t)
	s.fake.AddUser(slacktest.User{ID: "UKATE", Name: "kate", Email: "Kate@Example.com"})
	s.fake.AddUser(slacktest.User{ID: "UZIMPOSTOR", Name: "k", Email: "\u212aate@example.com"})
	s.fake.AddUser(slacktest.User{ID: "UPREFIX", Name: "p", Email: "kat"})
	got, err := bot.SlackPeople{API: s.SlackAPI}.SlackUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got["kate@example.com"] != "UKATE" {
		t.Errorf("kate@example.com → %q, want UKATE", got["kate@example.com"])
	}
	for email, id := range got {
		if id != "UKATE" {
			t.Errorf("%q → %s: not an address the bot accepts", email, id)
		}
	}
}

// TestSlackUserByEmailNotFoundEitherCode: users.lookupByEmail answers
// "users_not_found" for an email nobody in Slack has (the method's
// reference), and older documentation names the error "user_not_found";
// both mean there is no one to ask, not that Slack failed.
func TestSlackUserByEmailNotFoundEitherCode(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"users_not_found", "user_not_found"} {
		s := newSlackAPI(t)
		s.fake.FailMethodError("users.lookupByEmail", 1, code)
		_, err := bot.SlackPeople{API: s.SlackAPI}.SlackUserByEmail(t.Context(), "nobody@example.com")
		if !errors.Is(err, nudge.ErrNoSlackUser) {
			t.Errorf("answer %s: err = %v, want nudge.ErrNoSlackUser", code, err)
		}
	}
}

// TestRateLimitIsSharedByAMethodsCalls: Slack limits a method per app and
// workspace, not per call. Once views.publish is answered 429 with a
// Retry-After, the method's next call waits out what is left of it instead
// of being sent, refused and counted by Slack as one more; one that cannot
// wait that long fails as rate limited without a call. A Retry-After is
// shared for at most a minute: a day's (a broken proxy's) must not stop
// every App Home for a day.
func TestRateLimitIsSharedByAMethodsCalls(t *testing.T) {
	s := newSlackAPI(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.clock.At = at
	views := bot.SlackViews{API: s.SlackAPI}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "hello", false, false), nil, nil),
	}}}
	ctx := t.Context()
	publish := func(user string, wantErr bool, wantCalls int, wantWaits ...time.Duration) {
		t.Helper()
		before := len(s.clock.Waits())
		err := views.PublishHome(ctx, user, view)
		if wantErr != (err != nil) || (wantErr && !errors.Is(err, bot.ErrSlackRateLimited)) {
			t.Errorf("publish for %s = %v, want rate limited: %v", user, err, wantErr)
		}
		if n := len(s.fake.Calls("views.publish")); n != wantCalls {
			t.Errorf("after %s's publish: %d views.publish calls, want %d", user, n, wantCalls)
		}
		if w := s.clock.Waits()[before:]; !slices.Equal(w, wantWaits) {
			t.Errorf("%s's publish waited %v, want %v", user, w, wantWaits)
		}
	}

	s.fake.FailMethod("views.publish", 1, http.StatusTooManyRequests, "40")
	publish("UA", true, 1) // 40 s is past the call's budget: fails at once
	publish("UB", true, 1) // inside the 40 s: not sent
	s.clock.At = at.Add(35 * time.Second)
	publish("UC", false, 2, 5*time.Second) // waits out the last 5 s, then one call

	s.fake.FailMethod("views.publish", 1, http.StatusTooManyRequests, "86400")
	publish("UD", true, 3)
	s.clock.At = at.Add(35*time.Second + time.Minute + time.Second)
	publish("UE", false, 4) // a minute on, Slack is asked again
}

// oddUserRecords are user records slack-go refuses whole for a field the bot
// does not read: Slack adds profile fields and has sent some with another
// JSON type than slack-go's struct.
var oddUserRecords = []struct {
	name           string
	extra, profile map[string]any
}{
	{"status_expiration as a string", nil, map[string]any{"status_expiration": "0"}},
	{"a custom field's value as a number", nil, map[string]any{"fields": map[string]any{"Xf01": map[string]any{"value": 42, "alt": ""}}}},
	{"a custom field's value as an object", nil, map[string]any{"fields": map[string]any{"Xf01": map[string]any{"value": map[string]any{"a": 1}}}}},
	{"tz_offset as a string", map[string]any{"tz_offset": "-28800"}, nil},
	{"is_admin as a string", map[string]any{"is_admin": "false"}, nil},
	{"enterprise_user as a list", map[string]any{"enterprise_user": []any{1}}, nil},
}

// TestSlackUserRecordsSlackGoCannotRead: users.info, users.lookupByEmail
// and users.list answers with a user record slack-go refuses for a field
// the bot does not read still give the email, the user and the workspace's
// people (without its deleted users and bots); before, the mention's lookup
// failed and one such member failed a whole nudge round.
func TestSlackUserRecordsSlackGoCannotRead(t *testing.T) {
	t.Parallel()
	for _, c := range oddUserRecords {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSlackAPI(t)
			for i := range 250 {
				s.fake.AddUser(slacktest.User{ID: fmt.Sprintf("U%05d", i), Name: fmt.Sprint(i), Email: fmt.Sprintf("person%d@example.com", i),
					Deleted: i == 7, IsBot: i == 8, Extra: c.extra, ProfileExtra: c.profile})
			}
			email, err := bot.SlackUsers{API: s.SlackAPI}.EmailOf(t.Context(), "U00001")
			if err != nil || email != "person1@example.com" {
				t.Errorf("users.info: %q, %v", email, err)
			}
			// Someone who has left, whose email Slack holds, is looked up
			// (TestAuthorWhoLeftSlackIsLookedUp); a bot has no email.
			if email, err := (bot.SlackUsers{API: s.SlackAPI}).EmailOf(t.Context(), "U00007"); err != nil || email != "person7@example.com" {
				t.Errorf("users.info of a deleted user: %q, %v", email, err)
			}
			if _, err := (bot.SlackUsers{API: s.SlackAPI}).EmailOf(t.Context(), "U00008"); !errors.Is(err, bot.ErrSlackUserNoEmail) {
				t.Errorf("users.info of a bot: %v, want no email", err)
			}
			id, err := bot.SlackPeople{API: s.SlackAPI}.SlackUserByEmail(t.Context(), "person2@example.com")
			if err != nil || id != "U00002" {
				t.Errorf("users.lookupByEmail: %q, %v", id, err)
			}
			if _, err := (bot.SlackPeople{API: s.SlackAPI}).SlackUserByEmail(t.Context(), "person8@example.com"); !errors.Is(err, nudge.ErrNoSlackUser) {
				t.Errorf("users.lookupByEmail of a bot: %v, want no Slack user", err)
			}
			got, err := bot.SlackPeople{API: s.SlackAPI}.SlackUsers(t.Context())
			if err != nil || len(got) != 248 || got["person249@example.com"] != "U00249" || got["person7@example.com"] != "" || got["person8@example.com"] != "" {
				t.Errorf("users.list: %d people, %v", len(got), err)
			}
			if n := len(s.fake.Calls("users.list")); n != 2 {
				t.Errorf("%d users.list calls, want 2 pages", n)
			}
		})
	}
}

// TestSlackUserFieldsTheBotReadsAreNotGuessed: a user record whose own
// fields the bot reads are of another type is still refused, not read as
// an active person.
func TestSlackUserFieldsTheBotReadsAreNotGuessed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name           string
		extra, profile map[string]any
	}{
		{"deleted as a string", map[string]any{"deleted": "true"}, nil},
		{"is_bot as a number", map[string]any{"is_bot": 1}, nil},
		{"an email as a number", nil, map[string]any{"email": 7}},
		{"a profile that is not an object", map[string]any{"profile": "x"}, nil},
	} {
		s := newSlackAPI(t)
		s.fake.AddUser(slacktest.User{ID: "U00001", Email: "person1@example.com", Extra: c.extra, ProfileExtra: c.profile})
		if email, err := (bot.SlackUsers{API: s.SlackAPI}).EmailOf(t.Context(), "U00001"); err == nil {
			t.Errorf("%s: users.info read as %q", c.name, email)
		}
		if got, err := (bot.SlackPeople{API: s.SlackAPI}).SlackUsers(t.Context()); err == nil {
			t.Errorf("%s: users.list read as %v", c.name, got)
		}
	}
}

// TestSlackAnswerSlackGoCannotDecodeIsNotARefusal: a 200 answer slack-go
// cannot decode (a proxy's HTML page, an empty or cut body, a field of
// another type than slack-go's) is no answer from Slack, not a refusal:
// before, each was ErrSlackRefused and logged as "slack refused the call:
// json: ...", sending an operator to look for what Slack refused. Nothing
// of the body reaches the error.
func TestSlackAnswerSlackGoCannotDecodeIsNotARefusal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, method, body string }{
		{"a proxy's HTML page", "users.info", "<html><body>proxy page SECRETWORD</body></html>"},
		{"an empty body", "users.info", ""},
		{"a cut answer", "users.info", `{"ok":true,"user":{"id":"U0ADA","profile":{"email":"SECRETWORD@exa`},
		{"a field of another type", "users.info", `{"ok":true,"user":{"id":"U0ADA","deleted":"SECRETWORD","profile":{"email":"ada@example.com"}}}`},
		{"a number of another type", "users.info", `{"ok":true,"user":{"id":"U0ADA","is_bot":424242,"profile":{"email":"ada@example.com"}}}`},
		{"a proxy's page for a post", "chat.postEphemeral", "<html>SECRETWORD</html>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			api := newSlackAPI(t)
			api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
			api.fake.FailMethodBody(c.method, 5, c.body)
			var err error
			if c.method == "users.info" {
				_, err = bot.SlackUsers{API: api.SlackAPI}.EmailOf(t.Context(), "U0ADA")
			} else {
				_, err = bot.SlackEphemeral{API: api.SlackAPI}.PostEphemeralContext(t.Context(), "C1", "U1", slack.MsgOptionText("hi", false))
			}
			if errors.Is(err, bot.ErrSlackRefused) || !errors.Is(err, bot.ErrSlackUnavailable) {
				t.Errorf("error %v: want ErrSlackUnavailable, not ErrSlackRefused", err)
			}
			if err == nil {
				return
			}
			if msg := err.Error(); !strings.Contains(msg, "answer could not be read") || strings.Contains(msg, "SECRETWORD") ||
				strings.Contains(msg, "424242") || strings.Contains(msg, "<") || strings.Contains(msg, "refused") {
				t.Errorf("error %q does not say the answer could not be read, or echoes it", msg)
			}
			if n := api.rejections(); n != 0 {
				t.Errorf("OnTokenRejected called %d times", n)
			}
		})
	}
}
