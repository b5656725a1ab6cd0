package main

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/internal/state"
)

// terminalSafe fails t when out, written for a terminal, holds what could
// move the cursor, break a table row or reorder what the reader sees:
// control characters other than the line ends the writer puts there
// itself, and the Unicode bidi controls (a right-to-left override in a
// display name would show the rest of its row backwards).
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s is not valid UTF-8: %q", what, out)
	}
	for _, r := range out {
		if r != '\n' && unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			t.Fatalf("%s holds %U: %q", what, r, out)
		}
	}
}

// FuzzWriteTable: whatever Atlassian names a person, a product or a site,
// and whatever an ambiguous answer lists, lookup's table keeps one line per
// row and nothing in it can drive the terminal.
func FuzzWriteTable(f *testing.F) {
	// Names and keys of the real answers (the shared fixtures), then
	// hostile ones.
	f.Add("Mia Krystof", "jira-software", "ari:cloud:jira-software::site/a436116f-02ce-4520-8fbb-7301462a1674", "acme.atlassian.net")
	f.Add("Ada Lovelace", "confluence", "ari:cloud:confluence::site/c7e2a9b4-0d5f-4a1e-9b3c-2f8d6e1a7c40", "")
	f.Add("Grace\tHopper\r\n", "jira\x1b[2J", "site/\x07", "evil\x1b]8;;http://x\x07host")
	f.Add("Mallory\u202e evitca", "opsgenie\u2066", "ari:cloud:jira::site/\u200f1", "acme\u061c.atlassian.net")
	f.Add("\xff\xfe\x85", "\u0085", "\u009b31m", "\x7f")
	f.Fuzz(func(t *testing.T, name, key, productID, host string) {
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		sites := atlassian.NewSites([]atlassian.Workspace{{ID: atlassian.CloudID(productID), CloudID: atlassian.CloudID(productID), Host: host}})
		people := []bot.Person{
			{Query: "ada@example.com", Account: atlassian.Account{DisplayName: name, Status: atlassian.StatusSuspended},
				Activity: &atlassian.Activity{Products: []atlassian.ProductActivity{
					{ID: productID, Key: key, LastActive: now.AddDate(0, 0, -3)},
					{ID: productID, Key: key},
				}}},
			{Query: "bob@example.com", Account: atlassian.Account{DisplayName: name}, Activity: &atlassian.Activity{}},
			{Query: "eve@example.com", Err: &atlassian.Error{Kind: atlassian.ErrAmbiguous, Candidates: []atlassian.Account{
				{AccountID: "1", DisplayName: name}, {AccountID: "2", DisplayName: key}}}},
		}
		var buf bytes.Buffer
		if err := writeTable(&buf, people, now, 90, sites); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		terminalSafe(t, "table", out)
		if n := strings.Count(out, "\n"); n != 1+2+1+1 {
			t.Fatalf("table has %d lines, want a header and 4 rows:\n%s", n, out)
		}
	})
}

// FuzzWriteAuditTable: what the audit trail stored from outside (who
// acted, whom, the outcome and detail) keeps `lastactive audit`'s table one
// line per entry, with nothing that can drive the terminal.
func FuzzWriteAuditTable(f *testing.F) {
	f.Add("U012ABCDEF", "ada@example.com", "5b10ac8d82e05b22cc7d4ef5", "ok", "jira-software idle 120 days")
	f.Add("", "\x1b[2J", "id\nid", "ok\r\n", "Mallory\u202e evitca")
	f.Add("U1\t", "a@b.c\u2067", "\u009b", "\x00", "\xff")
	f.Fuzz(func(t *testing.T, actor, email, accountID, outcome, detail string) {
		entries := []state.AuditEntry{
			{At: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), Actor: actor, Emails: []string{email, email},
				AccountIDs: []string{accountID}, Kind: state.KindLookup, Outcome: state.Outcome(outcome), Detail: detail},
			{Actor: actor, Kind: state.KindLookup, Detail: detail},
		}
		var buf bytes.Buffer
		if err := writeAuditTable(&buf, entries, ""); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		terminalSafe(t, "audit table", out)
		if n := strings.Count(out, "\n"); n != 3 {
			t.Fatalf("audit table has %d lines, want a header and 2 rows:\n%s", n, out)
		}
	})
}

// FuzzParseEmails: lookup's arguments give addresses the slash command
// accepts, each once; anything else is one clean line of error that never
// repeats a long word without an '@' (a token pasted by mistake).
func FuzzParseEmails(f *testing.F) {
	for _, s := range [][2]string{
		{"ada@example.com", "GRACE@Example.com"},
		{`"Lovelace, Ada" <ada@x.com>; grace@x.com`, "ada@x.com"},
		{"<mailto:ada@x.com|ada@x.com>", "<@U123ABC>"},
		{"ada@example.com --fresh", "idle"},
		{"xoxb-1234567890-1234567890-abcdefghijklmnop", "ada@example.com"},
		{"help xoxb-1234567890-1234567890-abcdefghijklmnop", ""},
		{"audit xoxb-1234567890-1234567890-abcdefghijklmnop", "\x1b[2J"},
		{"digest ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz", "exempt list"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		emails, _, err := parseEmails([]string{a, b})
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			words := strings.FieldsFunc(a+" "+b, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`"'<>|,;`, r) })
			// A word inside one with an '@' may be quoted with it, as an
			// address mistyped.
			inAddress := func(w string) bool {
				return slices.ContainsFunc(words, func(x string) bool { return strings.Contains(x, "@") && strings.Contains(x, w) })
			}
			for _, w := range words {
				if utf8.RuneCountInString(w) >= 20 && !strings.Contains(w, "@") && strings.Contains(msg, w) && !inAddress(w) {
					t.Fatalf("error %q repeats the long word %q", msg, w)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range emails {
			if got, ok := bot.ParseEmail(e); !ok || got != e {
				t.Fatalf("parseEmails(%q, %q) gave %q, which the command reads as %q, %v", a, b, e, got, ok)
			}
			if seen[e] {
				t.Fatalf("parseEmails(%q, %q) gave %q twice", a, b, e)
			}
			seen[e] = true
		}
		if len(emails) == 0 {
			t.Fatalf("parseEmails(%q, %q) gave no email and no error", a, b)
		}
	})
}

// FuzzValidateStateAndNudge: the settings FuzzValidate leaves at their
// defaults (the database URL, whose password is a secret, the audit
// retention, both schedules and their time zones, the keep-or-release
// settings and the write key, a secret too) never panic validate, never
// make a message of more than one line, and never put the database
// password or the write key in it; the verdict on the write key depends on
// its shape only.
func FuzzValidateStateAndNudge(f *testing.F) {
	f.Add("lastactive", "s3cret-pw", "db.internal:5432/state?sslmode=require", "admin-write-key", "400d",
		"0 9 * * MON", "CRON_TZ=Europe/Berlin 0 10 * * MON-FRI", "on", "jira-software,confluence", "U012ABCDEF", "EUR")
	f.Add("u", "p@ss/w#rd?x", "127.0.0.1/db", "key with space", "0", "@every 0s", "TZ=", "maybe", "Jira Software", "u1,bad id", "euro")
	f.Add("", "pw%zz", "host:bad/db", "<REPLACE-ME>", "-1d", "CRON_TZ=../../etc/passwd 0 9 * * *", "CRON_TZ=Mars/Olympus 0 9 * * *",
		"dry-run", ",,", "", "usd")
	f.Add("sqlite", "secretpath", ":lastactive.db", "\tkey\n", "30000d", "@every 87601h", "0 0 31 2 *", "OFF", "a,-b", "U1,U2", "")
	f.Fuzz(func(t *testing.T, user, pw, rest, writeKey, retention, digestSched, nudgeSched, nudgeMode, products, approvers, currency string) {
		base := func() Config {
			return Config{
				SlackAppToken: "xapp-1-A-1-secret", SlackBotToken: "xoxb-1-secret", OrgID: "org-1", APIKey: "admin-key",
				SlackAPIURL: "https://slack.com/api/", AdminAPIURL: "https://api.atlassian.com", HTTPAddr: ":8080", LogLevel: "info",
				CacheTTL: time.Hour, IdleDays: 90, Currency: currency, RetentionRaw: retention,
				DigestSchedule: digestSched, NudgeSchedule: nudgeSched, NudgeMode: nudgeMode,
				NudgeProducts: envList(products), Approvers: envList(approvers),
			}
		}
		urls := []string{"postgres://" + user + ":" + pw + "@" + rest, "sqlite:" + pw + rest}
		if u := (&url.URL{Scheme: "postgres", User: url.UserPassword(user, pw), Host: rest}); true {
			urls = append(urls, u.String())
		}
		for _, dbURL := range urls {
			c, masked := base(), base()
			c.DatabaseURL, c.AdminWriteKey = dbURL, writeKey
			masked.DatabaseURL, masked.AdminWriteKey = dbURL, placeholder(writeKey, "")
			err, merr := c.validate(needSlack|needAdmin), masked.validate(needSlack|needAdmin)
			if (err == nil) != (merr == nil) || (err != nil && err.Error() != merr.Error()) {
				t.Fatalf("validate depends on the write key's content:\n with the key: %v\n placeholder: %v", err, merr)
			}
			if err == nil {
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			others := user + rest + retention + digestSched + nudgeSched + nudgeMode + products + approvers + currency
			for _, secret := range []string{pw, strings.TrimSpace(writeKey)} {
				if len(secret) >= 6 && !strings.Contains(others, secret) && strings.Contains(msg, secret) &&
					!strings.Contains(strings.ToLower(badDatabaseURL+sqliteURLParams+" must be off, dry-run or on LASTACTIVE_ placeholder"), strings.ToLower(secret)) {
					t.Fatalf("error %q shows the secret %q", msg, secret)
				}
			}
		}
	})
}
