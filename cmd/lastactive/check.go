package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/internal/credentials"
	"lastactive/internal/schedule"
)

// check proves each configured credential against its API and skips the
// rest, one line per check, so an admin can fix the setup before going live.
func (a *app) check(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	quietFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per check")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		fmt.Fprintf(a.stderr, "%s check: %v\n", programName, err)
		fmt.Fprintln(a.stderr, usages["check"])
		return exitUsage
	}
	if a.strayArguments("check", rest) {
		return exitUsage
	}
	print := func(rs []credentials.Result) {
		for _, r := range rs {
			if *asJSON {
				b, _ := json.Marshal(r)
				fmt.Fprintf(a.stdout, "%s\n", b)
				continue
			}
			line := fmt.Sprintf("%-4s  %s: %s", r.Status, r.Name, r.Detail)
			if r.Fix != "" {
				line += ". Fix: " + r.Fix
			}
			fmt.Fprintln(a.stdout, clean(line))
		}
	}

	// Nothing is required: check proves what is configured. A value that
	// is set but malformed (or still a placeholder) is a FAIL line of its
	// own, one per problem, and nothing is called.
	c, err := a.load()
	var warnings []string
	if err == nil {
		warnings = append(c.warnings(), scheduleWarnings(c)...)
		err = c.validate(0)
	}
	if err != nil {
		print(configResults(err))
		return exitFailed
	}
	a.warn(warnings)
	log := a.logger(c)
	hc := upstreamHTTP()
	defer hc.CloseIdleConnections()
	ch, err := newChecker(c, log, hc)
	if err != nil {
		print(configResults(err))
		return exitFailed
	}
	// The write key is checked beside the others (a hung API costs one
	// deadline), and shown only when set: it is optional, and unset it
	// changes nothing that works.
	var write credentials.Result
	var wg sync.WaitGroup
	if ch.AdminWrite != nil {
		wg.Go(func() { write = ch.CheckAdminWrite(ctx) })
	}
	rs := ch.All(ctx)
	wg.Wait()
	if ch.AdminWrite != nil {
		rs = append(rs, write)
	}
	rs = append(rs, checkDatabase(ctx, c))
	rs = append(rs, scheduleResults(c, time.Now())...)
	print(rs)
	if credentials.Failed(rs) {
		return exitFailed
	}
	return exitOK
}

// scheduleResults says when the digest and the nudge round next run, one
// ok line each, for what is configured: validate parsed both schedules,
// and a schedule with no next slot is refused there.
func scheduleResults(c Config, now time.Time) []credentials.Result {
	var rs []credentials.Result
	add := func(name, what, expr string, s schedule.Schedule) {
		if s == nil {
			return
		}
		next := s.Next(now)
		in := next.Sub(now).Round(time.Minute)
		when := "in " + strings.TrimSuffix(in.String(), "0s")
		if strings.HasSuffix(when, "h0m") {
			when = strings.TrimSuffix(when, "0m")
		}
		switch {
		case in < time.Minute:
			// Rounded to no time at all: "in " said nothing.
			when = "in less than a minute"
		case in >= 48*time.Hour:
			when = fmt.Sprintf("in %d days", in/(24*time.Hour))
		}
		rs = append(rs, credentials.Result{Name: name, API: credentials.Schedule, Status: credentials.OK, Next: next,
			Detail: fmt.Sprintf("next %s %s (%s); schedule %s", what, next.Format("Mon 2006-01-02 15:04 MST"), when, strings.TrimSpace(expr))})
	}
	if c.DigestChannel != "" {
		add("Digest schedule (LASTACTIVE_DIGEST_SCHEDULE)", "digest to "+c.DigestChannel, c.DigestSchedule, c.DigestSlots)
	}
	switch c.NudgeMode {
	case nudgeOn:
		add("Nudge schedule (LASTACTIVE_NUDGE_SCHEDULE)", "nudge round", c.NudgeSchedule, c.NudgeSlots)
	case nudgeDryRun:
		add("Nudge schedule (LASTACTIVE_NUDGE_SCHEDULE)", "nudge round (dry-run: decides and records, sends nothing)", c.NudgeSchedule, c.NudgeSlots)
	}
	return rs
}

// configResults turns configuration problems into one FAIL result each.
func configResults(err error) []credentials.Result {
	var ce *configError
	if !errors.As(err, &ce) {
		return []credentials.Result{{Name: "configuration", Status: credentials.Fail, Detail: "could not be read", Fix: "check the environment"}}
	}
	out := make([]credentials.Result, 0, len(ce.problems))
	for _, p := range ce.problems {
		out = append(out, credentials.Result{Name: "configuration", Status: credentials.Fail, Detail: p,
			Fix: "see lastactive --help for the variables"})
	}
	return out
}

// newChecker builds a credentials.Checker over what c configures: a
// credential that is not set stays nil and its check is SKIP.
func newChecker(c Config, log *slog.Logger, hc *http.Client) (*credentials.Checker, error) {
	ch := &credentials.Checker{JiraEmail: c.JiraEmail, OrgID: c.OrgID}
	switch {
	case c.OrgID != "" && c.APIKey == "":
		ch.AdminUnset = "ATLASSIAN_API_KEY"
	case c.OrgID == "" && c.APIKey != "":
		ch.AdminUnset = "ATLASSIAN_ORG_ID"
	}
	if c.SlackBotToken != "" || c.SlackAppToken != "" {
		shc, scopes := credentials.RecordScopes(atlassian.TraceConnections(hc))
		ch.SlackScopes = scopes
		api := slack.New(c.SlackBotToken, slack.OptionAppLevelToken(c.SlackAppToken), slack.OptionAPIURL(c.SlackAPIURL),
			slack.OptionHTTPClient(bot.SlackHTTP(shc)), slack.OptionLog(slogWriter{log}))
		if c.SlackBotToken != "" {
			ch.SlackBot = api
		}
		if c.SlackAppToken != "" {
			ch.SlackApp = api
		}
	}
	jira, admin := c.JiraConfigured(), c.AdminConfigured()
	if !jira && !admin {
		return ch, nil
	}
	cfg := atlassian.Config{AdminBaseURL: c.AdminAPIURL}
	if jira {
		cfg.JiraBaseURL, cfg.JiraEmail, cfg.JiraAPIToken = c.JiraBaseURL, c.JiraEmail, c.JiraAPIToken
	}
	if admin {
		cfg.OrgID, cfg.APIKey = c.OrgID, c.APIKey
	}
	// A check is a question, not a lookup: one retry at most, so a down
	// API is reported in seconds rather than after the full retry budget.
	cl, err := atlassian.New(cfg, atlassian.WithHTTPClient(hc), atlassian.WithLogger(log),
		atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, MaxWait: 5 * time.Second}))
	if err != nil {
		return nil, err
	}
	if jira {
		ch.Jira = cl
	}
	if admin {
		ch.Admin = cl
	}
	if c.AdminWriteKey != "" && c.OrgID != "" {
		// Its own client: Org sends the read key, and releases, the only
		// calls that send the write key, change access.
		wcl, err := atlassian.New(atlassian.Config{AdminBaseURL: c.AdminAPIURL, OrgID: c.OrgID, APIKey: c.AdminWriteKey},
			atlassian.WithHTTPClient(hc), atlassian.WithLogger(log),
			atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, MaxWait: 5 * time.Second}))
		if err != nil {
			return nil, err
		}
		ch.AdminWrite = wcl
	}
	return ch, nil
}

// credentialCheckEvery overrides how often serve proves its credentials.
// Only tests set it, at link time (-ldflags "-X main.credentialCheckEvery=300ms"),
// so that a fixed credential turns ready within a test; it is not a
// setting of the program.
var credentialCheckEvery string

func credentialInterval() time.Duration {
	if d, err := time.ParseDuration(credentialCheckEvery); err == nil && d > 0 {
		return d
	}
	return credentials.DefaultInterval
}

// readinessChecker proves serve's own clients: the bot token (the open
// socket proves the app token), Jira when configured, and the Admin API key
// with the organisation.
func readinessChecker(c Config, bot credentials.SlackBot, dir *atlassian.Client) *credentials.Checker {
	ch := &credentials.Checker{SlackBot: bot, JiraEmail: c.JiraEmail, OrgID: c.OrgID, Admin: dir}
	if c.JiraConfigured() {
		ch.Jira = dir
	}
	return ch
}

// notReady lists why serve should not take traffic: no Slack connection,
// credentials not checked yet, or a credential its API refused. An unreachable API is not on the list:
// during an Atlassian or Slack outage every replica would go unready at
// once, and a Kubernetes Service with no ready pod helps nobody.
//
// cause is why the socket could not connect, when known (Bot.ConnectError):
// a refused app token is named with its fix, as the other credentials are,
// and not left to the log.
func notReady(connected func() bool, cause func() error, w *credentials.Watch) func() []string {
	return func() []string {
		var why []string
		if !connected() {
			line := "not connected to Slack"
			if err := cause(); err != nil {
				r := credentials.SlackAppFailure(err)
				line += ": " + r.Detail + ". Fix: " + r.Fix
			}
			why = append(why, line)
		}
		if !w.Checked() {
			why = append(why, "credentials not checked yet: waiting for the first answers of Slack and Atlassian")
		}
		return append(why, w.Problems()...)
	}
}
