package bot_test

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestMissingScopeNamesTheScope: Slack's missing_scope answer says which
// scope the method needed ("needed") and which the token has
// ("provided"); the asker's reply and the log name the one to add, so the
// admin need not guess among the app's scopes.
func TestMissingScopeNamesTheScope(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	api.fake.FailMethodDetail("users.info", 1, "missing_scope", map[string]any{
		"needed": "users:read.email", "provided": "chat:write,commands,users:read",
	})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})
	r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
	got := messageText(t, r.Message)
	if !strings.Contains(got, "users:read.email") {
		t.Errorf("the reply does not name the scope to add:\n%s", got)
	}
	if len(r.People) != 1 || r.People[0].Err == nil || !strings.Contains(r.People[0].Err.Error(), "users:read.email") {
		t.Errorf("the error, which the log prints, does not name the scope: %+v", r.People)
	}
}

// TestMissingScopeIgnoresWhatIsNoScope: a "needed" that is not a list of
// scope names (a proxy echoing the token) is
// never repeated; the reply still says a scope is missing.
func TestMissingScopeIgnoresWhatIsNoScope(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	api.fake.FailMethodDetail("users.info", 1, "missing_scope", map[string]any{
		"needed": slacktest.BotToken,
	})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})
	r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
	got := messageText(t, r.Message)
	if !strings.Contains(got, "scope") {
		t.Errorf("the reply does not say a scope is missing:\n%s", got)
	}
	if strings.Contains(got, slacktest.BotToken) || (len(r.People) == 1 && r.People[0].Err != nil && strings.Contains(r.People[0].Err.Error(), slacktest.BotToken)) {
		t.Errorf("the token reached the reply or the error")
	}
}

// TestSlackMessagesKeepOnlySlacksWords: of response_metadata.messages,
// the error (and so the log) keeps what has the shape of Slack's words and
// block pointers, never a message that echoes the request or the token.
func TestSlackMessagesKeepOnlySlacksWords(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.FailMethodDetail("chat.postEphemeral", 1, "invalid_arguments", map[string]any{
		"response_metadata": map[string]any{"messages": []string{
			"[ERROR] missing required field: user [json-pointer:/user]",
			"token=" + slacktest.BotToken,
			slacktest.BotToken,
		}},
	})
	_, err := bot.SlackEphemeral{API: api.SlackAPI}.PostEphemeralContext(context.Background(), "C1", "U1", slack.MsgOptionText("hi", false))
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "[json-pointer:/user]") {
		t.Errorf("error %q lacks Slack's message", err)
	}
	if strings.Contains(err.Error(), slacktest.BotToken) {
		t.Errorf("error %q repeats the token", err)
	}
}

// TestSlackFailuresAreCountedByCall: every Slack Web API call that fails
// (after its retries) is counted in lastactive_slack_api_failures_total by
// method and kind, so an operator sees which call breaks and why without
// reading the logs.
func TestSlackFailuresAreCountedByCall(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	reg := prometheus.NewRegistry()
	api.Metrics = bot.NewMetrics(reg)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	ctx := context.Background()
	users := bot.SlackUsers{API: api.SlackAPI}
	eph := bot.SlackEphemeral{API: api.SlackAPI}

	api.fake.FailMethodError("users.info", 1, "missing_scope")
	users.EmailOf(ctx, "U0ADA")
	api.fake.FailMethod("users.info", 1, http.StatusTooManyRequests, "86400") // past the budget: fails at once
	users.EmailOf(ctx, "U0ADA")
	api.fake.FailMethodError("chat.postEphemeral", 1, "channel_not_found")
	eph.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("hi", false))
	api.fake.SetBotTokenValid(false)
	eph.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("hi", false))
	api.fake.SetBotTokenValid(true)
	api.clock.At = time.Now().Add(2 * time.Minute)         // past the 429's shared minute
	if _, err := users.EmailOf(ctx, "U0ADA"); err != nil { // a success counts nothing
		t.Fatal(err)
	}

	want := map[string]float64{
		"users.info/missing_scope":          1,
		"users.info/rate_limited":           1,
		"chat.postEphemeral/refused":        1,
		"chat.postEphemeral/token_rejected": 1,
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "lastactive_slack_api_failures_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["method"]+"/"+labels["kind"]] += m.GetCounter().GetValue()
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("lastactive_slack_api_failures_total = %v, want %v", got, want)
	}
}

// TestDigestPostFallsBackToText: a channel post (the seat digest) whose
// blocks Slack refuses (invalid_blocks, as Slack answers for a chart image
// it has not finished processing) is posted again as its text alone: Slack
// posted nothing, so nothing is posted twice, and the week's digest is not
// lost for one block.
func TestDigestPostFallsBackToText(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.FailMethodDetail("chat.postMessage", 1, "invalid_blocks", map[string]any{
		"response_metadata": map[string]any{"messages": []string{"[ERROR] invalid slack_file [json-pointer:/blocks/3/slack_file]"}},
	})
	m := bot.Message{Text: "Seat digest: 12 idle seats", Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Seat digest*", false, false), nil, nil),
	}}
	if err := (bot.SlackChat{API: api.SlackAPI}).PostMessage(context.Background(), "C0DIGEST", m); err != nil {
		t.Fatalf("PostMessage = %v, want the text posted", err)
	}
	got := api.fake.Messages("C0DIGEST")
	if len(got) != 1 || got[0].Text != m.Text || len(got[0].Blocks) != 0 {
		t.Fatalf("posted %+v, want the text alone once", got)
	}
	if !strings.Contains(api.logs.String(), "json-pointer:/blocks/3/slack_file") {
		t.Errorf("the log does not say which block Slack refused:\n%s", api.logs.String())
	}
}

// TestDigestPostRefusedForItsChartKeepsTheRest: Slack refuses a message
// for an image block whose uploaded chart it has not finished processing
// (invalid_blocks, pointing at the slack_file). The digest posted again
// as its text alone was a line of totals: the counts per product and
// site, the cost and the Full list button, all that the contract gives
// the digest beyond its chart, were lost for the week. The post is now
// tried again without the image first; the text alone is the last resort.
func TestDigestPostRefusedForItsChartKeepsTheRest(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.FailMethodDetail("chat.postMessage", 1, "invalid_blocks", map[string]any{
		"response_metadata": map[string]any{"messages": []string{"[ERROR] invalid slack_file [json-pointer:/blocks/1/slack_file]"}},
	})
	m := bot.Message{Text: "Seat digest: 12 idle seats", Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*By product and site*", false, false), nil, nil, slack.SectionBlockOptionBlockID("digest_groups")),
		slack.NewImageBlockSlackFile(&slack.SlackFileObject{ID: "F0CHART"}, "chart", "digest_chart", nil),
	}}
	if err := (bot.SlackChat{API: api.SlackAPI}).PostMessage(context.Background(), "C0DIGEST", m); err != nil {
		t.Fatalf("PostMessage = %v, want the digest posted", err)
	}
	got := api.fake.Messages("C0DIGEST")
	if len(got) != 1 {
		t.Fatalf("posted %d messages, want 1", len(got))
	}
	var ids []string
	for _, b := range got[0].Blocks {
		id, _ := b["block_id"].(string)
		ids = append(ids, id)
	}
	if strings.Join(ids, ",") != "digest_groups" {
		t.Errorf("posted blocks %v, want the digest without its chart (digest_groups)", ids)
	}
}
