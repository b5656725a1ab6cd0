package atlassian

import (
	"strings"
	"testing"
)

func TestDecodeErrorBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		wantCode    string
		wantMessage string
	}{
		{"admin application error", `{"errors":[{"status":"404","code":"ADMIN-404-8","title":"User not found","detail":"No user"}]}`,
			"ADMIN-404-8", "User not found: No user"},
		{"gateway", `{"code":401,"message":"Unauthorized"}`, "", "Unauthorized"},
		{"jira messages", `{"errorMessages":["The query parameter 'username' is not supported"],"errors":{}}`,
			"", "The query parameter 'username' is not supported"},
		{"jira field errors", `{"errorMessages":[],"errors":{"query":"too long","accountId":"bad"}}`, "", "accountId: bad"},
		{"html", `<html><body>502 Bad Gateway</body></html>`, "", ""},
		{"empty", ``, "", ""},
		{"json array", `[1,2]`, "", ""},
		{"status as number", `{"errors":[{"status":404,"code":"ADMIN-404-2"}]}`, "ADMIN-404-2", ""},
		{"implausible code", `{"errors":[{"code":"<script>alert(1)</script>","title":"x"}]}`, "", "x"},
		{"string code at top", `{"code":"ADMIN-429-1","message":"slow down"}`, "ADMIN-429-1", "slow down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := decodeErrorBody([]byte(tt.body))
			if got.code != tt.wantCode || got.message != tt.wantMessage {
				t.Errorf("decodeErrorBody = {%q, %q}, want {%q, %q}", got.code, got.message, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	secrets := []string{"bot@x:tok", "tok"}
	tests := []struct{ name, in, want string }{
		{"plain", "Internal error", "Internal error"},
		{"secret", "bad key tok here", "bad key [redacted] here"},
		{"pair first", "auth bot@x:tok", "auth [redacted]"},
		{"controls", "line1\nline2\x00", "line1 line2"},
		{"one long word", strings.Repeat("é", 300), strings.Repeat("é", maxMessageRunes) + "…"},
		{"long text is cut between words", strings.Repeat("word ", 39) + "wordiest tail", strings.TrimSpace(strings.Repeat("word ", 39)) + "…"},
		{"cut lands on a space", strings.Repeat("abcd ", 40) + "tail", strings.TrimSpace(strings.Repeat("abcd ", 40)) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := summarize(tt.in, secrets); got != tt.want {
				t.Errorf("summarize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
