package main

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kelseyhightower/envconfig"

	"lastactive/bot"
	"lastactive/internal/schedule"
	"lastactive/internal/state"
	"lastactive/seat"
)

// Config is every environment variable of the contract. Only main reads the
// environment (loadConfig); everything else takes a Config value.
type Config struct {
	SlackAppToken   string        `envconfig:"SLACK_APP_TOKEN"`
	SlackBotToken   string        `envconfig:"SLACK_BOT_TOKEN"`
	SlackAPIURL     string        `envconfig:"SLACK_API_URL" default:"https://slack.com/api/"`
	JiraBaseURL     string        `envconfig:"JIRA_BASE_URL"`
	JiraEmail       string        `envconfig:"JIRA_EMAIL"`
	JiraAPIToken    string        `envconfig:"JIRA_API_TOKEN"`
	OrgID           string        `envconfig:"ATLASSIAN_ORG_ID"`
	APIKey          string        `envconfig:"ATLASSIAN_API_KEY"`
	AdminAPIURL     string        `envconfig:"ATLASSIAN_API_URL" default:"https://api.atlassian.com"`
	CacheTTL        time.Duration `envconfig:"LASTACTIVE_CACHE_TTL" default:"1h"`
	AllowedUsers    []string      `envconfig:"LASTACTIVE_ALLOWED_USERS"`
	AllowedChannels []string      `envconfig:"LASTACTIVE_ALLOWED_CHANNELS"`
	OwnWorkspace    bool          `envconfig:"LASTACTIVE_OWN_WORKSPACE_ONLY" default:"false"`
	HTTPAddr        string        `envconfig:"LASTACTIVE_HTTP_ADDR" default:":8080"`
	LogLevel        string        `envconfig:"LASTACTIVE_LOG_LEVEL" default:"info"`
	IdleDays        wholeNumber   `envconfig:"LASTACTIVE_IDLE_DAYS" default:"90"`
	ReportUsers     []string      `envconfig:"LASTACTIVE_REPORT_USERS"`
	SeatPricesRaw   string        `envconfig:"LASTACTIVE_SEAT_PRICES"`
	Currency        string        `envconfig:"LASTACTIVE_CURRENCY" default:"USD"`
	DatabaseURL     string        `envconfig:"LASTACTIVE_DATABASE_URL" default:"sqlite:lastactive.db"`
	RetentionRaw    string        `envconfig:"LASTACTIVE_AUDIT_RETENTION" default:"400d"`
	DigestChannel   string        `envconfig:"LASTACTIVE_DIGEST_CHANNEL"`
	DigestSchedule  string        `envconfig:"LASTACTIVE_DIGEST_SCHEDULE" default:"0 9 * * MON"`

	// Keep or release (nudge_config.go).
	NudgeMode     string        `envconfig:"LASTACTIVE_NUDGE" default:"off"`
	NudgeProducts []string      `envconfig:"LASTACTIVE_NUDGE_PRODUCTS"`
	NudgeSchedule string        `envconfig:"LASTACTIVE_NUDGE_SCHEDULE" default:"0 10 * * MON-FRI"`
	NudgeMax      wholeNumber   `envconfig:"LASTACTIVE_NUDGE_MAX" default:"200"`
	NudgeWait     time.Duration `envconfig:"LASTACTIVE_NUDGE_WAIT" default:"168h"`
	Approvers     []string      `envconfig:"LASTACTIVE_APPROVERS"`
	AdminWriteKey string        `envconfig:"ATLASSIAN_ADMIN_WRITE_KEY"`

	// SeatPrices is SeatPricesRaw parsed: monthly price per seat by product key.
	SeatPrices map[string]float64 `ignored:"true"`
	// AuditRetention is RetentionRaw parsed (state.ParseRetention).
	AuditRetention time.Duration `ignored:"true"`
	// DigestSlots is DigestSchedule parsed.
	DigestSlots schedule.Schedule `ignored:"true"`
	// NudgeSlots is NudgeSchedule parsed.
	NudgeSlots schedule.Schedule `ignored:"true"`
}

// wholeNumber is a variable's whole number, written in decimal as people
// write it: envconfig reads an int in Go syntax, where 050 is octal (40),
// 0x5A is 90 and 1_0 is 10. Spaces around it are dropped.
type wholeNumber int

// Decode implements envconfig.Decoder.
func (n *wholeNumber) Decode(v string) error {
	i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 0)
	*n = wholeNumber(i)
	return err
}

// defaultDigestSchedule is Monday 09:00 (the process's time zone, UTC in
// the container image).
const defaultDigestSchedule = "0 9 * * MON"

// configError is a configuration problem: the program says it in one line
// and exits 2 before any network call.
type configError struct{ problems []string }

func (e *configError) Error() string { return strings.Join(e.problems, "; ") }

// variables lists the table printed by --help, in the contract's order.
var variables = []struct{ name, need, def, meaning string }{
	{"SLACK_APP_TOKEN", "serve", "", "app-level token, xapp-…, scope connections:write"},
	{"SLACK_BOT_TOKEN", "serve, digest --post, nudge", "", "bot token, xoxb-…"},
	{"SLACK_API_URL", "", "https://slack.com/api/", "Slack Web API base URL"},
	{"JIRA_BASE_URL", "no (all three or none)", "", "Jira Cloud site, e.g. https://example.atlassian.net; without Jira, people are found by the Admin API's exact-email search"},
	{"JIRA_EMAIL", "with JIRA_BASE_URL", "", "account that owns the Jira API token"},
	{"JIRA_API_TOKEN", "with JIRA_BASE_URL", "", "Jira API token"},
	{"ATLASSIAN_ORG_ID", "serve, lookup, report, digest, nudge", "", "organisation ID from Atlassian Administration"},
	{"ATLASSIAN_API_KEY", "serve, lookup, report, digest, nudge", "", "Admin API key (Bearer)"},
	{"ATLASSIAN_API_URL", "", "https://api.atlassian.com", "Admin API base URL"},
	{"LASTACTIVE_CACHE_TTL", "", "1h", "how long a result is reused (Go duration; 0 disables)"},
	{"LASTACTIVE_ALLOWED_USERS", "", "everyone", "comma-separated Slack user IDs allowed to use the bot"},
	{"LASTACTIVE_ALLOWED_CHANNELS", "", "everywhere", "comma-separated channel IDs where it may be used"},
	{"LASTACTIVE_OWN_WORKSPACE_ONLY", "", "false", "true: refuse commands and clicks from any workspace but the bot token's own (auth.test), as Slack Connect channels can bring"},
	{"LASTACTIVE_HTTP_ADDR", "", ":8080", "health and metrics server address"},
	{"LASTACTIVE_LOG_LEVEL", "", "info", "debug, info, warn or error (JSON lines on stderr)"},
	{"LASTACTIVE_IDLE_DAYS", "", "90", "days without use after which a product is idle"},
	{"LASTACTIVE_REPORT_USERS", "", "nobody", "comma-separated Slack user IDs allowed to run org-wide reports"},
	{"LASTACTIVE_SEAT_PRICES", "", "", "monthly seat price by product key, e.g. jira-software=8.60,confluence=6.05"},
	{"LASTACTIVE_CURRENCY", "", "USD", "ISO 4217 code shown with every cost"},
	{"LASTACTIVE_DATABASE_URL", "", "sqlite:lastactive.db", "state (audit trail, report history, dedupe, claims): sqlite:PATH or postgres://… (a secret)"},
	{"LASTACTIVE_AUDIT_RETENTION", "", "400d", "how long audit entries are kept (a number of days, 400 or 400d, or a Go duration)"},
	{"LASTACTIVE_DIGEST_CHANNEL", "", "no digest", "channel ID that gets the scheduled seat digest"},
	{"LASTACTIVE_DIGEST_SCHEDULE", "", "0 9 * * MON", "cron (5 fields, optional CRON_TZ=Area/City prefix) or @every DURATION for the digest"},
	{"LASTACTIVE_NUDGE", "", "off", "off, dry-run (decide and record, send nothing) or on: ask idle people whether they still need each idle product"},
	{"LASTACTIVE_NUDGE_PRODUCTS", "", "every product with a seat price", "product keys that nudges cover"},
	{"LASTACTIVE_NUDGE_SCHEDULE", "", "0 10 * * MON-FRI", "cron expression for the nudge round (same forms as the digest)"},
	{"LASTACTIVE_NUDGE_MAX", "", "200", "at most this many people are nudged in one round"},
	{"LASTACTIVE_NUDGE_WAIT", "", "168h", "how long an unanswered nudge waits before one reminder, and again before escalation"},
	{"LASTACTIVE_APPROVERS", "", "LASTACTIVE_REPORT_USERS", "Slack user IDs who approve releases and see escalations"},
	{"ATLASSIAN_ADMIN_WRITE_KEY", "", "never change access", "an org admin's Admin API key without scopes, used only to remove product access after approval (a secret)"},
}

// envNames is every variable Config reads.
func envNames() []string {
	var ks []string
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		if k := typ.Field(i).Tag.Get("envconfig"); k != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

// blankMeansDefault is the variables with a default, but for
// LASTACTIVE_DATABASE_URL, whose blank means "keep nothing" (the contract).
func blankMeansDefault() []string {
	var ks []string
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if k := f.Tag.Get("envconfig"); k != "" && f.Tag.Get("default") != "" && k != "LASTACTIVE_DATABASE_URL" {
			ks = append(ks, k)
		}
	}
	return ks
}

// loadConfig reads the environment. Malformed values are reported by
// variable name and expected form, never by value: the value may be a secret.
func loadConfig() (Config, error) {
	var c Config
	// A number or duration set but blank (a compose file's ${VAR} the
	// admin did not set, "LASTACTIVE_CACHE_TTL=" in an env file) means its
	// default, as a blank text variable does: envconfig would parse "" and
	// stop the start. Only main reads the environment, once.
	// What pasting adds around a value (docker run --env-file keeps a
	// schedule's quotes, a Windows env file its CR) is dropped from every
	// variable, as from the secrets: none begins or ends with it.
	for _, k := range envNames() {
		if v, ok := os.LookupEnv(k); ok {
			if p := pasted(v); p != v {
				os.Setenv(k, p)
			}
		}
	}
	for _, k := range blankMeansDefault() {
		if v, ok := os.LookupEnv(k); ok && strings.TrimSpace(v) == "" {
			os.Unsetenv(k)
		}
	}
	if err := envconfig.Process("", &c); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return c, &configError{[]string{pe.KeyName + " " + expected(pe.KeyName)}}
		}
		return c, &configError{[]string{"cannot read the environment"}}
	}
	// validate reads a zero cap or wait as "use the default", which only a
	// Config built in code means: from the environment (whose defaults are
	// 200 and 168h), 0 is a choice it would silently overrule.
	var p []string
	if mode := strings.ToLower(strings.TrimSpace(c.NudgeMode)); mode != "" && mode != nudgeOff {
		// With nudges off, the values do nothing: an env file that paused
		// them with 0 must still start.
		if c.NudgeMax == 0 {
			p = append(p, "LASTACTIVE_NUDGE_MAX "+expected("LASTACTIVE_NUDGE_MAX")+" (to pause nudges, set LASTACTIVE_NUDGE=off)")
		}
		if c.NudgeWait == 0 {
			p = append(p, "LASTACTIVE_NUDGE_WAIT must be a positive Go duration such as 168h")
		}
	}
	if len(p) > 0 {
		return c, &configError{p}
	}
	return c, nil
}

func expected(key string) string {
	switch key {
	case "LASTACTIVE_CACHE_TTL":
		return "must be a Go duration such as 1h, 30m or 0"
	case "LASTACTIVE_IDLE_DAYS":
		return "must be a whole number of days between 1 and 3650"
	case "LASTACTIVE_NUDGE_MAX":
		return "must be a whole number of people between 1 and 10000"
	case "LASTACTIVE_NUDGE_WAIT":
		return "must be a Go duration such as 168h"
	case "LASTACTIVE_OWN_WORKSPACE_ONLY":
		return "must be true or false"
	}
	return "is malformed"
}

// need names what a subcommand requires.
type need int

const (
	needSlack need = 1 << iota
	needJira
	needAdmin
	// needSlackBot is the bot token alone: posting needs no Socket Mode,
	// whose app-level token the contract requires of serve only.
	needSlackBot
)

var (
	// Slack IDs look like U012ABCDEF and C012ABCDEF; the check only refuses
	// what cannot be an ID (spaces, names with @ or #, a name or an ID of
	// the other kind: user IDs start with U or W, channel IDs with C, G or
	// D), so that a list pasted with a typo fails loudly instead of
	// silently allowing nobody.
	slackUserID    = regexp.MustCompile(`^[UW][A-Z0-9]{1,39}$`)
	slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]{1,39}$`)
	productKey     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// What the Slack ID lists must hold, for their messages.
const (
	userIDs    = "user IDs such as U012ABCDEF (they start with U or W: a profile's ⋮ menu → Copy member ID), not names or emails"
	channelIDs = "channel IDs such as C012ABCDEF (they start with C, G or D: the channel's details, at the bottom of About), not names"
)

// validate checks c for what n requires, and every value that is set
// whether required or not; it normalises URLs and Slack IDs and parses the
// seat prices. All problems are reported at once. (warnings says, before
// validate, what it will correct.)
// maxSecretLen bounds a token or key: Slack's are under 200 characters,
// an Atlassian API token about 190, and servers refuse a header of 8 KB or
// so (431). Four times the longest real one leaves room for longer kinds.
const maxSecretLen = 1024

func (c *Config) validate(n need) error {
	var p []string
	missing := func(name, hint string) { p = append(p, fmt.Sprintf("%s is not set (%s)", name, hint)) }
	// An empty allow-list means everyone (everywhere): one that was set but
	// holds no ID once its blank entries are dropped (",", " , ", a
	// templated ${A},${B} with both unset) is a mistake, and read as empty it
	// would open the bot to the whole workspace. Only a variable that is
	// itself empty (unset, blank, "") means everyone.
	for _, l := range []struct {
		ids        []string
		name, none string
		kind       string
	}{
		{c.AllowedUsers, "LASTACTIVE_ALLOWED_USERS", "nobody", "user IDs, or leave it empty to allow everyone"},
		{c.AllowedChannels, "LASTACTIVE_ALLOWED_CHANNELS", "nowhere", "channel IDs, or leave it empty to allow every channel"},
		// Empty means LASTACTIVE_REPORT_USERS approve: set to nothing it
		// silently did the same. (LASTACTIVE_REPORT_USERS itself is not
		// here: its default is nobody, which "," names too.)
		{c.Approvers, "LASTACTIVE_APPROVERS", "nobody", "user IDs, or leave it empty for LASTACTIVE_REPORT_USERS to approve"},
	} {
		if len(l.ids) > 0 && len(slackIDs(l.ids)) == 0 {
			p = append(p, l.name+" is set but names "+l.none+" (only commas or spaces): list Slack "+l.kind)
		}
	}
	c.AllowedUsers, c.AllowedChannels, c.ReportUsers = slackIDs(c.AllowedUsers), slackIDs(c.AllowedChannels), slackIDs(c.ReportUsers)
	p = append(p, placeholders(c)...)

	// A secret with a space or a line break inside (a second line pasted
	// with it) can never work, and would surface as a network failure; what
	// pasting adds around it (a Secret file's trailing newline, a .env
	// file's quotes) is dropped. Never shown.
	for _, s := range []struct {
		name string
		v    *string
	}{
		{"SLACK_APP_TOKEN", &c.SlackAppToken}, {"SLACK_BOT_TOKEN", &c.SlackBotToken}, {"JIRA_API_TOKEN", &c.JiraAPIToken},
		{"ATLASSIAN_API_KEY", &c.APIKey}, {"ATLASSIAN_ADMIN_WRITE_KEY", &c.AdminWriteKey},
	} {
		*s.v = pasted(*s.v)
		if n := len(*s.v); n > maxSecretLen {
			// A file's contents, or a log, pasted where the token
			// belongs: sent as a header, a server answers 431 and the
			// operator reads it as Atlassian or Slack failing.
			p = append(p, fmt.Sprintf("%s is %d characters long, far longer than any token (at most %d): set it to the token alone", s.name, n, maxSecretLen))
		} else if word := authScheme(*s.v); word != "" {
			p = append(p, s.name+" starts with "+word+", copied from a request header: set it to the secret alone, without "+word+" (the bot adds what the API needs)")
		} else if strings.IndexFunc(*s.v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			p = append(p, s.name+" has a space or a line break inside it: paste it again, on one line")
		} else if strings.IndexFunc(*s.v, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
			p = append(p, s.name+" has a character that is not plain ASCII inside it (such as a typographic dash or quote): copy it again from where it was created")
		}
	}
	// The same for the organisation ID, the Jira account and site: sent as
	// they are, a trailing newline made every Admin API call a 404 for an
	// organisation whose ID looks right.
	c.OrgID, c.JiraEmail, c.JiraBaseURL = pasted(c.OrgID), pasted(c.JiraEmail), pasted(c.JiraBaseURL)
	if id, ok := orgFromAdminURL(c.OrgID); ok {
		c.OrgID = id // warned about (warnings)
	}

	switch {
	case c.SlackAppToken == "":
		if n&needSlack != 0 {
			missing("SLACK_APP_TOKEN", "the app-level token, xapp-…")
		}
	case !strings.HasPrefix(c.SlackAppToken, "xapp-"):
		p = append(p, "SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)")
	}
	switch {
	case c.SlackBotToken == "":
		if n&(needSlack|needSlackBot) != 0 {
			missing("SLACK_BOT_TOKEN", "the bot token, xoxb-…")
		}
	case !strings.HasPrefix(c.SlackBotToken, "xoxb-"):
		p = append(p, "SLACK_BOT_TOKEN must start with xoxb- (the Bot User OAuth Token)")
	}
	if u, err := checkURL(c.SlackAPIURL, "https://slack.com/api/"); err != nil {
		p = append(p, "SLACK_API_URL "+err.Error())
	} else {
		c.SlackAPIURL = strings.TrimRight(u, "/") + "/" // slack-go appends method names
	}

	// Jira is optional (people are then found by the Admin API's
	// exact-email search), but all three or none: two of three is a
	// mistake, not a choice.
	if c.JiraConfigured() || n&needJira != 0 {
		switch site, _, err := jiraSite(c.JiraBaseURL); {
		case c.JiraBaseURL == "":
			missing("JIRA_BASE_URL", "your Jira Cloud site, e.g. https://example.atlassian.net; set all three JIRA_* or none")
		case err != nil:
			p = append(p, "JIRA_BASE_URL "+err.Error())
		default:
			c.JiraBaseURL = site
		}
		switch {
		case c.JiraEmail == "":
			missing("JIRA_EMAIL", "the email of the account that owns the Jira API token; set all three JIRA_* or none")
		case !strings.Contains(c.JiraEmail, "@"):
			p = append(p, "JIRA_EMAIL must be an email address")
		}
		if c.JiraAPIToken == "" {
			missing("JIRA_API_TOKEN", "an API token from id.atlassian.com; set all three JIRA_* or none")
		}
	}

	switch {
	case c.OrgID == "":
		if n&needAdmin != 0 {
			missing("ATLASSIAN_ORG_ID", "the organisation ID from admin.atlassian.com")
		}
	case isPlaceholder(c.OrgID):
		// Named by placeholders above. The example env file gives the key
		// the same placeholder, which is no swap to blame.
	case strings.ContainsAny(c.OrgID, "/?#%"):
		p = append(p, "ATLASSIAN_ORG_ID must be the bare organisation ID, not a URL")
	case strings.IndexFunc(c.OrgID, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		// A non-breaking space, a typographic dash or fullwidth digits
		// (a word processor, a chat message) look right and are a 404.
		p = append(p, "ATLASSIAN_ORG_ID has a space, a line break or a character that is not plain ASCII (such as a typographic dash) inside it: "+
			"copy the Organization ID again from admin.atlassian.com → Settings → API keys")
	case len(c.OrgID) > 64 || strings.Contains(c.OrgID, "=") || bot.CredentialPrefix(c.OrgID) ||
		slices.Contains([]string{c.APIKey, c.AdminWriteKey, c.JiraAPIToken, c.SlackAppToken, c.SlackBotToken}, c.OrgID):
		// An Atlassian key or token (about 190 characters, an = before its
		// checksum), usually the Admin API key copied from the same page,
		// or a Slack token (shorter, no =) from the same env file, or the
		// value of a configured secret whatever its shape. It would
		// go into every Admin API path, and so into the logs.
		p = append(p, "ATLASSIAN_ORG_ID holds what looks like an API key or token, not an organisation ID "+
			"(are ATLASSIAN_ORG_ID and ATLASSIAN_API_KEY swapped?): put the key in ATLASSIAN_API_KEY and the Organization ID shown next to it "+
			"(admin.atlassian.com → Settings → API keys) in ATLASSIAN_ORG_ID")
	case c.OrgID == "." || c.OrgID == "..":
		// A dot segment in every Admin API path: a proxy resolves
		// /orgs/../directory/… to another resource.
		p = append(p, "ATLASSIAN_ORG_ID must be the organisation ID from admin.atlassian.com, not a dot")
	}
	if c.APIKey == "" && n&needAdmin != 0 {
		missing("ATLASSIAN_API_KEY", "an Admin API key from admin.atlassian.com → Settings → API keys")
	}
	if u, err := checkURL(c.AdminAPIURL, "https://api.atlassian.com"); err != nil {
		p = append(p, "ATLASSIAN_API_URL "+err.Error())
	} else {
		c.AdminAPIURL = strings.TrimRight(u, "/")
	}

	if c.CacheTTL < 0 {
		p = append(p, "LASTACTIVE_CACHE_TTL must not be negative (0 disables the cache)")
	}
	if c.IdleDays < 1 || c.IdleDays > 3650 {
		p = append(p, "LASTACTIVE_IDLE_DAYS must be a whole number of days between 1 and 3650")
	}
	// Slack IDs are upper case; one pasted in lower case would silently
	// match nobody and lock everyone out, so they are normalised.
	c.AllowedUsers, c.AllowedChannels, c.ReportUsers = slackIDs(c.AllowedUsers), slackIDs(c.AllowedChannels), slackIDs(c.ReportUsers)
	for _, l := range []struct {
		ids  []string
		name string
		re   *regexp.Regexp
		kind string
	}{
		{c.AllowedUsers, "LASTACTIVE_ALLOWED_USERS", slackUserID, userIDs},
		{c.ReportUsers, "LASTACTIVE_REPORT_USERS", slackUserID, userIDs},
		{c.AllowedChannels, "LASTACTIVE_ALLOWED_CHANNELS", slackChannelID, channelIDs},
	} {
		for _, id := range l.ids {
			if !l.re.MatchString(id) {
				sep := "separated by commas"
				if strings.IndexFunc(id, unicode.IsSpace) >= 0 {
					sep += ", not spaces" // "U1 U2", "<@U1|ada> <@U2|bob>"
				}
				p = append(p, l.name+" must be Slack "+l.kind+", "+sep)
				break
			}
		}
	}
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || !validPort(port) {
		p = append(p, "LASTACTIVE_HTTP_ADDR must be host:port or :port, e.g. :8080")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, "LASTACTIVE_LOG_LEVEL must be debug, info, warn or error")
	}
	prices, err := parsePrices(c.SeatPricesRaw)
	if err != nil {
		p = append(p, "LASTACTIVE_SEAT_PRICES "+err.Error())
	}
	c.SeatPrices = prices
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	if c.Currency == "" { // set but empty, or a Config built in code
		c.Currency = seat.DefaultCurrency
	}
	if err := seat.ValidCurrency(c.Currency); err != nil {
		p = append(p, "LASTACTIVE_CURRENCY "+err.Error())
	}
	p = append(p, c.validateState()...)
	if strings.TrimSpace(c.DigestSchedule) == "" { // set but empty, or a Config built in code
		c.DigestSchedule = defaultDigestSchedule
	}
	// The digest's schedule is checked even without a channel, so a typo
	// shows at the first start, not the day the channel is set.
	if sched, err := schedule.Parse(c.DigestSchedule); err != nil {
		p = append(p, "LASTACTIVE_DIGEST_SCHEDULE "+strings.TrimPrefix(err.Error(), schedule.ErrInvalid.Error()+": ")+
			" (use 5 cron fields such as 0 9 * * MON, optionally after CRON_TZ=Area/City, or @every DURATION)")
	} else {
		c.DigestSlots = sched
	}
	// A channel link copied from a message (<#C012AB|seats>) is its ID, as in the lists.
	if ids := slackIDs([]string{c.DigestChannel}); len(ids) == 1 {
		c.DigestChannel = ids[0]
	} else {
		c.DigestChannel = ""
	}
	if c.DigestChannel != "" && !slackChannelID.MatchString(c.DigestChannel) {
		p = append(p, "LASTACTIVE_DIGEST_CHANNEL must be a Slack channel ID such as C012ABCDEF (it starts with C, G or D: the channel's details, at the bottom of About)")
	}
	p = append(p, c.validateNudge()...)
	if len(p) > 0 {
		return &configError{p}
	}
	return nil
}

// JiraConfigured reports whether any JIRA_* variable is set (validate
// makes sure it is then all three).
func (c *Config) JiraConfigured() bool {
	return c.JiraBaseURL != "" || c.JiraEmail != "" || c.JiraAPIToken != ""
}

// AdminConfigured reports whether both Admin API variables are set.
func (c *Config) AdminConfigured() bool { return c.OrgID != "" && c.APIKey != "" }

// priceWarnings names each product key of LASTACTIVE_SEAT_PRICES that
// lastactive does not know: confluenc=6.05 prices nothing, and the idle
// report would show no cost. (Malformed, validate says so.)
func priceWarnings(raw string) []string {
	prices, err := parsePrices(raw)
	if err != nil {
		return nil
	}
	var w []string
	for _, k := range slices.Sorted(maps.Keys(prices)) {
		if !seat.Known(k) {
			w = append(w, unknownProduct("LASTACTIVE_SEAT_PRICES", k))
		}
	}
	return w
}

// unknownProduct warns that variable names k, a product key lastactive
// does not know, with the known key it is close to, if any.
func unknownProduct(variable, k string) string {
	w := variable + " names " + k + ", a product key lastactive does not know (" + seat.KnownProducts() + "): check the spelling"
	if hint := bot.DidYouMean(k); hint != "" {
		w += "." + hint
	}
	return w
}

// warnings says what validate will correct in c, to be told on stderr. (A
// Config holds no such list: its fields are printed through redaction.)
func (c Config) warnings() []string {
	var w []string
	approvers := slackIDs(c.Approvers)
	if len(approvers) == 0 {
		approvers = slackIDs(c.ReportUsers)
	}
	if on := strings.EqualFold(strings.TrimSpace(c.NudgeMode), nudgeOn); on && len(approvers) == 0 {
		w = append(w, "LASTACTIVE_NUDGE is on, but nobody can approve a release: set LASTACTIVE_APPROVERS "+
			"(or LASTACTIVE_REPORT_USERS); until then every Release answer waits")
	} else if on && len(approvers) == 1 {
		w = append(w, "LASTACTIVE_NUDGE is on with one approver: nobody decides about their own seat or their own "+
			"request, so a release of the approver's idle seat waits until LASTACTIVE_APPROVERS names a second")
	}
	mode := strings.ToLower(strings.TrimSpace(c.NudgeMode))
	if (mode == nudgeOn || mode == nudgeDryRun) && strings.TrimSpace(strings.Join(c.NudgeProducts, "")) == "" &&
		strings.TrimSpace(c.SeatPricesRaw) == "" {
		// Allowed (a dry run may be set up before the prices), but each
		// round would otherwise first say so as a failed slot, days later.
		w = append(w, "LASTACTIVE_NUDGE is "+mode+", but no product is covered: set LASTACTIVE_NUDGE_PRODUCTS "+
			"(or LASTACTIVE_SEAT_PRICES, whose products it then covers); until then every nudge round fails")
	}
	for _, k := range c.NudgeProducts {
		// Allowed (Atlassian may report a product lastactive does not know
		// yet), but most likely a typo, after which the round covers
		// nothing and says nothing.
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && productKey.MatchString(k) && !seat.Known(k) {
			w = append(w, unknownProduct("LASTACTIVE_NUDGE_PRODUCTS", k))
		}
	}
	w = append(w, priceWarnings(c.SeatPricesRaw)...)
	if d, err := state.ParseRetention(c.RetentionRaw); c.RetentionRaw != "" && err == nil && d < 24*time.Hour {
		// Allowed (any Go duration is), but "12m" meant as months would
		// delete the trail after twelve minutes.
		w = append(w, fmt.Sprintf("LASTACTIVE_AUDIT_RETENTION is %v: audit entries older than that are deleted "+
			"(m is minutes; write days as 400d)", d))
	}
	// An ID that starts with the right letter can still be a name
	// ("general", "dev", "will"): Slack's IDs have digits.
	for _, l := range []struct {
		name string
		ids  []string
		re   *regexp.Regexp
	}{
		{"LASTACTIVE_ALLOWED_USERS", c.AllowedUsers, slackUserID}, {"LASTACTIVE_REPORT_USERS", c.ReportUsers, slackUserID},
		{"LASTACTIVE_APPROVERS", c.Approvers, slackUserID}, {"LASTACTIVE_ALLOWED_CHANNELS", c.AllowedChannels, slackChannelID},
		{"LASTACTIVE_DIGEST_CHANNEL", []string{c.DigestChannel}, slackChannelID},
	} {
		for _, id := range slackIDs(l.ids) {
			if l.re.MatchString(id) && !strings.ContainsAny(id, "0123456789") {
				w = append(w, l.name+" names "+id+", which looks like a name rather than a Slack ID (IDs such as U012ABCDEF "+
					"or C012ABCDEF have digits): nobody and nowhere matches a name")
			}
		}
	}
	if digest, allowed := slackIDs([]string{pasted(c.DigestChannel)}), slackIDs(c.AllowedChannels); len(digest) == 1 && len(allowed) > 0 && !slices.Contains(allowed, digest[0]) {
		// A click passes the command's authorisation: Full list under the
		// digest would be refused in its own channel.
		w = append(w, "LASTACTIVE_DIGEST_CHANNEL "+digest[0]+" is not one of LASTACTIVE_ALLOWED_CHANNELS: the digest is posted there, "+
			"but its Full list button is refused there, as /lastactive is; add it to LASTACTIVE_ALLOWED_CHANNELS")
	}
	if id, ok := orgFromAdminURL(pasted(c.OrgID)); ok {
		w = append(w, "ATLASSIAN_ORG_ID is an address of Atlassian Administration: using the organisation ID in it, "+id+
			" (set ATLASSIAN_ORG_ID to that to silence this warning)")
	}
	if !c.JiraConfigured() {
		return w
	}
	if site, reduced, err := jiraSite(c.JiraBaseURL); err == nil && reduced {
		w = append(w, "JIRA_BASE_URL is a page address, not a site: using "+site+" (set JIRA_BASE_URL to that to silence this warning)")
	}
	return w
}

// pasted undoes what pasting adds around a value: spaces and line breaks
// (a Secret made with echo, an env file written on Windows), an editor's
// byte-order mark, and one pair of quotes kept from a .env file. None of
// these can begin or end a token, an ID, an email or a URL.
func pasted(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' })
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = strings.TrimFunc(v[1:len(v)-1], unicode.IsSpace)
	}
	return v
}

// orgFromAdminURL takes the organisation ID out of an address of Atlassian
// Administration, admin.atlassian.com/o/ID/…, which is where admins find it.
func orgFromAdminURL(v string) (string, bool) {
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := url.Parse(v)
	if err != nil || !strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), "admin.atlassian.com") {
		return "", false
	}
	seg := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(seg) < 2 || seg[0] != "o" || seg[1] == "" || seg[1] == "." || seg[1] == ".." {
		return "", false
	}
	return seg[1], true
}

// validPort reports a port net.Listen takes: a number from 0 to 65535
// (0: any free port), or a service name such as http.
func validPort(port string) bool {
	if n, err := strconv.Atoi(port); err == nil {
		return n >= 0 && n <= 65535 && port == strconv.Itoa(n)
	}
	_, err := net.LookupPort("tcp", port)
	return err == nil
}

// slackIDs trims, upper-cases and drops empty entries, and reads a mention
// or channel link as its ID.
func slackIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		// A mention or a channel link copied from a message: <@U012AB|ada>,
		// <#C012AB|general>. Only one: two separated by a space,
		// "<@U1|ada> <@U2|bob>", were read as the first alone; kept whole,
		// they are refused as not an ID (validate).
		if len(id) > 3 && (strings.HasPrefix(id, "<@") || strings.HasPrefix(id, "<#")) && strings.HasSuffix(id, ">") &&
			!strings.ContainsAny(id[2:len(id)-1], "<>") {
			id, _, _ = strings.Cut(id[2:len(id)-1], "|")
		}
		if id = strings.ToUpper(strings.TrimSpace(id)); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// placeholderMarks are the fill-in markers of deploy/lastactive.env.example
// and their usual variants, compared in upper case.
var placeholderMarks = []string{"REPLACE-ME", "REPLACE_ME", "REPLACEME", "CHANGE-ME", "CHANGEME"}

// isPlaceholder reports whether v was copied from the example env file (or
// the README's examples) without being filled in.
func isPlaceholder(v string) bool {
	u := strings.ToUpper(v)
	for _, m := range placeholderMarks {
		if strings.Contains(u, m) {
			return true
		}
	}
	t := strings.TrimSpace(v)
	return len(t) > 2 && t[0] == '<' && t[len(t)-1] == '>'
}

// placeholders names every variable that still holds a placeholder. The
// message never shows the value: for a token it is the secret's slot.
func placeholders(c *Config) []string {
	var p []string
	for _, v := range []struct{ name, value string }{
		{"SLACK_APP_TOKEN", c.SlackAppToken}, {"SLACK_BOT_TOKEN", c.SlackBotToken}, {"SLACK_API_URL", c.SlackAPIURL},
		{"JIRA_BASE_URL", c.JiraBaseURL}, {"JIRA_EMAIL", c.JiraEmail}, {"JIRA_API_TOKEN", c.JiraAPIToken},
		{"ATLASSIAN_ORG_ID", c.OrgID}, {"ATLASSIAN_API_KEY", c.APIKey}, {"ATLASSIAN_API_URL", c.AdminAPIURL},
		{"ATLASSIAN_ADMIN_WRITE_KEY", c.AdminWriteKey}, {"LASTACTIVE_DATABASE_URL", c.DatabaseURL},
		{"LASTACTIVE_ALLOWED_USERS", strings.Join(c.AllowedUsers, ",")},
		{"LASTACTIVE_ALLOWED_CHANNELS", strings.Join(c.AllowedChannels, ",")},
		{"LASTACTIVE_REPORT_USERS", strings.Join(c.ReportUsers, ",")},
	} {
		placeholder := isPlaceholder(v.value)
		switch v.name {
		case "JIRA_BASE_URL":
			if u, err := url.Parse(strings.TrimSpace(v.value)); err == nil && strings.EqualFold(u.Hostname(), "example.atlassian.net") {
				placeholder = true
			}
		case "JIRA_EMAIL":
			placeholder = placeholder || strings.EqualFold(v.value, "lastactive-bot@example.com")
		}
		if placeholder {
			p = append(p, v.name+" still holds the placeholder from the example env file: put the real value in")
		}
	}
	return p
}

// jiraSite reduces a Jira address to its site (scheme and host): people
// paste what their browser shows, such as
// https://acme.atlassian.net/jira/your-work?x=1. reduced says something was
// dropped. A user name or password in it is refused, not dropped: the
// address then holds a credential that must not be there at all.
func jiraSite(raw string) (site string, reduced bool, err error) {
	t := strings.TrimSpace(raw)
	u, perr := url.Parse(t)
	if perr != nil || u.Host == "" || u.Opaque != "" {
		return "", false, errors.New("must be your Jira Cloud site, such as https://example.atlassian.net")
	}
	if u.User != nil {
		return "", false, errors.New("must not contain a user name or password (they go in JIRA_EMAIL and JIRA_API_TOKEN)")
	}
	site, err = checkURL((&url.URL{Scheme: u.Scheme, Host: u.Host}).String(), "https://example.atlassian.net")
	if err != nil {
		return "", false, err
	}
	// Jira Cloud sites are on atlassian.net (or a domain of their own);
	// atlassian.com is Atlassian Administration, the account pages and the
	// Admin API, which answer no Jira call.
	if h := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")); h == "atlassian.com" || strings.HasSuffix(h, ".atlassian.com") {
		return "", false, errors.New("must be your Jira Cloud site, such as https://example.atlassian.net, not an Atlassian page " +
			"(admin.atlassian.com and id.atlassian.com are not Jira; open Jira and copy the address up to .atlassian.net)")
	}
	reduced = strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != ""
	return site, reduced, nil
}

// authScheme is the HTTP authorisation scheme that a secret copied from a
// curl example or a request log starts with ("Bearer", "Basic", after an
// optional "Authorization:"), or "". Only the scheme is ever shown.
func authScheme(v string) string {
	f := strings.Fields(v)
	if len(f) > 1 && strings.EqualFold(f[0], "Authorization:") {
		f = f[1:]
	}
	if len(f) < 2 {
		return ""
	}
	for _, w := range []string{"Bearer", "Basic"} {
		if strings.EqualFold(f[0], w) {
			return w
		}
	}
	return ""
}

// checkURL accepts https URLs, and http only on loopback (tests and local
// proxies): credentials must not travel in clear text. example is what a
// right value of the variable looks like: each names a different API, and
// a Jira site's example sent admins to put one in SLACK_API_URL.
func checkURL(raw, example string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("must be an absolute URL such as " + example)
	}
	switch u.Scheme {
	case "https":
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", errors.New("must use https (http is accepted only for loopback addresses)")
		}
	default:
		return "", errors.New("must be an https URL")
	}
	return u.String(), nil
}

// parsePrices reads "jira-software=8.60,confluence=6.05". Keys are kept as
// written; seat.Prices.Of finds a price under any key of its product, so
// jira=8.60 prices jira-software too. Naming one product twice, under one
// key or two of its keys, is refused as ambiguous.
func parsePrices(raw string) (map[string]float64, error) {
	out := map[string]float64{}
	spelled := map[string]string{} // canonical key → key as configured
	if strings.TrimSpace(raw) == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(raw, ",") {
		if strings.TrimSpace(part) == "" {
			continue // a trailing or doubled comma, as in every list
		}
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		// Any case, as LASTACTIVE_NUDGE_PRODUCTS and --product read keys:
		// Confluence=6.05 stopped the program as malformed. ASCII only: a
		// Kelvin sign is no k.
		k = state.LowerASCII(strings.TrimSpace(k))
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		// Written as !(in range) so that NaN, which fails every comparison, is refused.
		if !ok || !productKey.MatchString(k) || err != nil || !(f >= 0 && f <= 100000) {
			return nil, errors.New("must look like jira-software=8.60,confluence=6.05")
		}
		c := seat.Canonical(k)
		if prev, dup := spelled[c]; dup {
			if prev == k {
				return nil, errors.New("names a product twice")
			}
			return nil, errors.New("names one product under two keys (such as jira and jira-software)")
		}
		spelled[c] = k
		out[k] = f
	}
	return out, nil
}
