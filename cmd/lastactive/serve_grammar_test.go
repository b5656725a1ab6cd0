package main

import (
	"cmp"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// grammarVariant is one command text as a person types it (what demo
// reads) and as Slack delivers it in a slash_commands envelope (typed
// brackets come as &lt; &gt;).
type grammarVariant struct {
	name   string
	typed  string // demo's text
	slack  string // the envelope's text; "" = typed
	report bool   // a report: its result may replace a "running" message
	user   string // who asks through serve; "" = demoUser
}

// servedVariants: the slash command forms that TestDemo* and the bot's
// grammar tests check through demo, sent through serve.
var servedVariants = []grammarVariant{
	{name: "plain", typed: "ada@example.com"},
	{name: "mention", typed: "<@U0ADA>"},
	{name: "mention with name", typed: "<@U0GRACE|grace>"},
	{name: "mention and address", typed: "<@U0ADA> alan@example.com"},
	{name: "mailto in capitals", typed: "<mailto:ADA@EXAMPLE.COM|ADA@EXAMPLE.COM>"},
	{name: "upper case", typed: "ADA@EXAMPLE.COM"},
	{name: "spaces", typed: "ada@example.com grace@example.com alan@example.com"},
	{name: "commas", typed: "ada@example.com,grace@example.com, alan@example.com"},
	{name: "newlines", typed: "ada@example.com\ngrace@example.com\r\nalan@example.com"},
	{name: "no-break spaces", typed: "ada@example.com\u00a0grace@example.com\u202falan@example.com"},
	{name: "fresh before", typed: "--fresh ada@example.com"},
	{name: "fresh after", typed: "ada@example.com --fresh"},
	{name: "em dash fresh", typed: "ada@example.com \u2014fresh"},
	{name: "en dash fresh", typed: "ada@example.com \u2013fresh"},
	{name: "zero-width inside", typed: "ada\u200b@example.com"},
	{name: "zero-width around", typed: "\u200bada@example.com\ufeff \u2060grace@example.com\u200d"},
	{name: "full-width at", typed: "ada\uff20example.com"},
	{name: "display name and brackets", typed: "Ada Lovelace <ada@example.com>", slack: "Ada Lovelace &lt;ada@example.com&gt;"},
	{name: "more than ten", typed: strings.Repeat("ada@example.com grace@example.com ", 5) + "alan@example.com katherine@example.com"},
	{name: "eleven distinct", typed: "ada@example.com grace@example.com alan@example.com katherine@example.com margaret@example.com dennis@example.com sam@example.com tim@example.org edsger@example.com ken@example.com hedy@example.com"},
	{name: "not found", typed: "nobody@example.com"},
	{name: "several accounts", typed: "sam@example.com"},
	{name: "unicode domain", typed: "ada@ex\u00e4mple.com"},
	{name: "not an address", typed: "ada"},
	{name: "idle", typed: "idle", report: true, user: "U0IDLE1"},
	{name: "idle days product", typed: "idle 30 confluence", report: true, user: "U0IDLE2"},
	{name: "exempt", typed: "exempt ada@example.com jira-software until 2099-01-01 on leave"},
	{name: "exempt list", typed: "exempt list"},
	{name: "exempt remove", typed: "exempt remove ADA@EXAMPLE.COM jira-software"},
	{name: "exempt bad product", typed: "exempt ada@example.com jira-sofware on leave"},
	{name: "audit", typed: "audit <@U0GRACE>"},
	{name: "help", typed: "help"},
}

// TestServeAnswersTheGrammarAsDemoDoes: every command form checked through
// demo is answered the same through serve, from a slash_commands envelope
// over Socket Mode: the same people resolved, the same refusals, and a
// mention is read with users.info.
func TestServeAnswersTheGrammarAsDemoDoes(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for id, email := range demoUsers(f.org) {
		f.slack.AddUser(slacktest.User{ID: id, Name: strings.ToLower(strings.TrimPrefix(id, "U0")), Email: email})
	}
	// As demo runs: without Jira, its asker a report user.
	cmd, base, logs := serveProcess(t, f.env("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN",
		"LASTACTIVE_REPORT_USERS="+demoUser+",U0IDLE1,U0IDLE2", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })

	var session strings.Builder
	for _, v := range servedVariants {
		if !strings.ContainsAny(v.typed, "\r\n") {
			session.WriteString(v.typed + "\n")
		}
	}
	demo := runBinary(t, f.env("LASTACTIVE_DATABASE_URL"), session.String(), "demo")
	if demo.code != 0 {
		t.Fatalf("demo: exit %d\n%s", demo.code, demo.stderr)
	}
	demoAnswers := splitDemoSession(demo.stdout)

	for _, v := range servedVariants {
		text := v.slack
		if text == "" {
			text = v.typed
		}
		user := cmp.Or(v.user, demoUser)
		rs := askFinal(t, f.slack, user, text)
		got := comparable(servedText(t, rs[len(rs)-1]))
		want, ok := demoAnswers[v.typed]
		if !ok {
			r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL"), "", "demo", v.typed)
			want = r.stdout
		}
		want = comparable(want)
		if v.report {
			// A report: demo prints its "running" message before the
			// result, serve replaces it; only serve can send the CSV.
			got, want = reportResult(got), reportResult(want)
		}
		if got != want {
			t.Errorf("%s (%q):\nserve:\n%s\ndemo:\n%s", v.name, text, got, want)
		}
	}
	// Each mentioned person was read from Slack (once: serve keeps a
	// profile for a while).
	read := map[string]bool{}
	for _, c := range f.slack.Calls("users.info") {
		read[c.Params.Get("user")] = true
	}
	for _, id := range []string{"U0ADA", "U0GRACE"} {
		if !read[id] {
			t.Errorf("<@%s> was answered without users.info %s", id, id)
		}
	}
	stop(t, cmd, logs)
}

// askFinal sends one slash command and waits for its answer: a reply
// that is not a report's "running" message, which the result replaces.
func askFinal(t *testing.T, s *slacktest.Server, user, text string) []slacktest.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env, err := s.SlashCommandConnected(ctx, slacktest.Command{UserID: user, ChannelID: "C1", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	var rs []slacktest.Reply
	err = s.Wait(ctx, func() bool {
		rs = s.Replies(env.ID)
		return len(rs) > 0 && !strings.Contains(servedText(t, rs[len(rs)-1]), "Report running")
	})
	if err != nil {
		t.Fatalf("%q: no answer: %v (replies: %d)", text, err, len(rs))
	}
	return rs
}

// servedText renders a reply as demo prints it.
func servedText(t *testing.T, r slacktest.Reply) string {
	t.Helper()
	var blocks slack.Blocks
	if len(r.Blocks) > 0 {
		if err := json.Unmarshal(r.Blocks, &blocks); err != nil {
			t.Fatalf("reply blocks: %v", err)
		}
	}
	return renderText(bot.Message{Text: r.Text, Blocks: blocks.BlockSet})
}

// splitDemoSession maps each line of a demo session to its answer.
func splitDemoSession(out string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split("\n"+out, "\n> /lastactive ")[1:] {
		line, answer, _ := strings.Cut(part, "\n")
		m[line] = answer
	}
	return m
}

var (
	clockRE  = regexp.MustCompile(`\d\d:\d\d(:\d\d)?`)
	cachedRE = regexp.MustCompile(` · cached [^)\n]*`)
)

// comparable drops what differs between two runs at different moments.
func comparable(s string) string {
	s = clockRE.ReplaceAllString(s, "HH:MM")
	s = cachedRE.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// reportResult is a report's answer from its heading on, without the line
// that says where the full list went.
func reportResult(s string) string {
	if i := strings.Index(s, "Idle seats:"); i >= 0 {
		s = s[i:]
	}
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "The full list") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestServeWithJiraFindsWhomDemoFinds: with Jira configured, as most
// deployments run, serve finds the same people for each lookup form as
// demo (which finds them through the Admin API alone), and refuses the
// same texts.
func TestServeWithJiraFindsWhomDemoFinds(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for id, email := range demoUsers(f.org) {
		f.slack.AddUser(slacktest.User{ID: id, Name: strings.ToLower(strings.TrimPrefix(id, "U0")), Email: email})
	}
	cmd, base, logs := serveProcess(t, f.env())
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	for _, v := range servedVariants {
		if v.report || v.typed == "help" || strings.HasPrefix(v.typed, "exempt") || strings.HasPrefix(v.typed, "audit") {
			continue // no lookup: TestServeAnswersTheGrammarAsDemoDoes
		}
		text := cmp.Or(v.slack, v.typed)
		rs := askFinal(t, f.slack, "U1", text)
		got := whoAndRefusals(servedText(t, rs[len(rs)-1]))
		want := whoAndRefusals(runBinary(t, f.env("LASTACTIVE_DATABASE_URL"), "", "demo", v.typed).stdout)
		if want == "" {
			t.Errorf("%s: demo's answer names nobody and refuses nothing", v.name)
		}
		if got != want {
			t.Errorf("%s (%q):\nserve with Jira:\n%s\ndemo:\n%s", v.name, text, got, want)
		}
	}
	stop(t, cmd, logs)
}

var personLineRE = regexp.MustCompile(`(?m)^(! .*|.* · [^\s@]+@[^\s@]+|.*not looked up.*)$`)

// whoAndRefusals keeps the lines of an answer that name whom it is about
// ("Ada Lovelace · ada@example.com") and its refusals ("! …").
func whoAndRefusals(s string) string {
	return strings.Join(personLineRE.FindAllString(s, -1), "\n")
}
