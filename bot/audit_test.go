package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// recordingSink is an AuditSink that keeps what it is given, or refuses.
type recordingSink struct {
	mu     sync.Mutex
	refuse bool
	got    []AuditEvent
}

var _ AuditSink = (*recordingSink)(nil)

func (r *recordingSink) Record(e AuditEvent) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse {
		return false
	}
	r.got = append(r.got, e)
	return true
}

// trailFunc is an AuditTrail from a function.
type trailFunc func(ctx context.Context, email string, since time.Time) ([]AuditEvent, error)

func (f trailFunc) Trail(ctx context.Context, email string, since time.Time) ([]AuditEvent, error) {
	return f(ctx, email, since)
}

func auditService(t *testing.T, sink AuditSink, trail AuditTrail, logs *bytes.Buffer) *Service {
	t.Helper()
	org := atlassiantest.SampleOrg(time.Now())
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	client, err := atlassian.New(atlassian.Config{
		JiraBaseURL: srv.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminBaseURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewService(ServiceConfig{
		Lookups: NewLookups(client, LookupOptions{TTL: time.Hour}),
		Gate:    NewGate(GateConfig{AllowedChannels: []string{"C1"}, ReportUsers: []string{"UBOSS"}}),
		OrgID:   org.ID, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Audit: sink, AuditTrail: trail,
		Buttons: auditSigner, Users: &fuzzUsers{}, // the shortcut's author is grace@example.com
	})
}

// auditSigner seals the button values the audit tests click.
var auditSigner = NewButtonSigner("audit-test", time.Hour, nil)

// TestServiceRecordsAuditEvents: each kind of request reaches the sink
// with who, whom (emails and account IDs), what and the outcome; help is
// not stored; a sink that refuses leaves the line in the log, marked
// audit_stored=false.
func TestServiceRecordsAuditEvents(t *testing.T) {
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}, nil)
	svc.Answer(ctx, Request{UserID: "U1", ChannelID: "COTHER", Text: "ada@example.com"}, nil)
	svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "help"}, nil)
	svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "idle"}, nil)
	value := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
	svc.Click(ctx, Request{UserID: "U2", ChannelID: "C1"}, ActionShare, value, nil)
	svc.Click(ctx, Request{UserID: "U2", ChannelID: "C1"}, ActionRefresh, value, nil)
	svc.Shortcut(ctx, Request{UserID: "U2", ChannelID: "C1"}, ShortcutAuthor, "UGRACE", nil)

	want := []struct {
		actor   string
		action  AuditAction
		outcome Outcome
	}{
		{"U1", AuditLookup, "ok"},
		{"U1", AuditRefusal, "refused"},
		{"U1", AuditRefusal, "refused"}, // idle by someone who is not a report user
		{"U2", AuditShare, "ok"},
		{"U2", AuditRefresh, "ok"},
		{"U2", AuditShortcut, "ok"},
	}
	if len(sink.got) != len(want) {
		t.Fatalf("sink got %d events, want %d: %+v", len(sink.got), len(want), sink.got)
	}
	for i, w := range want {
		g := sink.got[i]
		if g.Actor != w.actor || g.Action != w.action || g.Outcome != w.outcome {
			t.Errorf("event %d = %s %s %s, want %s %s %s", i, g.Actor, g.Action, g.Outcome, w.actor, w.action, w.outcome)
		}
	}
	if g := sink.got[0]; len(g.Emails) != 1 || g.Emails[0] != "ada@example.com" || len(g.AccountIDs) != 1 || g.AccountIDs[0] == "" || g.Channel != "C1" {
		t.Errorf("lookup event whom = %v %v in %q", g.Emails, g.AccountIDs, g.Channel)
	}
	if !strings.Contains(sink.got[2].Detail, "report") {
		t.Errorf("refused idle detail = %q, want it to name the report", sink.got[2].Detail)
	}
	// Stored events are the sink's to log; only help went to the log here.
	if n := strings.Count(logs.String(), `"msg":"audit"`); n != 1 {
		t.Errorf("%d audit log lines from the Service, want 1 (help):\n%s", n, logs.String())
	}

	sink.refuse = true
	logs.Reset()
	svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}, nil)
	if !strings.Contains(logs.String(), `"audit_stored":false`) || !strings.Contains(logs.String(), "ada@example.com") {
		t.Errorf("a refused event must be logged with audit_stored=false:\n%s", logs.String())
	}
}

// TestAuditCommand: "audit EMAIL" is for report users, reads 90 days, lists
// who did what, and says clearly when the store is unavailable or off.
func TestAuditCommand(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	var asked string
	var since time.Time
	trail := trailFunc(func(_ context.Context, email string, s time.Time) ([]AuditEvent, error) {
		asked, since = email, s
		return []AuditEvent{
			{At: at, Actor: "U2", Action: AuditShare, Outcome: "ok", Emails: []string{email}},
			{At: at.Add(-time.Hour), Actor: "U1", Action: AuditLookup, Outcome: "ok", Emails: []string{email}},
		}, nil
	})
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, trail, &logs)
	ctx := context.Background()

	r := svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "audit ada@example.com"}, nil)
	if r.Outcome != "refused" || asked != "" {
		t.Errorf("non-report user: outcome %q, trail asked for %q; want refused, nothing read", r.Outcome, asked)
	}
	r = svc.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: "audit ADA@example.com"}, nil)
	if r.Outcome != "ok" || asked != "ada@example.com" {
		t.Fatalf("report user: outcome %q, asked %q", r.Outcome, asked)
	}
	if d := time.Since(since); d < AuditWindow-time.Minute || d > AuditWindow+time.Minute {
		t.Errorf("trail read from %v ago, want %v", d, AuditWindow)
	}
	for _, want := range []string{"<@U2>", "shared", "<@U1>", "looked up", "2026-11-20 09:30 UTC"} {
		if !strings.Contains(r.Message.Text, want) {
			t.Errorf("reply lacks %q:\n%s", want, r.Message.Text)
		}
	}
	if strings.Index(r.Message.Text, "<@U2>") > strings.Index(r.Message.Text, "<@U1>") {
		t.Error("entries not newest first")
	}
	if last := sink.got[len(sink.got)-1]; last.Action != AuditReport || last.Actor != "UBOSS" || last.Emails[0] != "ada@example.com" {
		t.Errorf("reading the trail was recorded as %+v, want a report on ada by UBOSS", last)
	}

	down := auditService(t, nil, trailFunc(func(context.Context, string, time.Time) ([]AuditEvent, error) {
		return nil, ErrAuditUnavailable
	}), &logs)
	r = down.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: "audit ada@example.com"}, nil)
	if r.Outcome != "failed" || !strings.Contains(r.Message.Text, "unavailable") {
		t.Errorf("store down: %q %q", r.Outcome, r.Message.Text)
	}
	off := auditService(t, nil, nil, &logs)
	r = off.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: "audit ada@example.com"}, nil)
	if r.Outcome != "failed" || !strings.Contains(r.Message.Text, "not kept") {
		t.Errorf("no store: %q %q", r.Outcome, r.Message.Text)
	}
}

func TestParseAuditCommand(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"audit ada@example.com", true},
		{"AUDIT <mailto:ada@example.com|ada@example.com>", true},
		{"audit", false},
		{"audit ada@example.com grace@example.com", false},
		{"audit <@U123>", false},
		{"audit idle", false},
	} {
		cmd, err := ParseCommand(c.text)
		if c.ok != (err == nil) {
			t.Errorf("%q: err %v, want ok=%v", c.text, err, c.ok)
			continue
		}
		var ue *UsageError
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("%q: error %T, want *UsageError", c.text, err)
		}
		if c.ok && (cmd.Kind != CmdAudit || cmd.Targets[0].Email != "ada@example.com") {
			t.Errorf("%q = %+v", c.text, cmd)
		}
	}
}

// TestRenderAuditTrailActors: a Slack user is a mention, the bot's own
// action says so, and a command-line run names its OS user as text: a
// "cli:" actor must not become a broken mention (<@cli:operator>).
func TestRenderAuditTrailActors(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := RenderAuditTrail("ada@example.com", []AuditEvent{
		{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomeOK},
		{At: now, Actor: "cli:operator", Action: AuditLookup, Outcome: OutcomeOK},
		{At: now, Action: AuditLookup, Outcome: OutcomeOK},
	}, now)
	raw, _ := json.Marshal(m.Blocks)
	text := m.Text + string(raw)
	for _, want := range []string{"<@U1>", "operator (command line)", "the bot"} {
		if !strings.Contains(text, want) {
			t.Errorf("the trail does not say %q: %s", want, text)
		}
	}
	if strings.Contains(text, "<@cli:") {
		t.Errorf("a command-line actor became a mention: %s", text)
	}
}

// TestRenderAuditTrailFoldsSkips: a nudge round writes a skip for every
// idle person it does not ask; months of them must not push who looked the
// person up out of the 40 lines shown. Skips are folded into one line.
func TestRenderAuditTrailFoldsSkips(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var events []AuditEvent
	for i := range 60 {
		events = append(events, AuditEvent{At: now.Add(-time.Duration(i) * time.Hour), Action: "skip", Outcome: OutcomeOK,
			Detail: "nudge r confluence: asked in the last 30 days"})
	}
	events = append(events, AuditEvent{At: now.Add(-100 * time.Hour), Actor: "U1", Action: AuditLookup, Outcome: OutcomeOK})
	m := RenderAuditTrail("ada@example.com", events, now)
	if !strings.Contains(m.Text, "<@U1> · looked up") {
		t.Errorf("the lookup is not shown among the skips:\n%s", m.Text)
	}
	if strings.Count(m.Text, "asked in the last 30 days") > 0 || !strings.Contains(m.Text, "Nudge rounds passed this person over 60 times") {
		t.Errorf("the skips are not folded into one line:\n%.600s", m.Text)
	}
}

// noEmailUsers is a Slack whose users show no email (bots, hidden profiles).
type noEmailUsers struct{}

func (noEmailUsers) EmailOf(context.Context, string) (string, error) { return "", ErrSlackUserNoEmail }

// TestAuditNamesTheSlackUserWithoutEmail: a shortcut or a mention about a
// Slack user whose email cannot be read still says whom it was about.
// Before, the trail kept an empty email and nothing else: "whom" was lost.
func TestAuditNamesTheSlackUserWithoutEmail(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	svc.cfg.Users = noEmailUsers{}
	ctx := context.Background()
	svc.Shortcut(ctx, Request{UserID: "U2", ChannelID: "C1"}, ShortcutAuthor, "U0HIDDEN1", nil)
	svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "<@U0HIDDEN2> ada@example.com"}, nil)
	if len(sink.got) != 2 {
		t.Fatalf("sink got %d events, want 2: %+v", len(sink.got), sink.got)
	}
	for i, who := range []string{"U0HIDDEN1", "U0HIDDEN2"} {
		g := sink.got[i]
		if slices.Contains(g.Emails, "") {
			t.Errorf("event %d keeps an empty email: %q", i, g.Emails)
		}
		if !strings.Contains(g.Detail, who) {
			t.Errorf("event %d does not say whom it was about (%s): emails %q, detail %q", i, who, g.Emails, g.Detail)
		}
	}
	if g := sink.got[1]; len(g.Emails) != 1 || g.Emails[0] != "ada@example.com" {
		t.Errorf("the mention's event lost the other person: %q", g.Emails)
	}
}

// TestRenderAuditTrailSaysARefusalOnce: a refused request's line read
// "<@U1> · was refused · refused", the outcome repeating the verb.
func TestRenderAuditTrailSaysARefusalOnce(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := RenderAuditTrail("ada@example.com", []AuditEvent{
		{At: now, Actor: "U1", Action: AuditRefusal, Outcome: OutcomeRefused, Detail: "not in LASTACTIVE_ALLOWED_USERS"},
	}, now)
	if n := strings.Count(m.Text, "refused"); n != 1 {
		t.Errorf("the refusal is said %d times, want once: %s", n, m.Text)
	}
	if !strings.Contains(m.Text, "<@U1> · was refused · not in LASTACTIVE_ALLOWED_USERS") {
		t.Errorf("the refusal's line: %s", m.Text)
	}
}

// The trail in Slack showed the stored outcome codes as they are kept for
// the JSON lines: "· usage ·", "· rate_limited ·", "· stale ·", "· forged ·",
// words of the code, not of a reader. Each is said in words; the codes stay
// in lastactive audit --json.
func TestRenderAuditTrailSaysOutcomesInWords(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		outcome Outcome
		want    string
	}{
		{OutcomeUsage, " · not understood"},
		{OutcomeRateLimited, " · rate limited"},
		{OutcomeStale, " · button too old"},
		{OutcomeForged, " · button not from this bot"},
		{OutcomeIgnored, " · nothing to do"},
		{OutcomeUndelivered, " · answer not delivered"},
		{OutcomePartial, " · partly failed"},
		{OutcomeNotFound, " · no Atlassian account with this email"},
		{OutcomeOK, " · ok"},
		{OutcomeFailed, " · failed"},
		// A nudge round's dry run, stored by the nudge engine.
		{Outcome("dry-run"), " · dry run, nothing sent"},
	} {
		m := RenderAuditTrail("ada@example.com", []AuditEvent{
			{At: now, Actor: "U1", Action: AuditLookup, Outcome: c.outcome},
		}, now)
		if !strings.Contains(m.Text, "<@U1> · looked up"+c.want) {
			t.Errorf("outcome %q reads: %s; want %q", c.outcome, m.Text, "looked up"+c.want)
		}
	}
}

// TestRenderAuditTrailNamesTheChannel: the trail stores where a lookup was
// asked as "channel C0123ABCDEF", and the reply in Slack showed that bare
// ID, which no reader can tell apart from another. A channel ID is a
// channel link (Slack shows its name); anything else stays plain text.
func TestRenderAuditTrailNamesTheChannel(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := RenderAuditTrail("ada@example.com", []AuditEvent{
		{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomeOK, Detail: "channel C0123ABCDEF"},
		{At: now, Actor: "U1", Action: AuditShare, Outcome: OutcomeOK, Detail: "already shared · channel G0PRIVATE1"},
		{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomeOK, Detail: "channel <!here>"},
	}, now)
	raw, _ := json.Marshal(m.Blocks)
	text := m.Text + string(raw)
	for _, want := range []string{"looked up · ok · in <#C0123ABCDEF>", "already shared · in <#G0PRIVATE1>", "channel &lt;!here&gt;"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the trail does not say %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(text, "channel C0123ABCDEF") || strings.Contains(text, "<!here>") {
		t.Errorf("the trail shows a bare channel ID or an unescaped mention:\n%s", text)
	}
}

// TestRenderAuditTrailSaysADirectMessage: a request made in a direct
// message (a channel ID starting with D) was shown as a channel link
// "<#D0DM12345>", which Slack renders as an unreadable private-channel
// placeholder. It reads "in a direct message", with no ID to guess at.
func TestRenderAuditTrailSaysADirectMessage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := RenderAuditTrail("ada@example.com", []AuditEvent{
		{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomeOK, Detail: "channel D0DM12345"},
		{At: now, Actor: "U1", Action: AuditShortcut, Outcome: OutcomeOK, Detail: "chosen · channel D0DM12345"},
		{At: now, Actor: "U2", Action: AuditLookup, Outcome: OutcomeOK, Detail: "channel C0123ABCDEF"},
	}, now)
	raw, _ := json.Marshal(m.Blocks)
	text := m.Text + string(raw)
	for _, want := range []string{"looked up · ok · in a direct message", "chosen · in a direct message", "in <#C0123ABCDEF>"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the trail does not say %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(text, "D0DM12345") {
		t.Errorf("the trail shows a direct message's ID:\n%s", text)
	}
}

// TestAmbiguousLookupIsNotAFailureInTheTrail: a lookup of an email that
// several Atlassian accounts share answers with a list of them, yet its
// audit entry read "looked up · failed", as an outage's does. It is stored
// as "ambiguous" and read "several accounts matched, listed"; among other
// people it counts as answered, and the detail says a list was shown.
func TestAmbiguousLookupIsNotAFailureInTheTrail(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	for _, tc := range []struct {
		text       string
		outcome    Outcome
		listedNote bool
	}{
		{"sam@example.com", OutcomeAmbiguous, false},
		{"ada@example.com sam@example.com", OutcomeOK, true},
		// An email with no account is answered too (it was partial and
		// failed before: TestNotFoundLookupIsNotAFailureInTheTrail).
		{"sam@example.com nobody@example.com", OutcomeOK, true},
		{"nobody@example.com", OutcomeNotFound, false},
		{"ada@example.com", OutcomeOK, false},
	} {
		sink.mu.Lock()
		sink.got = nil
		sink.mu.Unlock()
		svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: tc.text}, nil)
		if len(sink.got) != 1 {
			t.Fatalf("%q: %d audit events, want 1", tc.text, len(sink.got))
		}
		e := sink.got[0]
		if e.Action != AuditLookup || e.Outcome != tc.outcome {
			t.Errorf("%q: audited %s %s, want lookup %s", tc.text, e.Action, e.Outcome, tc.outcome)
		}
		if note := strings.Contains(e.Detail, "several accounts"); note != tc.listedNote {
			t.Errorf("%q: detail %q; says a list was shown %v, want %v", tc.text, e.Detail, note, tc.listedNote)
		}
	}
	now := time.Now()
	m := RenderAuditTrail("sam@example.com", []AuditEvent{{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomeAmbiguous}}, now)
	if !strings.Contains(m.Text, "<@U1> · looked up · several accounts matched, listed") || strings.Contains(m.Text, "failed") {
		t.Errorf("the trail of an ambiguous lookup reads:\n%s", m.Text)
	}
}

// TestNotFoundLookupIsNotAFailureInTheTrail: a lookup of an email with no
// Atlassian account answers "no account", yet its entry read "looked up ·
// failed", the words of an Atlassian outage. It is stored "not_found" and
// read "no Atlassian account with this email"; among other people it
// counts as answered, the detail saying how many emails had no account. A
// real failure stays failed; the reply's outcome (its metrics) is not
// changed.
func TestNotFoundLookupIsNotAFailureInTheTrail(t *testing.T) {
	t.Parallel()
	ok := Person{Query: "ada@example.com", Account: atlassian.Account{AccountID: "a1"}}
	gone := Person{Query: "nobody@example.com", Err: atlassian.ErrNotFound}
	listed := Person{Query: "sam@example.com", Err: atlassian.ErrAmbiguous}
	down := Person{Query: "grace@example.com", Err: atlassian.ErrUnavailable}
	for _, tc := range []struct {
		name   string
		people []Person
		reply  Outcome
		want   Outcome
		note   string
	}{
		{"not found alone", []Person{gone}, OutcomeFailed, OutcomeNotFound, ""},
		{"two not found", []Person{gone, gone}, OutcomeFailed, OutcomeNotFound, ""},
		{"answered and not found", []Person{ok, gone}, OutcomePartial, OutcomeOK, "no Atlassian account for 1 email"},
		{"not found and listed", []Person{gone, listed}, OutcomeFailed, OutcomeOK,
			"several accounts listed for 1 email; no Atlassian account for 1 email"},
		{"not found and an outage", []Person{gone, down}, OutcomeFailed, OutcomePartial, "no Atlassian account for 1 email"},
		{"outage alone", []Person{down}, OutcomeFailed, OutcomeFailed, ""},
		{"answered and an outage", []Person{ok, down}, OutcomePartial, OutcomePartial, ""},
	} {
		got, note := LookupAuditOutcome(tc.people, tc.reply)
		if got != tc.want || note != tc.note {
			t.Errorf("%s: %s %q, want %s %q", tc.name, got, note, tc.want, tc.note)
		}
	}
	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	r := svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: "nobody@example.com"}, nil)
	if r.Outcome != OutcomeFailed {
		t.Errorf("the reply's outcome is %s, want failed as before (its metrics)", r.Outcome)
	}
	if len(sink.got) != 1 || sink.got[0].Outcome != OutcomeNotFound {
		t.Fatalf("audited %+v, want one not_found entry", sink.got)
	}
	// Ada's trail read "partly failed" for a command whose only miss was
	// an email with no account.
	sink.mu.Lock()
	sink.got = nil
	sink.mu.Unlock()
	svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com grace@example.com nobody2@example.com"}, nil)
	if len(sink.got) != 1 || sink.got[0].Outcome != OutcomeOK || sink.got[0].Detail != "no Atlassian account for 1 email" {
		t.Errorf("ada, grace and nobody2 audited %+v, want one ok entry saying one email had no account", sink.got)
	}
	now := time.Now()
	m := RenderAuditTrail("nobody@example.com", []AuditEvent{{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomeNotFound}}, now)
	if !strings.Contains(m.Text, "<@U1> · looked up · no Atlassian account with this email") || strings.Contains(m.Text, "failed") {
		t.Errorf("the trail of a lookup of an unknown email reads:\n%s", m.Text)
	}
}

// TestRenderAuditTrailSaysEachPersonsOwnOutcome: a lookup of several
// people where one read got a 503 is stored "partial", and every one of
// their trails read "partly failed": Ada, answered, as much as Grace. Each
// trail now reads that person's own outcome, a failure with its class in
// words; an entry stored before each person's outcome was kept (no People)
// reads as it did.
func TestRenderAuditTrailSaysEachPersonsOwnOutcome(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	lookup := AuditEvent{At: now, Actor: "U1", Action: AuditLookup, Outcome: OutcomePartial,
		Emails: []string{"ada@example.com", "grace@example.com", "nobody@example.com", "sam@example.com"},
		People: []state.PersonResult{
			{Email: "ada@example.com", AccountID: "acc-ada", Outcome: state.OutcomeOK},
			{Email: "grace@example.com", AccountID: "acc-grace", Outcome: state.OutcomeFailed, Reason: string(PersonUnavailable)},
			{Email: "nobody@example.com", Outcome: state.Outcome(OutcomeNotFound)},
			{Email: "sam@example.com", Outcome: state.Outcome(OutcomeAmbiguous)},
		}}
	old := lookup
	old.People = nil
	for _, c := range []struct {
		email string
		event AuditEvent
		want  string
	}{
		{"ada@example.com", lookup, "looked up · ok"},
		{"GRACE@example.com", lookup, "looked up · failed (Atlassian unavailable)"},
		{"nobody@example.com", lookup, "looked up · no Atlassian account with this email"},
		{"sam@example.com", lookup, "looked up · several accounts matched, listed"},
		{"ada@example.com", old, "looked up · partly failed"},
	} {
		m := RenderAuditTrail(c.email, []AuditEvent{c.event}, now)
		if !strings.Contains(m.Text, "<@U1> · "+c.want) {
			t.Errorf("%s's trail reads: %s\nwant %q", c.email, m.Text, c.want)
		}
	}
}

// TestRenderAuditTrailSaysUnconfirmed: an entry of a reply sent whole whose
// answer from Slack was lost says so: the asker (or a Share's channel) may
// have seen it, so it is neither "ok" nor "answer not delivered".
func TestRenderAuditTrailSaysUnconfirmed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := RenderAuditTrail("ada@example.com", []AuditEvent{
		{At: now, Actor: "U1", Action: AuditShare, Outcome: Outcome("unconfirmed")},
	}, now)
	if want := "<@U1> · shared · sent; Slack's answer was lost"; !strings.Contains(m.Text, want) {
		t.Errorf("an unconfirmed share reads: %s; want %q", m.Text, want)
	}
}

// TestUnstoredAuditLineNamesEachPersonsOutcome: when the store cannot take
// an entry, its log line (audit_stored=false) is all the trail keeps. It
// said the command's outcome only, so a lookup of two where one had no
// account read "ok" for both: each person's own outcome (migration 15) is
// in the line too.
func TestUnstoredAuditLineNamesEachPersonsOutcome(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{refuse: true}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com nobody@example.com"}, nil)
	var line struct {
		Stored *bool `json:"audit_stored"`
		People []struct {
			Email, Outcome string
		} `json:"people"`
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"audit"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line.Stored == nil || *line.Stored {
		t.Fatalf("no audit line with audit_stored=false:\n%s", logs.String())
	}
	got := fmt.Sprint(line.People)
	if want := "[{ada@example.com ok} {nobody@example.com not_found}]"; got != want {
		t.Errorf("the unstored line's people: %s, want %s:\n%s", got, want, logs.String())
	}
}
