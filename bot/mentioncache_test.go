package bot_test

import (
	"context"
	"errors"
	"net/http"
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
)

// mentionEmail is the email the answer r found for its one person.
func mentionEmail(t *testing.T, r bot.Reply) string {
	t.Helper()
	if len(r.People) != 1 || r.People[0].Err != nil {
		t.Fatalf("the mention was not answered: %+v", r.People)
	}
	return r.People[0].Query
}

// TestConcurrentMentionsShareOneProfileRead: 50 commands at once from one
// requester, each mentioning the same person, read that person's Slack
// profile once: users.info is Tier 4 on a real workspace, and 50 calls at
// once meet its rate limit.
func TestConcurrentMentionsShareOneProfileRead(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})

	const n = 50
	replies := make([]bot.Reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			replies[i] = svc.Answer(t.Context(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
		})
	}
	wg.Wait()
	for i, r := range replies {
		if r.Outcome != bot.OutcomeOK {
			t.Fatalf("command %d: outcome %s: %s", i, r.Outcome, messageText(t, r.Message))
		}
		if got := mentionEmail(t, r); got != "ada@example.com" {
			t.Errorf("command %d found %q", i, got)
		}
	}
	if got := len(api.fake.Calls("users.info")); got != 1 {
		t.Errorf("users.info calls = %d, want 1", got)
	}
}

// TestRepeatedMentionReadsTheProfileOnce: the same mention ten times in a
// row, by a command or the author shortcut, reads the profile once within
// the window; two different people are two reads.
func TestRepeatedMentionReadsTheProfileOnce(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	api.fake.AddUser(slacktest.User{ID: "U0BOB", Name: "bob", Email: "bob@example.com"})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})
	req := bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}
	for i := range 10 {
		r := svc.Answer(t.Context(), req, nil)
		if got := mentionEmail(t, r); got != "ada@example.com" {
			t.Fatalf("mention %d found %q", i, got)
		}
	}
	resp, ok := svc.Shortcut(t.Context(), bot.Request{UserID: "U2", ChannelID: "C1"}, bot.ShortcutAuthor, "U0ADA", nil)
	if !ok || mentionEmail(t, resp.Reply) != "ada@example.com" {
		t.Fatalf("shortcut: %+v", resp.Reply.People)
	}
	if got := len(api.fake.Calls("users.info")); got != 1 {
		t.Errorf("users.info calls after 10 mentions and a shortcut = %d, want 1", got)
	}

	r := svc.Answer(t.Context(), bot.Request{UserID: "U3", ChannelID: "C1", Text: "<@U0BOB> <@U0ADA>"}, nil)
	if r.Outcome != bot.OutcomeOK || len(r.People) != 2 {
		t.Fatalf("two mentions: %s %+v", r.Outcome, r.People)
	}
	if got := len(api.fake.Calls("users.info")); got != 2 {
		t.Errorf("users.info calls after a second person = %d, want 2", got)
	}
}

// TestMentionSeesAChangedEmail: a profile whose email changed is read
// again when the asker insists (--fresh), which the next mention then
// shares, and by anyone once the window has passed.
func TestMentionSeesAChangedEmail(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.clock.At = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})
	ask := func(text string) string {
		t.Helper()
		return mentionEmail(t, svc.Answer(t.Context(), bot.Request{UserID: "U1", ChannelID: "C1", Text: text}, nil))
	}
	ask("<@U0ADA>")
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada.l@example.com"})
	if got := ask("<@U0ADA>"); got != "ada@example.com" {
		t.Errorf("within the window: %q, want the kept ada@example.com", got)
	}
	if got := ask("<@U0ADA> --fresh"); got != "ada.l@example.com" {
		t.Errorf("--fresh: %q, want the new ada.l@example.com", got)
	}
	if got := ask("<@U0ADA>"); got != "ada.l@example.com" {
		t.Errorf("after --fresh: %q, want the new ada.l@example.com", got)
	}
	if got := len(api.fake.Calls("users.info")); got != 2 {
		t.Errorf("users.info calls = %d, want 2", got)
	}

	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.org"})
	api.clock.At = api.clock.At.Add(10*time.Minute + time.Second)
	if got := ask("<@U0ADA>"); got != "ada@example.org" {
		t.Errorf("past the window: %q, want the new ada@example.org", got)
	}
	if got := len(api.fake.Calls("users.info")); got != 3 {
		t.Errorf("users.info calls = %d, want 3", got)
	}
}

// TestMentionFailureIsNotKept: a Slack outage (5xx past the retries) or a
// refused token is read again on the next mention; a profile without an
// email (a bot) is an answer, and kept.
func TestMentionFailureIsNotKept(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	api.fake.AddUser(slacktest.User{ID: "U0BOT", Name: "robot", IsBot: true})
	users := bot.SlackUsers{API: api.SlackAPI}
	ctx := t.Context()

	api.fake.FailMethod("users.info", 3, http.StatusInternalServerError, "")
	if _, err := users.EmailOf(ctx, "U0ADA"); err == nil || errors.Is(err, bot.ErrSlackUserNoEmail) {
		t.Fatalf("EmailOf during an outage = %v", err)
	}
	api.fake.FailMethod("users.info", 1, http.StatusTooManyRequests, "60")
	if _, err := users.EmailOf(ctx, "U0ADA"); err == nil {
		t.Fatal("EmailOf rate limited past the budget: no error")
	}
	// Slack's minute holds for every users.info call; past it, the next
	// mention asks Slack again.
	if _, err := users.EmailOf(ctx, "U0ADA"); !errors.Is(err, bot.ErrSlackRateLimited) {
		t.Fatalf("EmailOf inside Slack's Retry-After = %v, want rate limited without a call", err)
	}
	api.clock.At = time.Now().Add(61 * time.Second)
	api.fake.SetBotTokenValid(false)
	if _, err := users.EmailOf(ctx, "U0ADA"); !errors.Is(err, bot.ErrSlackTokenRejected) {
		t.Fatalf("EmailOf with a refused token = %v", err)
	}
	api.fake.SetBotTokenValid(true)
	if e, err := users.EmailOf(ctx, "U0ADA"); err != nil || e != "ada@example.com" {
		t.Fatalf("EmailOf after the outage = %q, %v", e, err)
	}
	if got := len(api.fake.Calls("users.info")); got != 3+1+1+1 {
		t.Errorf("users.info calls = %d, want 6: a failure is never kept", got)
	}

	for range 3 {
		if _, err := users.EmailOf(ctx, "U0BOT"); !errors.Is(err, bot.ErrSlackUserNoEmail) {
			t.Fatalf("EmailOf a bot = %v", err)
		}
	}
	if got := len(api.fake.Calls("users.info")); got != 7 {
		t.Errorf("users.info calls = %d, want 7: 'no email' is an answer", got)
	}
}

// holdingTransport holds every users.info request until release is
// closed, and tells started of each.
type holdingTransport struct {
	started chan struct{}
	release chan struct{}
}

func (h holdingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/users.info") {
		h.started <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestImpatientMentionDoesNotFailTheOthers: the first asker of a shared
// profile read giving up (its command's deadline, a shutdown) ends its own
// wait, not the read the others wait on.
func TestImpatientMentionDoesNotFailTheOthers(t *testing.T) {
	t.Parallel()
	fake := slacktest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	hold := holdingTransport{started: make(chan struct{}, 10), release: make(chan struct{})}
	api := &bot.SlackAPI{
		Client: slack.New(slacktest.BotToken, slack.OptionAPIURL(fake.APIURL()),
			slack.OptionHTTPClient(bot.SlackHTTP(&http.Client{Transport: hold, Timeout: 5 * time.Second}))),
		URL:   fake.APIURL(),
		Clock: &backofftest.Clock{},
	}
	users := bot.SlackUsers{API: api}

	impatient, cancel := context.WithCancel(t.Context())
	firstErr := make(chan error, 1)
	go func() {
		_, err := users.EmailOf(impatient, "U0ADA")
		firstErr <- err
	}()
	<-hold.started

	const others = 5
	type answer struct {
		email string
		err   error
	}
	answers := make(chan answer, others)
	for range others {
		go func() {
			e, err := users.EmailOf(t.Context(), "U0ADA")
			answers <- answer{e, err}
		}()
	}
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("the impatient asker got %v, want context.Canceled", err)
	}
	close(hold.release)
	for range others {
		if a := <-answers; a.err != nil || a.email != "ada@example.com" {
			t.Errorf("another asker got %q, %v", a.email, a.err)
		}
	}
	if got := len(fake.Calls("users.info")); got != 1 {
		t.Errorf("users.info calls = %d, want 1", got)
	}
}

// auditEvents keeps the audit events a Service records.
type auditEvents struct {
	mu     sync.Mutex
	events []bot.AuditEvent
}

func (a *auditEvents) Record(e bot.AuditEvent) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
	return true
}

// TestKeptMentionAuditsAsBefore: a mention answered from the kept profile
// is audited as the first one was: a lookup of the person's email and
// account, asked by the requester.
func TestKeptMentionAuditsAsBefore(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	sink := &auditEvents{}
	svc := bot.NewService(bot.ServiceConfig{
		Lookups: bot.NewLookups(&bottest.Directory{
			ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
				return atlassian.Account{AccountID: "acc-ada", AccountType: "atlassian", DisplayName: "Ada Lovelace", Email: email, Active: true}, atlassian.ViaJira, nil
			},
			LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
				return &atlassian.Activity{AccountID: id}, nil
			},
		}, bot.LookupOptions{TTL: time.Hour}),
		Users: bot.SlackUsers{API: api.SlackAPI},
		Gate:  bot.NewGate(bot.GateConfig{}),
		OrgID: "org",
		Audit: sink,
	})
	for range 2 {
		svc.Answer(t.Context(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.events) != 2 {
		t.Fatalf("%d audit events, want 2", len(sink.events))
	}
	for i, e := range sink.events {
		if e.Action != bot.AuditLookup || e.Actor != "U1" || e.Outcome != bot.OutcomeOK ||
			!slices.Equal(e.Emails, []string{"ada@example.com"}) || !slices.Equal(e.AccountIDs, []string{"acc-ada"}) {
			t.Errorf("audit event %d: %+v", i, e)
		}
	}
	if got := len(api.fake.Calls("users.info")); got != 1 {
		t.Errorf("users.info calls = %d, want 1", got)
	}
}
