package slacktest_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"

	"lastactive/bot/slacktest"
)

func TestUsersInfo(t *testing.T) {
	t.Parallel()
	ada := slacktest.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", Email: "ada@example.com"}
	for _, tc := range []struct {
		name      string
		token     string
		revoked   bool
		user      string
		wantErr   string
		wantToken bool
	}{
		{name: "known user", token: slacktest.BotToken, user: "U1", wantToken: true},
		{name: "unknown user", token: slacktest.BotToken, user: "U404", wantErr: "user_not_found", wantToken: true},
		{name: "wrong token", token: "xoxb-wrong", user: "U1", wantErr: "invalid_auth"},
		{name: "revoked token", token: slacktest.BotToken, revoked: true, user: "U1", wantErr: "invalid_auth"},
		{name: "app token", token: slacktest.AppToken, user: "U1", wantErr: "not_allowed_token_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			s.AddUser(ada)
			s.SetBotTokenValid(!tc.revoked)
			ctx := testContext(t)

			u, err := webClient(s, tc.token).GetUserInfoContext(ctx, tc.user)
			switch {
			case tc.wantErr != "":
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("error = %v, want %s", err, tc.wantErr)
				}
			case err != nil:
				t.Fatalf("users.info: %v", err)
			case u.ID != "U1" || u.Profile.Email != "ada@example.com" || u.RealName != "Ada Lovelace" || u.IsBot || u.Deleted:
				t.Errorf("user = %+v", u)
			}

			calls := s.Calls("users.info")
			if len(calls) != 1 {
				t.Fatalf("%d calls recorded, want 1", len(calls))
			}
			c := calls[0]
			if c.TokenOK != tc.wantToken || c.Params.Get("user") != tc.user || c.Params.Get("token") != "REDACTED" {
				t.Errorf("call = %+v", c)
			}
		})
	}
}

func TestAuthTestAndLookupByEmail(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddUser(slacktest.User{ID: "U1", Name: "ada", Email: "ada@example.com"})
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)

	auth, err := api.AuthTestContext(ctx)
	if err != nil || auth.UserID != slacktest.BotUserID || auth.TeamID != slacktest.TeamID {
		t.Errorf("auth.test = %+v, %v", auth, err)
	}
	u, err := api.GetUserByEmailContext(ctx, "ADA@example.com")
	if err != nil || u.ID != "U1" {
		t.Errorf("users.lookupByEmail = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmailContext(ctx, "bob@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("unknown email: %v, want users_not_found", err)
	}
}

func TestPostMessages(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*hi*", false, false), nil, nil))

	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("hi", false), blocks); err != nil {
		t.Fatalf("chat.postEphemeral: %v", err)
	}
	ch, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("shared", false))
	if err != nil || ch != "C1" || ts == "" {
		t.Fatalf("chat.postMessage = %q, %q, %v", ch, ts, err)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1"); err == nil || err.Error() != "no_text" {
		t.Errorf("empty message: %v, want no_text", err)
	}

	eph := s.Calls("chat.postEphemeral")
	if len(eph) != 2 || eph[0].Params.Get("user") != "U1" || eph[0].Params.Get("text") != "hi" ||
		!strings.Contains(eph[0].Params.Get("blocks"), `"*hi*"`) {
		t.Errorf("chat.postEphemeral calls = %+v", eph)
	}
	if msg := s.Calls("chat.postMessage"); len(msg) != 1 || msg[0].Params.Get("text") != "shared" {
		t.Errorf("chat.postMessage calls = %+v", msg)
	}
	if n := len(s.Calls("")); n != 3 {
		t.Errorf("%d calls in all, want 3", n)
	}
}

func TestFailMethod(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.AddUser(slacktest.User{ID: "U1", Email: "ada@example.com"})
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)

	s.FailMethod("users.info", 1, http.StatusTooManyRequests, "7")
	_, err := api.GetUserInfoContext(ctx, "U1")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("first call: %v, want a rate limit of 7s", err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U1"); err != nil {
		t.Errorf("second call: %v", err)
	}

	s.FailMethod("users.info", 1, http.StatusInternalServerError, "")
	var sc slack.StatusCodeError
	if _, err := api.GetUserInfoContext(ctx, "U1"); !errors.As(err, &sc) || sc.Code != http.StatusInternalServerError {
		t.Errorf("after FailMethod 500: %v", err)
	}

	s.FailMethodError("chat.postEphemeral", 1, "missing_scope")
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("x", false)); err == nil || err.Error() != "missing_scope" {
		t.Errorf("after FailMethodError: %v, want missing_scope", err)
	}

	var statuses []int
	for _, c := range s.Calls("users.info") {
		statuses = append(statuses, c.Status)
	}
	if fmt.Sprint(statuses) != "[429 200 500]" {
		t.Errorf("recorded statuses %v", statuses)
	}
}

func TestUploadFlow(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)

	dm, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || dm.ID != "D1" {
		t.Fatalf("conversations.open = %+v, %v; want D1", dm, err)
	}

	const csv = "email,product,last_active\nada@example.com,jira-software,2026-01-02\n"
	f, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
		Content: csv, FileSize: len(csv), Filename: "idle.csv", Title: "Idle seats",
		Channel: dm.ID, InitialComment: "Your report",
	})
	if err != nil {
		t.Fatalf("UploadFileContext: %v", err)
	}
	ups := s.Uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads, want 1", len(ups))
	}
	u := ups[0]
	if u.FileID != f.ID || u.Filename != "idle.csv" || u.Title != "Idle seats" || u.ChannelID != "D1" ||
		u.InitialComment != "Your report" || string(u.Content) != csv || !u.Uploaded || !u.Completed {
		t.Errorf("upload = %+v", u)
	}
	if c := s.Calls("files.getUploadURLExternal"); len(c) != 1 || c[0].Params.Get("length") != fmt.Sprint(len(csv)) {
		t.Errorf("files.getUploadURLExternal calls = %+v", c)
	}

	t.Run("declared size differs", func(t *testing.T) {
		_, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
			Content: csv, FileSize: len(csv) + 1, Filename: "idle.csv", Channel: dm.ID,
		})
		if err == nil {
			t.Error("upload with a wrong size succeeded")
		}
	})
	t.Run("complete before upload", func(t *testing.T) {
		u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "x.csv", FileSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files: []slack.FileSummary{{ID: u.FileID}}, Channel: "D1",
		})
		if err == nil || err.Error() != "file_not_found" {
			t.Errorf("complete without bytes: %v, want file_not_found", err)
		}
	})
}

// slashEnvelope returns an envelope for response_url tests; no client reads it.
func slashEnvelope(t *testing.T, s *slacktest.Server) *slacktest.Envelope {
	t.Helper()
	ctx := testContext(t)
	ws, _ := rawConn(ctx, t, s)
	readFrame(t, ws)
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestResponseURLUses(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := slashEnvelope(t, s)
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)

	for i := 1; i <= 6; i++ {
		_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(env.ResponseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText(fmt.Sprint("reply ", i), false), slack.MsgOptionReplaceOriginal(env.ResponseURL))
		var sc slack.StatusCodeError
		switch {
		case i <= slacktest.MaxResponseURLUses && err != nil:
			t.Fatalf("use %d: %v", i, err)
		case i > slacktest.MaxResponseURLUses && (!errors.As(err, &sc) || sc.Code != http.StatusNotFound):
			t.Errorf("use %d: %v, want 404", i, err)
		}
	}
	if got := s.Replies(env.ID); len(got) != 5 || got[4].Text != "reply 5" || !got[0].ReplaceOriginal {
		t.Errorf("replies = %+v, want 5 replacing the original", got)
	}
	att := s.ResponseAttempts(env.ID)
	if len(att) != 6 || att[5].Status != http.StatusNotFound || att[5].Error != "used_url" {
		t.Errorf("attempts = %+v, want the 6th refused", att)
	}
}

func TestResponseURLFailures(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := slashEnvelope(t, s)
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)
	post := func() error {
		_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(env.ResponseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText("hi", false))
		return err
	}

	s.FailResponseURL(2, http.StatusInternalServerError)
	for i := range 2 {
		var sc slack.StatusCodeError
		if err := post(); !errors.As(err, &sc) || sc.Code != http.StatusInternalServerError {
			t.Errorf("attempt %d: %v, want 500", i, err)
		}
	}
	if err := post(); err != nil {
		t.Fatalf("after the failures: %v", err)
	}
	if n := len(s.Replies(env.ID)); n != 1 {
		t.Errorf("%d replies, want 1: failed attempts are not replies", n)
	}
	if n := len(s.ResponseAttempts(env.ID)); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestResponseURLBodies(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	env := slashEnvelope(t, s)
	for _, tc := range []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantReplace bool
	}{
		{"string booleans", "application/json", `{"text":"a","response_type":"in_channel","replace_original":"true"}`, 200, true},
		{"json booleans", "application/json", `{"text":"a","replace_original":true,"delete_original":false}`, 200, true},
		{"not a boolean", "application/json", `{"text":"a","replace_original":"yes"}`, 400, false},
		{"bad response type", "application/json", `{"text":"a","response_type":"public"}`, 400, false},
		{"not json", "text/plain", `text=a`, 400, false},
		{"empty message", "application/json", `{}`, 400, false},
		{"blocks without type", "application/json", `{"blocks":[{"text":"x"}]}`, 400, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Replies(env.ID))
			resp, err := http.Post(env.ResponseURL, tc.contentType, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || resp.Header.Get("Content-Type") == "" {
				t.Errorf("status %d, content type %q; want %d with a content type", resp.StatusCode, resp.Header.Get("Content-Type"), tc.wantStatus)
			}
			replies := s.Replies(env.ID)
			if accepted := len(replies) > before; accepted != (tc.wantStatus == 200) {
				t.Fatalf("accepted = %v, want %v", accepted, tc.wantStatus == 200)
			}
			if tc.wantStatus == 200 && replies[len(replies)-1].ReplaceOriginal != tc.wantReplace {
				t.Errorf("reply = %+v, want replace_original %v", replies[len(replies)-1], tc.wantReplace)
			}
		})
	}

	resp, err := http.Post(s.URL()+"/response/no-such-envelope", "application/json", strings.NewReader(`{"text":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown response_url: %d, want 404", resp.StatusCode)
	}
}

// TestSecretsStayOut runs calls with right and wrong tokens and checks that no
// token or ticket reaches the log or the recorded calls.
func TestSecretsStayOut(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		log bytes.Buffer
	)
	s := slacktest.NewServer(slacktest.WithLogf(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&log, format+"\n", args...)
	}))
	t.Cleanup(s.Close)
	ctx := testContext(t)
	const wrongBot, wrongApp = "xoxb-secret-wrong-bot", "xapp-secret-wrong-app"

	_, wsURL := rawConn(ctx, t, s)
	ticket := wsURL[strings.Index(wsURL, "ticket=")+len("ticket="):]
	ticket, _, _ = strings.Cut(ticket, "&")
	if ws, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil); err == nil { // reused ticket: refused and logged
		ws.Close()
		t.Error("reused ticket accepted")
	}
	_, _ = webClient(s, wrongBot).AuthTestContext(ctx)
	_, _ = webClient(s, slacktest.BotToken).GetUserInfoContext(ctx, "U404")
	_, _, _ = slack.New("", slack.OptionAppLevelToken(wrongApp), slack.OptionAPIURL(s.APIURL())).StartSocketModeContext(ctx)

	mu.Lock()
	logged := log.String()
	mu.Unlock()
	recorded := fmt.Sprintf("%+v", s.Calls(""))
	for _, secret := range []string{slacktest.BotToken, slacktest.AppToken, wrongBot, wrongApp, ticket} {
		if strings.Contains(logged, secret) {
			t.Errorf("log contains %q:\n%s", secret, logged)
		}
		if strings.Contains(recorded, secret) {
			t.Errorf("recorded calls contain %q: %s", secret, recorded)
		}
	}
	if !strings.Contains(logged, "invalid_auth") {
		t.Errorf("log does not mention the refused token:\n%s", logged)
	}
}

// TestUsersList: users.list pages the members by cursor at the limit asked
// for, ends with an empty cursor, refuses a cursor it did not hand out and
// a wrong token, and records each call with its cursor.
func TestUsersList(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	const n = 5
	for i := range n {
		s.AddUser(slacktest.User{ID: fmt.Sprintf("U%02d", i), Name: fmt.Sprint(i), Email: fmt.Sprintf("p%d@example.com", i), Deleted: i == 3})
	}
	ctx := testContext(t)
	api := webClient(s, slacktest.BotToken)

	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(2))
	var ids []string
	var cursors []string
	for {
		var err error
		if p, err = p.Next(ctx); err != nil {
			if p.Done(err) {
				break
			}
			t.Fatalf("users.list: %v", err)
		}
		for _, u := range p.Users {
			ids = append(ids, u.ID)
			if u.Profile.Email == "" || u.Deleted != (u.ID == "U03") {
				t.Errorf("member %+v", u)
			}
		}
		cursors = append(cursors, p.Cursor)
	}
	if got := strings.Join(ids, " "); got != "U00 U01 U02 U03 U04" {
		t.Errorf("members = %s", got)
	}
	calls := s.Calls("users.list")
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3 (pages of 2)", len(calls))
	}
	for i, c := range calls {
		want := ""
		if i > 0 {
			want = cursors[i-1]
		}
		if !c.TokenOK || c.Params.Get("limit") != "2" || c.Params.Get("cursor") != want || c.Error != "" {
			t.Errorf("call %d = %+v, want cursor %q", i, c, want)
		}
	}
	if cursors[len(cursors)-1] != "" {
		t.Errorf("last page has cursor %q", cursors[len(cursors)-1])
	}

	if _, err := api.GetUsersPaginated(slack.GetUsersOptionCursor("dXNlcjp1MDE=")).Next(ctx); err == nil || err.Error() != "invalid_cursor" {
		t.Errorf("invented cursor: %v, want invalid_cursor", err)
	}
	if _, err := webClient(s, "xoxb-wrong").GetUsersPaginated().Next(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v, want invalid_auth", err)
	}
	if all, err := api.GetUsersContext(ctx, slack.GetUsersOptionLimit(maxPage)); err != nil || len(all) != n {
		t.Errorf("one page of %d: %d members, %v", maxPage, len(all), err)
	}
}

const maxPage = 1000
