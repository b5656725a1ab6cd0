package bot

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// FuzzSlackErrorText: whatever Slack (or a proxy in its place) puts in an
// error answer, its code, missing_scope's "needed" and the messages of
// response_metadata, the SlackError made of it never repeats a token the
// answer echoed, and stays short: it goes to logs and replies.
func FuzzSlackErrorText(f *testing.F) {
	f.Add("invalid_blocks", "", "[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]", "xoxb-1-2-abc", 0)
	f.Add("missing_scope", "users:read.email", "", "xoxp-9-token", 1)
	f.Add("token=%s", "chat:write,%s", "echo %s", "xapp-1-A1-2-ff", 2)
	f.Add("invalid_auth", "", "Bearer %s [json-pointer:/x]", "xoxb-7", 3)
	f.Fuzz(func(t *testing.T, code, needed, msg, token string, where int) {
		if len(token) < 6 || !strings.Contains(token, "-") || strings.Contains("slack app lacks a scope unreadable_error_code", token) {
			t.Skip() // Slack's tokens are long and dashed
		}
		// The token goes in one of the three fields, where the fuzzer says.
		fields := []*string{&code, &needed, &msg}
		p := fields[(where%3+3)%3]
		if strings.Contains(*p, "%s") {
			*p = strings.Replace(*p, "%s", token, 1)
		} else {
			*p += token
		}
		resp := slack.SlackErrorResponse{Err: code, Needed: needed, ResponseMetadata: slack.ResponseMetadata{Messages: []string{msg, msg, msg, msg}}}
		se := classifySlack("chat.postMessage", resp)
		s := se.Error()
		if strings.Contains(s, token) {
			t.Fatalf("error %q repeats the token %q", s, token)
		}
		if len(se.Messages) > maxSlackMessages || len(s) > 2000 {
			t.Fatalf("error of %d bytes, %d messages", len(s), len(se.Messages))
		}
	})
}

// FuzzReplyError: a response_url's refusal names Slack's code when the
// answer is one (plain, or JSON's "error"), and repeats nothing else of the
// answer; blocks refused are told apart, so the reply is sent as its text,
// and so is a URL that is gone, so the reply goes another way.
func FuzzReplyError(f *testing.F) {
	for _, s := range []string{"invalid_blocks", `{"ok":false,"error":"invalid_blocks"}`, "no_text", "expired_url",
		`{"error":"token=xoxb-1-2"}`, "<html>502 Bad Gateway</html>", " used_url \n", `{"error":5}`, ""} {
		f.Add(400, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := replyError(status, body)
		if err == nil {
			t.Fatal("no error")
		}
		s := err.Error()
		head := "slack refused the reply"
		if status != http.StatusOK {
			head = fmt.Sprintf("slack answered %d", status)
		}
		rest, ok := strings.CutPrefix(s, head)
		if !ok {
			t.Fatalf("error %q", s)
		}
		rest = strings.TrimSuffix(strings.TrimSuffix(rest, ": "+ErrBlocksRefused.Error()), ": "+ErrReplyURLGone.Error())
		code := strings.TrimPrefix(rest, " ")
		if code != "" && !strings.Contains(string(body), code) {
			t.Fatalf("error %q names %q, not in the answer %q", s, code, body)
		}
		for _, c := range code {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
				t.Fatalf("error %q names %q, not a code", s, code)
			}
		}
		if errors.Is(err, ErrReplyURLGone) != urlGone(status, code) {
			t.Fatalf("error %q: URL gone %v", s, errors.Is(err, ErrReplyURLGone))
		}
		if errors.Is(err, ErrBlocksRefused) != (blocksRefused(code) && !urlGone(status, code)) {
			t.Fatalf("error %q: blocks refused %v", s, errors.Is(err, ErrBlocksRefused))
		}
	})
}
