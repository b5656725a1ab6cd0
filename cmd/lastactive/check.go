package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// check proves each credential against its API, one line per check, so a
// Slack admin can fix the setup before going live.
func (a *app) check(ctx context.Context, args []string) int {
	if len(args) > 0 {
		fmt.Fprintf(a.stderr, "%s check: takes no arguments\n", programName)
		return exitUsage
	}
	c, ok := a.config(needSlack | needJira | needAdmin)
	if !ok {
		return exitConfig
	}
	log := a.logger(c)
	hc := upstreamHTTP()
	defer hc.CloseIdleConnections()
	failed := 0
	line := func(ok bool, what, detail string) {
		status := "ok  "
		if !ok {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(a.stdout, "%s  %s: %s\n", status, what, clean(detail))
	}
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 20*time.Second) }

	api := slack.New(c.SlackBotToken, slack.OptionAppLevelToken(c.SlackAppToken), slack.OptionAPIURL(c.SlackAPIURL),
		slack.OptionHTTPClient(hc), slack.OptionLog(slogWriter{log}))
	sctx, cancel := step()
	if r, err := api.AuthTestContext(sctx); err != nil {
		line(false, "Slack bot token (auth.test)", slackHint(err, "SLACK_BOT_TOKEN: reinstall the app and copy the Bot User OAuth Token (xoxb-…)"))
	} else {
		line(true, "Slack bot token (auth.test)", fmt.Sprintf("workspace %s, bot user %s", r.Team, r.User))
	}
	cancel()
	sctx, cancel = step()
	if _, _, err := api.StartSocketModeContext(sctx); err != nil {
		line(false, "Slack app token (apps.connections.open)", slackHint(err, "SLACK_APP_TOKEN: create an app-level token with the connections:write scope and turn Socket Mode on"))
	} else {
		line(true, "Slack app token (apps.connections.open)", "Socket Mode connection can be opened")
	}
	cancel()

	if db := checkDatabase(ctx, c); !db.skip {
		line(db.ok, db.name, db.text())
	}

	dir, err := newDirectory(c, log, nil, hc)
	if err != nil {
		line(false, "Atlassian configuration", err.Error())
		return exitFailed
	}
	jctx, cancel := step()
	me, err := dir.Myself(jctx)
	cancel()
	if err != nil {
		line(false, "Jira credentials (/rest/api/3/myself)", atlassianHint(err, "JIRA_EMAIL and JIRA_API_TOKEN: create a token at id.atlassian.com → Security → API tokens for that account"))
		line(false, "Jira \"Browse users and groups\" permission", "skipped: the Jira credentials do not work")
		line(false, "Admin API key and org (last-active-dates)", "skipped: needs the Jira account to test with")
		return exitFailed
	}
	line(true, "Jira credentials (/rest/api/3/myself)", fmt.Sprintf("signed in as %s", me.DisplayName))

	jctx, cancel = step()
	found, err := dir.FindAccount(jctx, c.JiraEmail)
	cancel()
	switch {
	case err == nil && found.AccountID == me.AccountID:
		line(true, "Jira \"Browse users and groups\" permission", "a user search finds the token owner")
	case err == nil:
		line(false, "Jira \"Browse users and groups\" permission", "a user search for JIRA_EMAIL found a different account: is JIRA_EMAIL the token owner's email?")
	case errors.Is(err, atlassian.ErrNotFound):
		line(false, "Jira \"Browse users and groups\" permission", "a user search for JIRA_EMAIL found nobody: grant the account the global permission \"Browse users and groups\" (without it Jira silently returns no one)")
	default:
		line(false, "Jira \"Browse users and groups\" permission", atlassianHint(err, "user search failed"))
	}

	actx, cancel := step()
	_, err = dir.LastActive(actx, me.AccountID)
	cancel()
	switch {
	case err == nil:
		line(true, "Admin API key and org (last-active-dates)", "the key can read last active dates in org "+c.OrgID)
	case errors.Is(err, atlassian.ErrNotFound):
		// The key and org work; the token owner is just not a managed member.
		line(true, "Admin API key and org (last-active-dates)", "the key and org answer (the Jira account itself is not a member of this org)")
	default:
		line(false, "Admin API key and org (last-active-dates)", atlassianHint(err, ""))
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}

func slackHint(err error, fix string) string {
	msg := err.Error()
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return "Slack is rate limiting; try again in a minute"
	}
	// slack-go errors are Slack error codes such as invalid_auth; keep them short.
	if len(msg) > 80 {
		msg = msg[:80]
	}
	return msg + ". Fix: " + fix
}

func atlassianHint(err error, fix string) string {
	var e *atlassian.Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.DeadlineExceeded) {
			return "timed out: is the URL right and reachable?"
		}
		return "failed: " + strings.SplitN(err.Error(), ":", 2)[0]
	}
	switch {
	case errors.Is(err, atlassian.ErrCredentials) && e.API == atlassian.Admin:
		return fmt.Sprintf("the Admin API key was rejected (HTTP %d): it has expired or was revoked, or it is a scoped key. Create a new key without scopes in admin.atlassian.com → Settings → API keys (keys expire after a week unless you pick a later date, up to a year)", e.Status)
	case errors.Is(err, atlassian.ErrCredentials):
		return fmt.Sprintf("Jira rejected the credentials (HTTP %d). Fix: %s", e.Status, fix)
	case errors.Is(err, atlassian.ErrRejected) && e.API == atlassian.Admin:
		return fmt.Sprintf("the Admin API refused the request (HTTP %d %s): check ATLASSIAN_ORG_ID, and that the org uses the new user management experience", e.Status, e.Code)
	case errors.Is(err, atlassian.ErrRateLimited):
		return "rate limited by Atlassian; try again in a minute"
	case errors.Is(err, atlassian.ErrUnavailable):
		return "Atlassian did not answer: check the URL and the network, or try again later"
	}
	if fix != "" {
		return fmt.Sprintf("%s. Fix: %s", e.Kind, fix)
	}
	return string(e.Kind)
}
