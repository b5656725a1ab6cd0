package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

// TestPastedIdentifiersAndSecrets: values as admins paste them — a Secret
// made with `echo … | base64` (a trailing newline), an env file written on
// Windows (CR), quotes kept from a .env file, an editor's byte-order mark —
// are the same credential: check proves them all and lookup works, instead
// of a 404 "no organisation org-demo-1 " that shows nothing wrong.
func TestPastedIdentifiersAndSecrets(t *testing.T) {
	f := startFakes(t)
	org := atlassiantest.OrgID
	for _, variant := range []struct {
		name string
		wrap func(string) string
	}{
		{"trailing newline", func(s string) string { return s + "\n" }},
		{"CRLF", func(s string) string { return s + "\r\n" }},
		{"spaces around", func(s string) string { return "  " + s + " " }},
		{"double quotes", func(s string) string { return `"` + s + `"` }},
		{"single quotes", func(s string) string { return "'" + s + "'" }},
		{"byte-order mark", func(s string) string { return "\ufeff" + s }},
	} {
		t.Run(variant.name, func(t *testing.T) {
			env := f.env("ATLASSIAN_ORG_ID="+variant.wrap(org), "ATLASSIAN_API_KEY="+variant.wrap(atlassiantest.APIKey),
				"JIRA_EMAIL="+variant.wrap(atlassiantest.JiraEmail), "JIRA_BASE_URL="+variant.wrap(f.atl.URL()), "JIRA_API_TOKEN="+variant.wrap(atlassiantest.JiraAPIToken),
				"SLACK_BOT_TOKEN="+variant.wrap(slacktest.BotToken), "SLACK_APP_TOKEN="+variant.wrap(slacktest.AppToken))
			r := runBinary(t, env, "", "check")
			if r.code != 0 {
				t.Errorf("check: exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
			}
			r = runBinary(t, env, "", "lookup", "ada@example.com")
			if r.code != 0 || !strings.Contains(r.stdout, "Ada Lovelace") {
				t.Errorf("lookup: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}

	// A look-alike that cannot be safely undone (a typographic dash, a
	// non-breaking space inside, fullwidth digits) is refused at start by
	// name, before any call, instead of a 404 that shows nothing wrong.
	for _, bad := range []string{"org\u2013demo-1", "org-demo\u00a01", "org-demo-\uff11"} {
		r := runBinary(t, f.env("ATLASSIAN_ORG_ID="+bad), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_ORG_ID") || strings.Contains(r.stderr, "demo") {
			t.Errorf("ATLASSIAN_ORG_ID=%q: exit %d, want 2 naming the variable without the value:\n%s", bad, r.code, r.stderr)
		}
		r = runBinary(t, f.env("ATLASSIAN_ORG_ID="+bad), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: ATLASSIAN_ORG_ID") {
			t.Errorf("check with ATLASSIAN_ORG_ID=%q: exit %d, want a configuration FAIL:\n%s", bad, r.code, r.stdout)
		}
	}
}

// TestSlackIDsOfTheWrongKind: a channel name, a person's name or an ID of
// the other kind passed the "letters and digits" check, and the bot started
// allowing nobody (every command "not allowed here") or posting the digest
// to a person. User IDs start with U or W, channel IDs with C, G or D: the
// rest is refused at start by name, and check says the same. A name that
// does start so ("general", "dev") is warned about: IDs have digits.
func TestSlackIDsOfTheWrongKind(t *testing.T) {
	f := startFakes(t)
	for _, bad := range []string{
		"LASTACTIVE_ALLOWED_CHANNELS=random", "LASTACTIVE_ALLOWED_CHANNELS=U012ABCDEF",
		"LASTACTIVE_ALLOWED_USERS=ada", "LASTACTIVE_REPORT_USERS=C012ABCDEF", "LASTACTIVE_APPROVERS=ada,U012ABCDEF",
		"LASTACTIVE_DIGEST_CHANNEL=support", "LASTACTIVE_DIGEST_CHANNEL=U012ABCDEF",
	} {
		name, _, _ := strings.Cut(bad, "=")
		r := runBinary(t, f.env(bad), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, name+" must be ") {
			t.Errorf("%s: lookup exit %d, want 2 naming %s:\n%s", bad, r.code, name, r.stderr)
		}
		r = runBinary(t, f.env(bad), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: "+name+" must be ") {
			t.Errorf("%s: check exit %d, want a configuration FAIL naming %s:\n%s", bad, r.code, name, r.stdout)
		}
	}
	r := runBinary(t, f.env("LASTACTIVE_ALLOWED_CHANNELS=C012ABCDEF,general"), "", "lookup", "ada@example.com")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: LASTACTIVE_ALLOWED_CHANNELS names GENERAL") {
		t.Errorf("a channel name like an ID: exit %d, want 0 with a warning:\n%s", r.code, r.stderr)
	}
}

// TestWholeNumbersAreDecimal: the whole-number variables were read in Go
// syntax, so LASTACTIVE_IDLE_DAYS=050 meant 40 days (octal: Ada's Compass,
// 45 days unused, turned idle and nudgeable), 0x5A meant 90 and 1_0 meant
// 10, while 090 was refused as "not a whole number". They are decimal, as
// written; spaces around are dropped; anything else is refused by name.
func TestWholeNumbersAreDecimal(t *testing.T) {
	f := startFakes(t)
	compass := func(out string) string {
		for line := range strings.SplitSeq(out, "\n") {
			if strings.Contains(line, "Compass") {
				return line
			}
		}
		return ""
	}
	for _, days := range []string{"050", " 50 ", "+50"} {
		r := runBinary(t, f.env("LASTACTIVE_IDLE_DAYS="+days), "", "lookup", "ada@example.com")
		if line := compass(r.stdout); r.code != 0 || !strings.HasSuffix(strings.TrimSpace(line), "active") {
			t.Errorf("LASTACTIVE_IDLE_DAYS=%q: exit %d, Compass (45 days) = %q, want active under 50 days:\n%s%s", days, r.code, line, r.stdout, r.stderr)
		}
	}
	for _, bad := range []string{"LASTACTIVE_IDLE_DAYS=0x5A", "LASTACTIVE_IDLE_DAYS=1_0", "LASTACTIVE_IDLE_DAYS=0o70",
		"LASTACTIVE_NUDGE_MAX=0x10", "LASTACTIVE_IDLE_DAYS=90d", "LASTACTIVE_IDLE_DAYS=\uff19\uff10"} {
		name, _, _ := strings.Cut(bad, "=")
		r := runBinary(t, f.env(bad), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, name+" must be a whole number") {
			t.Errorf("%s: exit %d, want 2 naming %s:\n%s", bad, r.code, name, r.stderr)
		}
	}
}

// TestOrgIDFromTheAdminAddress: the organisation ID is in the address bar of
// Atlassian Administration (admin.atlassian.com/o/ID/…), which is what
// admins copy; it was refused as "not a URL". The ID is taken from it, with
// a warning; any other URL is still refused.
func TestOrgIDFromTheAdminAddress(t *testing.T) {
	f := startFakes(t)
	for _, u := range []string{"https://admin.atlassian.com/o/" + atlassiantest.OrgID + "/overview",
		"admin.atlassian.com/o/" + atlassiantest.OrgID, "https://admin.atlassian.com/o/" + atlassiantest.OrgID + "/users?status=active"} {
		r := runBinary(t, f.env("ATLASSIAN_ORG_ID="+u), "", "lookup", "ada@example.com")
		if r.code != 0 || !strings.Contains(r.stderr, "warning: ATLASSIAN_ORG_ID is an address of Atlassian Administration: using the organisation ID in it, "+atlassiantest.OrgID) {
			t.Errorf("ATLASSIAN_ORG_ID=%s: exit %d, want 0 with a warning:\n%s", u, r.code, r.stderr)
		}
	}
	for _, u := range []string{"https://admin.atlassian.com/", "https://admin.atlassian.com/o/../x", "https://evil.example/o/" + atlassiantest.OrgID} {
		r := runBinary(t, f.env("ATLASSIAN_ORG_ID="+u), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_ORG_ID") {
			t.Errorf("ATLASSIAN_ORG_ID=%s: exit %d, want 2:\n%s", u, r.code, r.stderr)
		}
	}
}

// TestBlankNumbersMeanTheDefault: a variable set but blank (a compose
// file's ${LASTACTIVE_IDLE_DAYS} when the admin did not set it, an env
// file's "LASTACTIVE_CACHE_TTL=") means its default, as most blank text
// variables did; numbers, durations, the address and the log level
// stopped the start ("must be a whole number").
func TestBlankNumbersMeanTheDefault(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("LASTACTIVE_IDLE_DAYS=", "LASTACTIVE_CACHE_TTL= ", "LASTACTIVE_NUDGE_MAX=", "LASTACTIVE_NUDGE_WAIT=",
		// and the text ones with a default
		"LASTACTIVE_HTTP_ADDR=", "LASTACTIVE_LOG_LEVEL=", "LASTACTIVE_CURRENCY=", "LASTACTIVE_AUDIT_RETENTION=",
		"LASTACTIVE_DIGEST_SCHEDULE=", "LASTACTIVE_NUDGE=", "LASTACTIVE_NUDGE_SCHEDULE="), "", "lookup", "ada@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, "Compass") {
		t.Fatalf("blank numbers: exit %d, want the lookup with the defaults:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for line := range strings.SplitSeq(r.stdout, "\n") {
		// Compass, last used 45 days ago, is active under the default 90.
		if strings.Contains(line, "Compass") && !strings.HasSuffix(strings.TrimSpace(line), "active") {
			t.Errorf("blank LASTACTIVE_IDLE_DAYS is not the default 90: %q", line)
		}
	}
}

// TestPastedDatabaseURL: LASTACTIVE_DATABASE_URL holds a password, and is
// pasted as the other secrets are; what pasting adds around it must not
// change where state lives. An env file written on Windows made serve and
// migrate keep everything in "lastactive.db\r", beside the lastactive.db
// that audit and a fixed env file then read (an empty trail: the data looks
// lost). Set but blank (spaces) means no store, as set but empty does.
func TestPastedDatabaseURL(t *testing.T) {
	f := startFakes(t)
	for _, wrap := range []string{"%s\r\n", "%s\n", " %s ", `"%s"`, "'%s'", "\ufeff%s"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "lastactive.db")
		r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL="+fmt.Sprintf(wrap, "sqlite:"+path)), "", "migrate")
		if r.code != 0 {
			t.Errorf("%q: migrate exit %d, want 0:\n%s", wrap, r.code, r.stderr)
			continue
		}
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !slices.Contains(names, "lastactive.db") {
			t.Errorf("%q: migrate made %q, not lastactive.db", wrap, names)
		}
	}
	r := runBinary(t, f.env("LASTACTIVE_DATABASE_URL= "), "", "lookup", "ada@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, "Ada Lovelace") {
		t.Errorf("LASTACTIVE_DATABASE_URL set but blank: lookup exit %d, want 0 without a store:\n%s", r.code, r.stderr)
	}
}

// TestQuotedValuesAreRead: docker run --env-file keeps quotes as part of
// the value, and admins quote what has spaces in it (a cron schedule). Any
// variable's value is read as pasted values are (one pair of quotes, a
// CR, a byte-order mark dropped); before, only the secrets and the
// Atlassian identifiers were, and LASTACTIVE_DIGEST_SCHEDULE="0 9 * * MON"
// stopped the start with the cron parser's own words.
func TestQuotedValuesAreRead(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env(`LASTACTIVE_LOG_LEVEL="info"`, `LASTACTIVE_DIGEST_SCHEDULE="0 9 * * MON"`, `LASTACTIVE_CACHE_TTL='1h'`,
		`LASTACTIVE_ALLOWED_USERS="U0ADA,U0BOB"`, "LASTACTIVE_IDLE_DAYS=90\r", `LASTACTIVE_CURRENCY="EUR"`), "", "lookup", "ada@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, "Compass") {
		t.Errorf("quoted values: exit %d, want the lookup:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestOrgIDHoldingASlackToken: a Slack token is shorter than an Atlassian
// key and has no '=': one put in ATLASSIAN_ORG_ID (the variables of one env
// file filled in the wrong slot) went into every Admin API path, and so into
// the logs and error lines. A credential's prefix is never an organisation
// ID's: refused at start by name, without the value.
func TestOrgIDHoldingASlackToken(t *testing.T) {
	for _, tok := range []string{
		"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
		"xoxp-123456789012-123456789012-1234567890123-0123456789abcdef",
		"xapp-1-A0123456789-1234567890123-0123456789abcdef",
		"ATATT3xFfGF0AbCdEfGhIjKlMnOpQrStUv",
	} {
		c := validBase()
		c.OrgID = tok
		err := c.validate(needSlack | needAdmin)
		if err == nil || !strings.Contains(err.Error(), "ATLASSIAN_ORG_ID") || strings.Contains(err.Error(), tok[:12]) {
			t.Errorf("ATLASSIAN_ORG_ID=%s…: %v, want it refused by name without the value", tok[:8], err)
		}
	}
}

// TestOrgIDHoldingAKey: the Admin API key and the Organization ID are copied
// from one page, and go into each other's variable. The key then went into
// every Admin API path, and so into the logs ("workspaces not read",
// "/admin/v1/orgs/ATCTT3x…/…") and error lines, while check blamed the key
// as expired. An Atlassian key or token (long, with an = before its
// checksum) is never an organisation ID: refused at start by name, without
// the value, saying the two are likely swapped.
func TestOrgIDHoldingAKey(t *testing.T) {
	f := startFakes(t)
	key := "ATCTT3xFfGN0" + strings.Repeat("Qx7_k2-Lm9", 18) + "=1E2FFA88"
	env := f.env("ATLASSIAN_ORG_ID="+key, "ATLASSIAN_API_KEY="+f.org.ID)
	r := runBinary(t, env, "", "lookup", "ada@example.com")
	if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_ORG_ID") || !strings.Contains(r.stderr, "ATLASSIAN_API_KEY") {
		t.Errorf("lookup: exit %d, want 2 naming both variables:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, key[:12]) {
		t.Errorf("lookup printed the key:\n%s%s", r.stdout, r.stderr)
	}
	r = runBinary(t, env, "", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: ATLASSIAN_ORG_ID") || strings.Contains(r.stdout+r.stderr, key[:12]) {
		t.Errorf("check: exit %d, want a configuration FAIL without the key:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestOrgIDEqualToASecret: the Admin API key (or another configured token)
// pasted into ATLASSIAN_ORG_ID as well as its own variable. A short key,
// without a known prefix, passed the shape test above, and check then
// printed it ("the Admin API knows no organisation <key>"), as every Admin
// API path in the logs would. A value equal to a configured secret is
// never an organisation ID: refused by name, without the value.
func TestOrgIDEqualToASecret(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	for _, s := range []string{atlassiantest.APIKey, atlassiantest.AdminWriteKey, atlassiantest.JiraAPIToken} {
		r := runBinary(t, f.env("ATLASSIAN_ORG_ID="+s), "", "check")
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL  configuration: ATLASSIAN_ORG_ID") {
			t.Errorf("check with a secret in ATLASSIAN_ORG_ID: exit %d, want a configuration FAIL naming it:\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
}

// TestMisspeltSeatPriceKeyIsWarned: LASTACTIVE_SEAT_PRICES=confluenc=6.05
// passed check with no word, and the idle report then said to set the
// prices. check warns, naming the key and the product it is close to; it
// is not a FAIL (a key lastactive does not know yet may be right).
func TestMisspeltSeatPriceKeyIsWarned(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("LASTACTIVE_SEAT_PRICES=confluenc=6.05"), "", "check")
	if r.code != 0 || strings.Contains(r.stdout, "FAIL") ||
		!strings.Contains(r.stderr, "warning: LASTACTIVE_SEAT_PRICES names confluenc") || !strings.Contains(r.stderr, "Did you mean “confluence”?") {
		t.Errorf("check: exit %d, want 0 with a warning naming confluenc and confluence:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The demo reads the variable too, and its report then prices nothing.
	r = runBinary(t, []string{"LASTACTIVE_SEAT_PRICES=confluenc=6.05"}, "", "demo", "idle")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: LASTACTIVE_SEAT_PRICES names confluenc") {
		t.Errorf("demo: exit %d, want 0 with a warning naming confluenc:\n%s", r.code, r.stderr)
	}
}
