package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// reference is what the least a bot answering /lastactive must do after
// the ack, written plainly: the same upstream calls as lastactive (Jira's
// user search, then every page of the Admin API's last-active dates) and
// one reply to response_url; a person named by Slack mention (<@U…>, the
// load tool's mention mix) is first read with users.info, through slack-go
// as a plain bot would, for their email. No cache, no coalescing, no limits, no
// checks, no metrics, no store: what the bot costs above it is what its
// features cost. It reads JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN,
// ATLASSIAN_API_URL, ATLASSIAN_ORG_ID, ATLASSIAN_API_KEY and SLACK_BOT_TOKEN,
// as the bot.
type reference struct {
	slack     *slack.Client // users.info, with the bot token
	http      *http.Client
	jira      string
	jiraAuth  string
	admin     string
	adminAuth string
	org       string
	slackHost string // response_url must be on it: a URL from a payload is not trusted
}

func newReference() *reference {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32 // as the bot's transport
	c := &http.Client{Transport: t, Timeout: 10 * time.Second}
	return &reference{
		slack: slack.New(os.Getenv("SLACK_BOT_TOKEN"), slack.OptionAPIURL(os.Getenv("SLACK_API_URL")),
			slack.OptionHTTPClient(c)),
		http:      c,
		jira:      strings.TrimRight(os.Getenv("JIRA_BASE_URL"), "/"),
		jiraAuth:  "Basic " + base64.StdEncoding.EncodeToString([]byte(os.Getenv("JIRA_EMAIL")+":"+os.Getenv("JIRA_API_TOKEN"))),
		admin:     strings.TrimRight(os.Getenv("ATLASSIAN_API_URL"), "/"),
		adminAuth: "Bearer " + os.Getenv("ATLASSIAN_API_KEY"),
		org:       os.Getenv("ATLASSIAN_ORG_ID"),
		slackHost: hostOf(os.Getenv("SLACK_API_URL")),
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// answer looks up the email of cmd and replies with what it found.
func (r *reference) answer(ctx context.Context, cmd slack.SlashCommand) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	text, err := r.lookup(ctx, r.email(ctx, strings.TrimSpace(cmd.Text)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "bare: reference lookup: %v\n", err)
		text = "failed"
	}
	// block_id person_0.answer is how the load tool tells an answer from
	// a failure (bot.PersonOutcomes), as it does for the bot's replies.
	body, _ := json.Marshal(map[string]any{
		"response_type": "ephemeral",
		"blocks": []any{map[string]any{
			"type": "section", "block_id": "person_0.answer",
			"text": map[string]string{"type": "mrkdwn", "text": text},
		}},
	})
	if h := hostOf(cmd.ResponseURL); h == "" || h != r.slackHost {
		fmt.Fprintf(os.Stderr, "bare: reference: response_url not on the Slack API's host; not replying\n")
		return
	}
	if _, err := r.do(ctx, http.MethodPost, cmd.ResponseURL, "", bytes.NewReader(body)); err != nil {
		fmt.Fprintf(os.Stderr, "bare: reference reply: %v\n", err)
	}
}

// email is what a command names: a mention's profile email, read with
// users.info, or the text itself. A mention whose profile cannot be read is
// left as it is, and found by nobody.
func (r *reference) email(ctx context.Context, text string) string {
	id, ok := strings.CutPrefix(text, "<@")
	if !ok || !strings.HasSuffix(id, ">") {
		return text
	}
	id, _, _ = strings.Cut(strings.TrimSuffix(id, ">"), "|")
	u, err := r.slack.GetUserInfoContext(ctx, id)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bare: reference users.info: %v\n", err)
		return text
	}
	return u.Profile.Email
}

func (r *reference) lookup(ctx context.Context, email string) (string, error) {
	b, err := r.do(ctx, http.MethodGet, r.jira+"/rest/api/3/user/search?query="+url.QueryEscape(email), r.jiraAuth, nil)
	if err != nil {
		return "", err
	}
	var users []struct {
		AccountID   string `json:"accountId"`
		Email       string `json:"emailAddress"`
		DisplayName string `json:"displayName"`
	}
	if err := json.Unmarshal(b, &users); err != nil {
		return "", err
	}
	var id, name string
	for _, u := range users {
		if strings.EqualFold(u.Email, email) {
			id, name = u.AccountID, u.DisplayName
		}
	}
	if id == "" {
		return "", fmt.Errorf("%s not found", email)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%s*", name)
	base := r.admin + "/admin/v1/orgs/" + url.PathEscape(r.org) + "/directory/users/" + url.PathEscape(id) + "/last-active-dates"
	for cursor := ""; ; {
		u := base
		if cursor != "" {
			u += "?" + url.Values{"cursor": {cursor}}.Encode()
		}
		b, err := r.do(ctx, http.MethodGet, u, r.adminAuth, nil)
		if err != nil {
			return "", err
		}
		var page struct {
			Data struct {
				Products []struct {
					Key        string `json:"key"`
					LastActive string `json:"last_active"`
				} `json:"product_access"`
			} `json:"data"`
			Links struct {
				Next string `json:"next"`
			} `json:"links"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return "", err
		}
		for _, p := range page.Data.Products {
			fmt.Fprintf(&sb, "\n%s: %s", p.Key, p.LastActive)
		}
		if page.Links.Next == "" {
			return sb.String(), nil
		}
		cursor = page.Links.Next
	}
}

func (r *reference) do(ctx context.Context, method, u, auth string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s", method, req.URL.Path, resp.Status)
	}
	return b, nil
}
