package main

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func validBase() Config {
	return Config{
		SlackAppToken: "xapp-1", SlackBotToken: "xoxb-1", SlackAPIURL: "https://slack.com/api/",
		OrgID: "org-1", APIKey: "key", AdminAPIURL: "https://api.atlassian.com",
		CacheTTL: time.Hour, HTTPAddr: ":8080", LogLevel: "info", IdleDays: 90,
	}
}

// TestSlackIDsAreNormalised: IDs pasted in lower case or with spaces would
// match nobody and lock everyone out; they are trimmed and upper-cased.
func TestSlackIDsAreNormalised(t *testing.T) {
	c := validBase()
	c.AllowedUsers = []string{" u0ok ", "U0B"}
	c.AllowedChannels = []string{"c0chan", " "}
	c.ReportUsers = []string{"w0boss"}
	if err := c.validate(needSlack | needAdmin); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		got, want []string
	}{
		{"users", c.AllowedUsers, []string{"U0OK", "U0B"}},
		{"channels", c.AllowedChannels, []string{"C0CHAN"}},
		{"report users", c.ReportUsers, []string{"W0BOSS"}},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestJiraIsAllOrNothing: Jira is optional, but two of three is a mistake.
func TestJiraIsAllOrNothing(t *testing.T) {
	tests := []struct {
		name                string
		base, email, token  string
		wantErr, wantAbsent string
	}{
		{"none", "", "", "", "", ""},
		{"all three", "https://acme.atlassian.net", "a@b.c", "t", "", ""},
		{"no token", "https://acme.atlassian.net", "a@b.c", "", "JIRA_API_TOKEN is not set", "JIRA_EMAIL"},
		{"only the site", "https://acme.atlassian.net", "", "", "JIRA_EMAIL is not set", ""},
		{"only the token", "", "", "t", "JIRA_BASE_URL is not set", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validBase()
			c.JiraBaseURL, c.JiraEmail, c.JiraAPIToken = tt.base, tt.email, tt.token
			err := c.validate(needSlack | needAdmin)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			case tt.wantAbsent != "" && strings.Contains(err.Error(), tt.wantAbsent):
				t.Errorf("err = %v names %s, which is set", err, tt.wantAbsent)
			}
		})
	}
}

// TestJiraSite: an address copied from the browser is reduced to the site;
// credentials in it are refused, not dropped.
func TestJiraSite(t *testing.T) {
	tests := []struct {
		in, want string
		reduced  bool
		err      string
	}{
		{"https://acme.atlassian.net", "https://acme.atlassian.net", false, ""},
		{"https://acme.atlassian.net/", "https://acme.atlassian.net", false, ""},
		{" https://acme.atlassian.net ", "https://acme.atlassian.net", false, ""},
		{"https://acme.atlassian.net/jira/your-work", "https://acme.atlassian.net", true, ""},
		{"https://acme.atlassian.net/jira/software/projects/X/boards/1?selectedIssue=X-1#top", "https://acme.atlassian.net", true, ""},
		{"https://acme.atlassian.net?", "https://acme.atlassian.net", true, ""},
		{"http://127.0.0.1:8080/rest/api/3", "http://127.0.0.1:8080", true, ""},
		{"https://ops:token@acme.atlassian.net/jira", "", false, "user name or password"},
		{"http://acme.atlassian.net", "", false, "https"},
		{"acme.atlassian.net", "", false, "Jira Cloud site"},
		// Atlassian's own pages, copied instead of the site: refused, not
		// "reduced" to a host that answers no Jira call.
		{"https://admin.atlassian.com/o/0a1b2c3d/overview", "", false, "not an Atlassian page"},
		{"https://admin.atlassian.com", "", false, "not an Atlassian page"},
		{"https://id.atlassian.com/manage-profile/security/api-tokens", "", false, "not an Atlassian page"},
		{"https://api.atlassian.com", "", false, "not an Atlassian page"},
		{"https://START.Atlassian.com./", "", false, "not an Atlassian page"},
		{"", "", false, "Jira Cloud site"},
	}
	for _, tt := range tests {
		site, reduced, err := jiraSite(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("jiraSite(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || site != tt.want || reduced != tt.reduced {
			t.Errorf("jiraSite(%q) = %q, %v, %v; want %q, %v", tt.in, site, reduced, err, tt.want, tt.reduced)
		}
	}
}

// FuzzJiraSite: whatever is pasted, an accepted site is scheme and host
// only, passes checkURL, is its own site, and never carries a user,
// password, path, query or fragment of the input.
func FuzzJiraSite(f *testing.F) {
	for _, s := range []string{"https://acme.atlassian.net/jira/your-work", "https://a.atlassian.net/?q=1#x",
		"https://u:p@a.atlassian.net", "http://[::1]:80/x", "https://%zz", "HTTPS://ACME.atlassian.net/", "https://a.net:443/%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		site, _, err := jiraSite(raw)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		u, perr := url.Parse(site)
		if perr != nil || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
			t.Fatalf("jiraSite(%q) = %q, not scheme and host only", raw, site)
		}
		if _, err := checkURL(site, "https://example.atlassian.net"); err != nil {
			t.Fatalf("jiraSite(%q) = %q, which checkURL refuses: %v", raw, site, err)
		}
		again, reduced, err := jiraSite(site)
		if err != nil || again != site || reduced {
			t.Fatalf("jiraSite(%q) = %q, %v, %v; want itself", site, again, reduced, err)
		}
	})
}

// TestPlaceholdersAreRefused: every value still as in the example env file
// is named, and no message quotes it.
func TestPlaceholdersAreRefused(t *testing.T) {
	c := validBase()
	c.SlackAppToken, c.SlackBotToken, c.OrgID, c.APIKey = "xapp-REPLACE-ME", "xoxb-REPLACE-ME", "REPLACE-ME", "replace-me"
	c.JiraBaseURL, c.JiraEmail, c.JiraAPIToken = "https://example.atlassian.net", "lastactive-bot@example.com", "<your token>"
	err := c.validate(needSlack | needAdmin)
	if err == nil {
		t.Fatal("placeholders accepted")
	}
	for _, v := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "ATLASSIAN_ORG_ID", "ATLASSIAN_API_KEY", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"} {
		if !strings.Contains(err.Error(), v+" still holds the placeholder") {
			t.Errorf("%s not named: %v", v, err)
		}
	}
	if strings.Contains(strings.ToUpper(err.Error()), "REPLACE-ME") || strings.Contains(err.Error(), "your token") {
		t.Errorf("the error quotes a value: %v", err)
	}
}

// TestDatabaseURLPlaceholderIsRefused: the example env file's PostgreSQL
// line, uncommented with its password still REPLACE-ME, was taken as it is:
// check then blamed DNS or the password instead of the placeholder the file
// promises to refuse. Named without the URL (it holds the password).
func TestDatabaseURLPlaceholderIsRefused(t *testing.T) {
	c := validBase()
	c.DatabaseURL = "postgres://lastactive:REPLACE-ME@db.example.internal:5432/lastactive?sslmode=verify-full"
	err := c.validate(needSlack | needAdmin)
	if err == nil || !strings.Contains(err.Error(), "LASTACTIVE_DATABASE_URL still holds the placeholder") {
		t.Fatalf("validate = %v, want LASTACTIVE_DATABASE_URL named as a placeholder", err)
	}
	if strings.Contains(err.Error(), "REPLACE-ME") || strings.Contains(err.Error(), "db.example.internal") {
		t.Errorf("the error quotes the URL: %v", err)
	}
}

// TestSecretsOnOneLine: a secret with a space or a line break inside (a
// second line pasted with it) can never work and used to surface as a
// network failure; it is refused by name, without its value. Whitespace
// around it (a Secret file's trailing newline) is dropped.
func TestSecretsOnOneLine(t *testing.T) {
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_API_TOKEN", "ATLASSIAN_API_KEY", "ATLASSIAN_ADMIN_WRITE_KEY"} {
		for _, c := range []struct {
			value, wantErr string
		}{
			{"SECRET-1\nx", "inside it"},
			{"SECRET 1", "inside it"},
			{"SECRET\t1", "inside it"},
			{"SECRET\x001", "inside it"},
			{" SECRET-1\n", ""},
		} {
			cfg := validBase()
			cfg.JiraBaseURL, cfg.JiraEmail, cfg.JiraAPIToken = "https://acme.atlassian.net", "a@b.c", "t"
			field := map[string]*string{"SLACK_APP_TOKEN": &cfg.SlackAppToken, "SLACK_BOT_TOKEN": &cfg.SlackBotToken,
				"JIRA_API_TOKEN": &cfg.JiraAPIToken, "ATLASSIAN_API_KEY": &cfg.APIKey, "ATLASSIAN_ADMIN_WRITE_KEY": &cfg.AdminWriteKey}[name]
			prefix := map[string]string{"SLACK_APP_TOKEN": "xapp-", "SLACK_BOT_TOKEN": "xoxb-"}[name]
			v := c.value
			if prefix != "" {
				v = strings.Replace(v, "SECRET", prefix+"SECRET", 1)
			}
			*field = v
			err := cfg.validate(needSlack | needAdmin)
			if c.wantErr == "" {
				if err != nil {
					t.Errorf("%s=%q: %v", name, c.value, err)
				} else if *field != strings.TrimSpace(v) {
					t.Errorf("%s=%q kept as %q, want it trimmed", name, c.value, *field)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), name+" has a space or a line break inside it") {
				t.Errorf("%s=%q: err %v, want it refused by name", name, c.value, err)
			} else if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("%s: the error shows the value: %v", name, err)
			}
		}
	}
}

// TestHTTPAddrPort: a port net.Listen would refuse is a configuration
// error (exit 2, naming the variable), not a failure to listen (exit 1).
func TestHTTPAddrPort(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{":8080", true}, {"127.0.0.1:9090", true}, {":0", true}, {"[::1]:8080", true}, {":http", true},
		{":99999", false}, {":-1", false}, {"127.0.0.1:18184x", false}, {":8080 ", false}, {"8080", false}, {":08080", false},
	} {
		cfg := validBase()
		cfg.HTTPAddr = c.addr
		err := cfg.validate(needSlack | needAdmin)
		if got := err == nil; got != c.ok {
			t.Errorf("%q: err %v, want ok %v", c.addr, err, c.ok)
		} else if err != nil && !strings.Contains(err.Error(), "LASTACTIVE_HTTP_ADDR must be") {
			t.Errorf("%q: err %v, want it to name LASTACTIVE_HTTP_ADDR", c.addr, err)
		}
	}
}

// TestNudgeProductsSpelling: a product key lastactive does not know in
// LASTACTIVE_NUDGE_PRODUCTS is most likely a typo, after which the round
// covers nothing and says nothing: it is warned about by name.
func TestNudgeProductsSpelling(t *testing.T) {
	c := validBase()
	c.NudgeProducts = []string{"jira", " Confluenc ", "jira-software"}
	w := strings.Join(c.warnings(), "\n")
	if !strings.Contains(w, "LASTACTIVE_NUDGE_PRODUCTS names confluenc") {
		t.Errorf("warnings %q do not name the unknown key", w)
	}
	if strings.Contains(w, "names jira") || strings.Count(w, "LASTACTIVE_NUDGE_PRODUCTS names") != 1 {
		t.Errorf("warnings %q name a known key", w)
	}
}

// TestDigestChannelOutsideTheAllowedChannelsIsWarned: a click passes the
// command's authorisation, so with LASTACTIVE_ALLOWED_CHANNELS set and the
// digest channel not in it, every Full list click under the digest is
// refused: said at start, naming both variables. Not when the list is
// empty (every channel allowed) or names the digest channel.
func TestDigestChannelOutsideTheAllowedChannelsIsWarned(t *testing.T) {
	c := validBase()
	c.DigestChannel = "C0DIGEST1"
	c.AllowedChannels = []string{"C0SUPPORT1"}
	if w := strings.Join(c.warnings(), "\n"); !strings.Contains(w, "LASTACTIVE_DIGEST_CHANNEL") || !strings.Contains(w, "LASTACTIVE_ALLOWED_CHANNELS") {
		t.Errorf("warnings %q do not say the digest channel is outside the allowed channels", w)
	}
	for _, allowed := range [][]string{nil, {"C0SUPPORT1", "C0DIGEST1"}} {
		c.AllowedChannels = allowed
		if w := strings.Join(c.warnings(), "\n"); strings.Contains(w, "LASTACTIVE_DIGEST_CHANNEL") {
			t.Errorf("allowed %v: warnings %q", allowed, w)
		}
	}
}

// TestNudgeWithoutApproversIsWarned: with nudges on and nobody to approve
// (no LASTACTIVE_APPROVERS, no LASTACTIVE_REPORT_USERS), every Release
// answer waits for ever: said at start.
func TestNudgeWithoutApproversIsWarned(t *testing.T) {
	c := validBase()
	c.NudgeMode = "on"
	if w := strings.Join(c.warnings(), "\n"); !strings.Contains(w, "nobody can approve") {
		t.Errorf("warnings %q do not say nobody can approve", w)
	}
	c.ReportUsers = []string{"U0BOSS"}
	if w := strings.Join(c.warnings(), "\n"); strings.Contains(w, "nobody can approve") {
		t.Errorf("warned with a report user to approve: %q", w)
	}
	// One approver cannot decide about their own seat: said too.
	if w := strings.Join(c.warnings(), "\n"); !strings.Contains(w, "one approver") {
		t.Errorf("warnings %q do not say a single approver's own seat waits", w)
	}
	c.Approvers = []string{"U0BOSS", "U0DEPUTY"}
	if w := strings.Join(c.warnings(), "\n"); strings.Contains(w, "one approver") {
		t.Errorf("warned with two approvers: %q", w)
	}
	c.Approvers = nil
	c.ReportUsers, c.NudgeMode = nil, "dry-run"
	if w := strings.Join(c.warnings(), "\n"); strings.Contains(w, "nobody can approve") {
		t.Errorf("warned for a dry run: %q", w)
	}
}

// TestNudgeCoveringNothingIsWarned: LASTACTIVE_NUDGE on (or dry-run)
// with neither LASTACTIVE_NUDGE_PRODUCTS nor LASTACTIVE_SEAT_PRICES started
// without a word, and each round, days later, was an ERROR line "slot
// failed": no product is covered. Said at start, naming both variables;
// not when either is set, nor with nudges off.
func TestNudgeCoveringNothingIsWarned(t *testing.T) {
	for _, mode := range []string{"on", "dry-run"} {
		c := validBase()
		c.NudgeMode = mode
		if w := strings.Join(c.warnings(), "\n"); !strings.Contains(w, "no product is covered") ||
			!strings.Contains(w, "LASTACTIVE_NUDGE_PRODUCTS") || !strings.Contains(w, "LASTACTIVE_SEAT_PRICES") {
			t.Errorf("%s: warnings %q do not say no product is covered", mode, w)
		}
	}
	covered := validBase()
	covered.NudgeMode, covered.NudgeProducts = "on", []string{"confluence"}
	priced := validBase()
	priced.NudgeMode, priced.SeatPricesRaw = "on", "confluence=6.05"
	off := validBase()
	for name, c := range map[string]Config{"products": covered, "prices": priced, "off": off} {
		if w := strings.Join(c.warnings(), "\n"); strings.Contains(w, "no product is covered") {
			t.Errorf("%s: warned: %q", name, w)
		}
	}
}

// TestClipKeepsCharactersWhole: clip cuts between characters, never inside
// one (the audit trail's actor is clipped; half a character is invalid
// UTF-8).
func TestClipKeepsCharactersWhole(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5} {
		if got := clip("ééé", n); !utf8.ValidString(got) {
			t.Errorf("clip(ééé, %d) = %q, not valid UTF-8", n, got)
		}
	}
}

// TestDatabasePasswordWithASlash: a '/' left unescaped in the PostgreSQL
// password ("31415/pie") ends the host for every URL parser, pgx's too:
// "lb:31415" becomes the host and port and "pie@db…" the database, so the
// connection can never work and pgx's error quotes "database=pie@…". It is
// refused at start, naming the variable only.
func TestDatabasePasswordWithASlash(t *testing.T) {
	c := validBase()
	c.DatabaseURL, c.RetentionRaw = "postgres://lb:31415/pie@db.internal:5432/state", "400d"
	p := c.validateState()
	if len(p) == 0 {
		t.Fatal("accepted")
	}
	for _, s := range p {
		if strings.Contains(s, "31415") || strings.Contains(s, "pie") {
			t.Errorf("the problem quotes the password: %s", s)
		}
	}
	// Escaped, or with '#' or '?' (which pgx reads as part of the password),
	// it is accepted.
	for _, ok := range []string{"postgres://lb:31415%2Fpie@db.internal:5432/state", "postgres://lb:2024#Winter@db.internal/state", "postgres://lb:8675309?x@db.internal/state"} {
		c.DatabaseURL = ok
		if p := c.validateState(); len(p) != 0 {
			t.Errorf("%s refused: %v", ok, p)
		}
	}
}

// TestPastedFormsAreRead: what admins paste from Slack and spreadsheets is
// read, not refused: a mention or a channel link copied from a message
// (<@U012AB|ada>, <#C012AB|general>) as its ID, a trailing comma in the
// seat prices as in every other list, and a currency in lower case.
// Before, the mention was "still holds the placeholder", the comma "must
// look like jira-software=8.60" and "usd" refused.
func TestPastedFormsAreRead(t *testing.T) {
	c := validBase()
	c.AllowedUsers = []string{"<@U012AB|ada>", " <@W034CD> "}
	c.AllowedChannels = []string{"<#C012AB|general>"}
	c.ReportUsers = []string{"<@U012AB>"}
	c.Approvers = []string{"<@U056EF|bo>"}
	c.DigestChannel = "<#C078GH|seats>"
	c.SeatPricesRaw = "confluence=6.05,jira-software=8.60, ,"
	c.Currency = " eur "
	if err := c.validate(needSlack | needAdmin); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		got, want []string
	}{
		{"users", c.AllowedUsers, []string{"U012AB", "W034CD"}},
		{"channels", c.AllowedChannels, []string{"C012AB"}},
		{"report users", c.ReportUsers, []string{"U012AB"}},
		{"approvers", slackIDs(c.Approvers), []string{"U056EF"}},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if len(c.SeatPrices) != 2 || c.SeatPrices["jira-software"] != 8.60 {
		t.Errorf("prices = %v, want two", c.SeatPrices)
	}
	if c.DigestChannel != "C078GH" {
		t.Errorf("digest channel = %q, want C078GH", c.DigestChannel)
	}
	if c.Currency != "EUR" {
		t.Errorf("currency = %q, want EUR", c.Currency)
	}
}

// TestSeatPricesSpelling: a product key lastactive does not know in
// LASTACTIVE_SEAT_PRICES is accepted (Atlassian may sell a product
// lastactive does not know yet), but confluenc=6.05 started without a
// word, and every report then said to set the prices. It is warned about
// by name, with the key it is close to; a known key, or one close to none,
// gets no guess.
func TestSeatPricesSpelling(t *testing.T) {
	c := validBase()
	c.SeatPricesRaw = "jira=8.60, confluenc=6.05,newproduct=1,"
	w := strings.Join(c.warnings(), "\n")
	if !strings.Contains(w, "LASTACTIVE_SEAT_PRICES names confluenc") || !strings.Contains(w, "Did you mean “confluence”?") {
		t.Errorf("warnings %q do not name the misspelt key and its product", w)
	}
	if !strings.Contains(w, "LASTACTIVE_SEAT_PRICES names newproduct") || strings.Count(w, "Did you mean") != 1 {
		t.Errorf("warnings %q: an unknown key close to none is named, with no guess", w)
	}
	if strings.Contains(w, "names jira") {
		t.Errorf("warnings %q name a known key", w)
	}
	c.SeatPricesRaw = "confluenc:lots" // malformed: validate says so, not warnings
	if w := strings.Join(c.warnings(), "\n"); strings.Contains(w, "LASTACTIVE_SEAT_PRICES") {
		t.Errorf("a malformed value is warned about: %q", w)
	}
}
