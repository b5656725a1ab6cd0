package credentials

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// Status is the outcome of one check.
type Status string

// The statuses, as `lastactive check` prints them.
const (
	OK   Status = "ok"
	Fail Status = "FAIL"
	// Skip: not configured, or not possible because an earlier check failed.
	Skip Status = "SKIP"
)

// API names the credential's API, the label of lastactive_credential_ok.
type API string

// The APIs.
const (
	Slack API = "slack"
	Jira  API = "jira"
	Admin API = "admin"
	// Database is not a credential of this package, but `check` reports the
	// database (LASTACTIVE_DATABASE_URL) in the same form.
	Database API = "database"
	// Schedule: `check` says when the digest and the nudge round next run
	// (when configured), in the same form. Nothing to prove, never FAIL.
	Schedule API = "schedule"
)

// Result is one check. Its JSON (`check --json`) always has the fix
// field, empty where nothing is to be fixed, so that every object has the
// same fields.
type Result struct {
	Name   string `json:"name"`
	API    API    `json:"api"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
	// Rejected: the API answered and refused the credential (or, for the
	// Admin API, the organisation ID). Only this makes serve not ready; a
	// network failure or an outage does not.
	Rejected bool `json:"-"`
	// Next is a schedule's next slot (API Schedule only).
	Next time.Time `json:"next,omitzero"`
}

// The names of the checks, also their order in All.
const (
	NameSlackBot   = "Slack bot token (auth.test)"
	NameSlackApp   = "Slack app token (apps.connections.open)"
	NameJira       = "Jira credentials (/rest/api/3/myself)"
	NameJiraBrowse = `Jira "Browse users and groups" permission`
	NameAdmin      = "Admin API key and organisation (GET /admin/v1/orgs/{orgId})"
	// NameAdminWrite is not one of All's: `check` adds it when the write
	// key is set.
	NameAdminWrite = "Admin API write key (ATLASSIAN_ADMIN_WRITE_KEY)"
)

// SlackBot is what the bot-token check needs (slack-go's *slack.Client).
type SlackBot interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
}

// SlackApp is what the app-token check needs (slack-go's *slack.Client).
type SlackApp interface {
	StartSocketModeContext(ctx context.Context) (*slack.SocketModeConnection, string, error)
}

// JiraAPI is what the Jira checks need (*atlassian.Client).
type JiraAPI interface {
	Myself(ctx context.Context) (atlassian.Account, error)
	FindAccount(ctx context.Context, email string) (atlassian.Account, error)
}

// AdminAPI is what the Admin API check needs (*atlassian.Client).
type AdminAPI interface {
	Org(ctx context.Context) (atlassian.Org, error)
}

// Checker proves the credentials it was given. A nil API means that
// credential is not configured: its check is SKIP, naming Missing's
// variables.
type Checker struct {
	SlackBot SlackBot
	SlackApp SlackApp
	Jira     JiraAPI
	// JiraEmail is the token owner's email, searched for to prove "Browse
	// users and groups".
	JiraEmail string
	Admin     AdminAPI
	OrgID     string
	// AdminUnset, when Admin is nil, names the one of ATLASSIAN_ORG_ID and
	// ATLASSIAN_API_KEY that is not set while the other is: half the pair
	// is a mistake (serve, lookup and report refuse to start), not Atlassian
	// left out on purpose, so CheckAdmin fails instead of skipping.
	AdminUnset string
	// AdminWrite is the Admin API as the write key (ATLASSIAN_ADMIN_WRITE_KEY)
	// reaches it, nil when that key is not set.
	AdminWrite AdminAPI
	// SlackScopes gives the bot token's scopes as Slack's last answer named
	// them (X-OAuth-Scopes), ok false when none did (RecordScopes).
	SlackScopes func() (scopes string, ok bool)
	// Timeout bounds each check (default 20 s); the caller's context still wins.
	Timeout time.Duration
}

const defaultTimeout = 20 * time.Second

func (c *Checker) step(ctx context.Context) (context.Context, context.CancelFunc) {
	d := c.Timeout
	if d <= 0 {
		d = defaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

// All runs every check, in order, for `lastactive check`.
func (c *Checker) All(ctx context.Context) []Result {
	// The APIs are checked at once: behind a firewall that hangs them all,
	// an admin waits for one check's deadline, not for the sum of them.
	var (
		bot, app, admin Result
		jira            []Result
		wg              sync.WaitGroup
	)
	wg.Go(func() { bot = c.CheckSlackBot(ctx) })
	wg.Go(func() { app = c.CheckSlackApp(ctx) })
	wg.Go(func() { jira = c.CheckJira(ctx) })
	wg.Go(func() { admin = c.CheckAdmin(ctx) })
	wg.Wait()
	out := append([]Result{bot, app}, jira...)
	return append(out, admin)
}

// Credentials runs the checks readiness repeats: each credential once,
// without apps.connections.open (it hands out a connection ticket, and the
// open socket already proves the app token) and without the Jira permission
// search.
func (c *Checker) Credentials(ctx context.Context) []Result {
	return []Result{c.CheckSlackBot(ctx), c.checkMyself(ctx).Result, c.CheckAdmin(ctx)}
}

// CheckSlackBot proves the bot token with auth.test.
func (c *Checker) CheckSlackBot(ctx context.Context) Result {
	r := Result{Name: NameSlackBot, API: Slack}
	if c.SlackBot == nil {
		return skip(r, "SLACK_BOT_TOKEN is not set")
	}
	ctx, cancel := c.step(ctx)
	defer cancel()
	a, err := c.SlackBot.AuthTestContext(ctx)
	if stopped(ctx, err) {
		return Interrupted(r, "Slack")
	}
	if err != nil {
		return slackFailure(r, err, "SLACK_BOT_TOKEN", "reinstall the app (api.slack.com/apps → your app → Install App) and copy OAuth & Permissions → Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN")
	}
	// auth.test promises the IDs; the names may be missing.
	r.Status, r.Detail = OK, fmt.Sprintf("workspace %s, bot user %s", short(cmp.Or(a.Team, a.TeamID)), short(cmp.Or(a.User, a.UserID)))
	if missing := c.missingScopes(); len(missing) > 0 {
		r.Status = Fail
		r.Detail += fmt.Sprintf(", but the token lacks %s", strings.Join(missing, ", "))
		r.Fix = "add the missing bot scopes (OAuth & Permissions → Bot Token Scopes, or the manifest deploy/slack-app-manifest.yaml), reinstall the app and copy the new token into SLACK_BOT_TOKEN"
	}
	return r
}

// BotScopes are the bot token scopes the app uses, as its manifest
// (deploy/slack-app-manifest.yaml) asks for them.
var BotScopes = []string{"commands", "users:read", "users:read.email", "chat:write", "im:write", "files:write"}

// missingScopes returns the BotScopes the token lacks, when Slack said
// which it has; without the header nothing is known to be missing.
func (c *Checker) missingScopes() []string {
	if c.SlackScopes == nil {
		return nil
	}
	raw, ok := c.SlackScopes()
	if !ok {
		return nil
	}
	has := map[string]bool{}
	for _, s := range strings.Split(raw, ",") {
		has[strings.TrimSpace(s)] = true
	}
	var missing []string
	for _, s := range BotScopes {
		if !has[s] {
			missing = append(missing, s)
		}
	}
	return missing
}

// RecordScopes returns a copy of hc that keeps the X-OAuth-Scopes of the
// last answer to auth.test, and a func that gives it to Checker.SlackScopes:
// slack-go returns no headers.
func RecordScopes(hc *http.Client) (*http.Client, func() (string, bool)) {
	rec := &scopeRecorder{next: hc.Transport}
	if rec.next == nil {
		rec.next = http.DefaultTransport
	}
	c := *hc
	c.Transport = rec
	return &c, rec.scopes
}

type scopeRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	raw  string
	seen bool
}

func (r *scopeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil && strings.HasSuffix(req.URL.Path, "/auth.test") {
		v, ok := resp.Header["X-Oauth-Scopes"]
		r.mu.Lock()
		r.raw, r.seen = strings.Join(v, ","), ok
		r.mu.Unlock()
	}
	return resp, err
}

func (r *scopeRecorder) scopes() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw, r.seen
}

// CheckSlackApp proves the app-level token with apps.connections.open.
func (c *Checker) CheckSlackApp(ctx context.Context) Result {
	r := Result{Name: NameSlackApp, API: Slack}
	if c.SlackApp == nil {
		return skip(r, "SLACK_APP_TOKEN is not set")
	}
	ctx, cancel := c.step(ctx)
	defer cancel()
	_, _, err := c.SlackApp.StartSocketModeContext(ctx)
	if stopped(ctx, err) {
		return Interrupted(r, "Slack")
	}
	if err != nil {
		return SlackAppFailure(err)
	}
	r.Status, r.Detail = OK, "a Socket Mode connection can be opened"
	return r
}

// SlackAppFailure words err, apps.connections.open's failure, as the app
// token's check does: serve's /readyz says why its socket cannot connect
// in the same words as `check`. Nothing of err but a known Slack error
// code reaches the result.
func SlackAppFailure(err error) Result {
	r := Result{Name: NameSlackApp, API: Slack}
	return slackFailure(r, err, "SLACK_APP_TOKEN", "in api.slack.com/apps → your app → Basic Information → App-Level Tokens, create a token with the connections:write scope, turn Socket Mode on, and put the token (xapp-…) in SLACK_APP_TOKEN")
}

type myself struct {
	Result
	account atlassian.Account
}

func (c *Checker) checkMyself(ctx context.Context) myself {
	r := Result{Name: NameJira, API: Jira}
	if c.Jira == nil {
		return myself{Result: skip(r, "JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN are not set (optional: without Jira, people are found by the Admin API's exact-email search)")}
	}
	ctx, cancel := c.step(ctx)
	defer cancel()
	me, err := c.Jira.Myself(ctx)
	if e, ok := errors.AsType[*atlassian.Error](err); ok && e.Status == http.StatusNotFound {
		// The contract's one Jira call is the user search: a Jira behind a
		// gateway, or a double, may answer it without /myself. A search
		// that answers proves the token; the owner is then unknown.
		_, err = c.Jira.FindAccount(ctx, c.JiraEmail)
		if err == nil || errors.Is(err, atlassian.ErrNotFound) || errors.Is(err, atlassian.ErrAmbiguous) {
			r.Status, r.Detail = OK, "a user search answered (this Jira does not serve /rest/api/3/myself)"
			return myself{Result: r}
		}
	}
	if stopped(ctx, err) {
		return myself{Result: Interrupted(r, "Jira")}
	}
	if err != nil {
		return myself{Result: atlassianFailure(r, err, jiraWords)}
	}
	r.Status, r.Detail = OK, "signed in as "+short(me.DisplayName)
	return myself{Result: r, account: me}
}

// CheckJira proves the Jira token with /myself, then that a user search
// finds its owner: without "Browse users and groups" Jira answers every
// search with nobody, which looks like "not found" to every asker.
func (c *Checker) CheckJira(ctx context.Context) []Result {
	me := c.checkMyself(ctx)
	perm := Result{Name: NameJiraBrowse, API: Jira}
	switch me.Status {
	case Skip:
		return []Result{me.Result, skip(perm, "Jira is not configured")}
	case Fail:
		return []Result{me.Result, skip(perm, "skipped: the Jira credentials did not work (see above)")}
	}
	if me.account.AccountID == "" {
		// Without /myself the owner cannot be told from others; the search
		// that proved the token answered, which is all that can be said.
		perm.Status, perm.Detail = OK, "a user search answered; its owner cannot be compared without /rest/api/3/myself"
		return []Result{me.Result, perm}
	}
	sctx, cancel := c.step(ctx)
	defer cancel()
	found, err := c.Jira.FindAccount(sctx, c.JiraEmail)
	switch {
	case stopped(sctx, err):
		perm = Interrupted(perm, "Jira")
	case err == nil && found.AccountID == me.account.AccountID:
		perm.Status, perm.Detail = OK, "a user search finds the token's owner"
	case err == nil:
		perm.Status, perm.Detail = Fail, "a user search for JIRA_EMAIL found another account than the token's owner"
		perm.Fix = "set JIRA_EMAIL to the email of the account that created JIRA_API_TOKEN"
	case errors.Is(err, atlassian.ErrAmbiguous):
		perm.Status, perm.Detail = Fail, "a user search for JIRA_EMAIL found several accounts"
		perm.Fix = "set JIRA_EMAIL to the exact email of the account that created JIRA_API_TOKEN"
	case errors.Is(err, atlassian.ErrNotFound):
		perm.Status, perm.Detail = Fail, "a user search for JIRA_EMAIL found nobody, not even the token's owner"
		perm.Fix = `grant the account the Jira global permission "Browse users and groups" (Jira settings → System → Global permissions); without it Jira silently finds no one`
	default:
		perm = atlassianFailure(perm, err, jiraWords)
	}
	return []Result{me.Result, perm}
}

// CheckAdmin proves the Admin API key and the organisation ID together with
// GET /admin/v1/orgs/{orgId}, independently of Jira.
func (c *Checker) CheckAdmin(ctx context.Context) Result {
	r := Result{Name: NameAdmin, API: Admin}
	if c.Admin == nil && c.AdminUnset != "" {
		return halfAdmin(r, c.AdminUnset)
	}
	if c.Admin == nil {
		return skip(r, "ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY are not both set")
	}
	ctx, cancel := c.step(ctx)
	defer cancel()
	o, err := c.Admin.Org(ctx)
	if stopped(ctx, err) {
		return Interrupted(r, "the Admin API")
	}
	if err != nil {
		return atlassianFailure(r, err, adminWords(c.OrgID))
	}
	r.Status, r.Detail = OK, "the key administers organisation "+short(o.ID)
	if o.Name != "" {
		r.Detail = fmt.Sprintf("the key administers organisation %q (%s)", short(o.Name), short(o.ID))
	}
	return r
}

// CheckAdminWrite proves the write key with the organisation, as
// CheckAdmin the read key: releases use it only after an approval, so an
// expired or revoked one would otherwise show first in front of an
// approver. (Whether it may change access is proven only by a change.)
func (c *Checker) CheckAdminWrite(ctx context.Context) Result {
	r := Result{Name: NameAdminWrite, API: Admin}
	if c.AdminWrite == nil {
		return skip(r, "ATLASSIAN_ADMIN_WRITE_KEY and ATLASSIAN_ORG_ID are not both set")
	}
	ctx, cancel := c.step(ctx)
	defer cancel()
	o, err := c.AdminWrite.Org(ctx)
	if stopped(ctx, err) {
		return Interrupted(r, "the Admin API")
	}
	if err != nil {
		return atlassianFailure(r, err, writeWords(c.OrgID))
	}
	r.Status, r.Detail = OK, "the write key administers organisation "+short(o.ID)
	if o.Name != "" {
		r.Detail = fmt.Sprintf("the write key administers organisation %q (%s)", short(o.Name), short(o.ID))
	}
	return r
}

func skip(r Result, why string) Result {
	r.Status, r.Detail = Skip, why
	return r
}

// Failed reports whether any result is FAIL.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}
