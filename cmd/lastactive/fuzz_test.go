package main

import (
	"math"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"lastactive/internal/state"
)

// FuzzParsePrices: parsePrices never panics, and what it accepts is a map of
// known-shaped product keys to finite prices in range, with no entry that was
// not written.
func FuzzParsePrices(f *testing.F) {
	seeds := []string{
		"", " ", "jira-software=8.60,confluence=6.05", "jira-software=8.60,", "a=0", "a=100000", "a=100000.01",
		"a=-1", "a=NaN", "a=nan", "a=Inf", "a=+Inf", "a=1e308", "a=0x1p-2", "a=1_0", "A=1", "a==1", "=1", "a=",
		"jira:lots", ",,", "a=1,a=2", "jira=8.60,jira-software=8.60", "jira=1,JIRA=2", " a = 1 , b = 2 ", "\xff=1", "Jira-Software=8.60", "\u212aira=1",
	}
	vocabulary := errorTexts(seeds, func(s string) error { _, err := parsePrices(s); return err })
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		prices, err := parsePrices(raw)
		if err != nil {
			if prices != nil {
				t.Fatalf("parsePrices(%q) returned prices with an error", raw)
			}
			if quotes(err, raw, vocabulary) {
				t.Fatalf("error %q echoes the value", err)
			}
			return
		}
		if prices == nil {
			t.Fatalf("parsePrices(%q) = nil map without error", raw)
		}
		if len(prices) > strings.Count(raw, "=") {
			t.Fatalf("parsePrices(%q) has %d entries from %d '='", raw, len(prices), strings.Count(raw, "="))
		}
		for k, v := range prices {
			if !productKey.MatchString(k) || !strings.Contains(state.LowerASCII(raw), k) {
				t.Fatalf("parsePrices(%q) accepted key %q", raw, k)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 100000 {
				t.Fatalf("parsePrices(%q) accepted price %v for %q", raw, v, k)
			}
		}
	})
}

// errorTexts collects the messages check gives for inputs: the fixed
// wording, against which a quoted value stands out.
func errorTexts(inputs []string, check func(string) error) []string {
	var out []string
	for _, in := range inputs {
		if err := check(in); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}

// quotes reports whether err quotes raw: raw is in the message yet not part
// of the fixed wording (a fuzzer soon tries the wording itself as input).
func quotes(err error, raw string, vocabulary []string) bool {
	if len(raw) < 4 || !strings.Contains(err.Error(), raw) {
		return false
	}
	for _, v := range vocabulary {
		if strings.Contains(v, raw) {
			return false
		}
	}
	return true
}

// FuzzCheckURL: checkURL never panics; what it accepts is an absolute https
// URL, or http to loopback, with no credentials, query or fragment; checking
// its own output gives the same output; and its errors never quote the
// value, which may hold a token someone pasted into the wrong variable.
func FuzzCheckURL(f *testing.F) {
	seeds := []string{
		"https://example.atlassian.net", "https://example.atlassian.net/", "https://slack.com/api/",
		"http://127.0.0.1:8080/api/", "http://localhost:1", "http://[::1]:9/", "http://[::ffff:127.0.0.1]/",
		"http://example.com", "http://127.0.0.1.evil.com", "http://localhost.evil.com", "ftp://x", "https://",
		"https://user:xoxb-secret@example.com", "https://x?token=xoxb-secret", "https://x#frag", "//x", "x",
		"https://x/%zz", "https://[::1", "HTTPS://EXAMPLE.COM", "https://ex ample.com", "https://x/\x00",
		"http://0x7f.1/", "http://127.1/", "http://0177.0.0.1/",
	}
	vocabulary := errorTexts(seeds, func(s string) error { _, err := checkURL(s, "https://example.atlassian.net"); return err })
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := checkURL(raw, "https://example.atlassian.net")
		if err != nil {
			if quotes(err, raw, vocabulary) {
				t.Fatalf("error %q echoes the value", err)
			}
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("checkURL(%q) = %q, which does not parse: %v", raw, got, perr)
		}
		if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("checkURL(%q) accepted %q", raw, got)
		}
		switch u.Scheme {
		case "https":
		case "http":
			ip := net.ParseIP(u.Hostname())
			if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
				t.Fatalf("checkURL(%q) accepted clear text to %q", raw, u.Hostname())
			}
		default:
			t.Fatalf("checkURL(%q) accepted scheme %q", raw, u.Scheme)
		}
		again, err := checkURL(got, "https://example.atlassian.net")
		if err != nil || again != got {
			t.Fatalf("checkURL(%q) = %q, but checkURL of that = %q, %v", raw, got, again, err)
		}
	})
}

// FuzzValidate: validate never panics, and its verdict on a secret depends
// only on the secret's shape (empty or not, right prefix or not), never on
// its content. So no message can quote a secret, in whole or in part: the
// same configuration with every secret replaced by a placeholder of the same
// shape must give exactly the same error.
func FuzzValidate(f *testing.F) {
	f.Add("xapp-1-A-1-secret", "xoxb-1-secret", "jira-token", "admin-key", "ops@example.com", "org-1",
		"https://x.atlassian.net", "https://slack.com/api/", "https://api.atlassian.com", ":8080", "info",
		"U012ABCDEF", "C012ABCDEF", "U012ABCDEF", "jira-software=8.60", int64(time.Hour), 90)
	f.Add("", "", "", "", "", "", "", "", "", "", "", "", "", "", "", int64(-1), 0)
	f.Add("xoxb-wrong", "xapp-wrong", "tok", "key", "no-at-sign", "a/b", "http://example.com", "ftp://x", "https://u:p@x",
		"nohostport", "trace", "bad id", "U1", "C1", "jira:lots", int64(0), 3651)
	f.Add("secret is not set", "xoxb-must start with", "JIRA_API_TOKEN", "is malformed", "@", "o",
		"https://x", "https://x", "https://x", "127.0.0.1:0", "DEBUG", " U012ABCDEF , ", "", "", "", int64(0), 1)
	f.Fuzz(func(t *testing.T, appTok, botTok, jiraTok, apiKey, email, org, jiraURL, slackURL, adminURL,
		addr, level, users, channels, reporters, prices string, ttl int64, idle int) {
		c := Config{
			SlackAppToken: appTok, SlackBotToken: botTok, JiraAPIToken: jiraTok, APIKey: apiKey,
			JiraEmail: email, OrgID: org, JiraBaseURL: jiraURL, SlackAPIURL: slackURL, AdminAPIURL: adminURL,
			HTTPAddr: addr, LogLevel: level, AllowedUsers: envList(users), AllowedChannels: envList(channels),
			ReportUsers: envList(reporters), SeatPricesRaw: prices, CacheTTL: time.Duration(ttl), IdleDays: wholeNumber(idle),
		}
		masked := c
		masked.SlackAppToken = placeholder(appTok, "xapp-")
		masked.SlackBotToken = placeholder(botTok, "xoxb-")
		masked.JiraAPIToken = placeholder(jiraTok, "")
		masked.APIKey = placeholder(apiKey, "")

		all := needSlack | needJira | needAdmin
		// An organisation ID equal to a configured secret is refused
		// whatever its shape (it would go into every Admin API path): the
		// one verdict that rests on a secret's content, by design. It must
		// name the variable; a placeholder equal to it proves nothing.
		effOrg := pasted(org)
		if id, ok := orgFromAdminURL(effOrg); ok {
			effOrg = id
		}
		for _, s := range []string{appTok, botTok, jiraTok, apiKey} {
			if s = pasted(s); s != "" && s == effOrg {
				if err := c.validate(all); err == nil || !strings.Contains(err.Error(), "ATLASSIAN_ORG_ID") {
					t.Fatalf("ATLASSIAN_ORG_ID equal to a secret: %v", err)
				}
				return
			}
		}
		for _, m := range []string{masked.SlackAppToken, masked.SlackBotToken, masked.JiraAPIToken, masked.APIKey} {
			if m = pasted(m); m != "" && m == effOrg {
				return
			}
		}
		err, merr := c.validate(all), masked.validate(all)
		if (err == nil) != (merr == nil) || (err != nil && err.Error() != merr.Error()) {
			t.Fatalf("validate depends on a secret's content:\n with secrets: %v\n placeholders: %v", err, merr)
		}
		if err != nil {
			if _, ok := err.(*configError); !ok {
				t.Fatalf("validate returned %T, want *configError", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		for _, prefix := range []string{"xoxb-", "xoxp-", "xoxe", "xapp-", "ATATT", "ATCTT"} {
			if strings.HasPrefix(c.OrgID, prefix) {
				t.Fatalf("ATLASSIAN_ORG_ID %q, a credential, accepted as an organisation ID", c.OrgID)
			}
		}
		if c.SlackAppToken != pasted(appTok) || c.SlackBotToken != pasted(botTok) || c.JiraAPIToken != pasted(jiraTok) || c.APIKey != pasted(apiKey) {
			t.Fatal("validate changed a secret beyond what pasting adds around it")
		}
		for name, u := range map[string]string{"SLACK_API_URL": c.SlackAPIURL, "JIRA_BASE_URL": c.JiraBaseURL, "ATLASSIAN_API_URL": c.AdminAPIURL} {
			if _, err := checkURL(u, "https://example.atlassian.net"); err != nil {
				t.Fatalf("%s normalised to %q, which checkURL refuses: %v", name, u, err)
			}
		}
		if !strings.HasSuffix(c.SlackAPIURL, "/") || c.SeatPrices == nil {
			t.Fatalf("normalised config %q / %v", c.SlackAPIURL, c.SeatPrices)
		}
		if again := c; again.validate(all) != nil {
			t.Fatal("a validated configuration does not validate again")
		}
	})
}

// placeholder stands for a secret with the same shape: empty stays empty,
// and a required prefix is kept or missing as it was.
func placeholder(secret, prefix string) string {
	// The shape: what pasting adds around it (dropped), whether anything
	// is left, whether that holds a space, control or non-ASCII character
	// (refused), the fill-in marker, the prefix.
	core := pasted(secret)
	i := strings.Index(secret, core)
	lead, trail := secret[:i], secret[i+len(core):]
	var out string
	switch {
	case core == "":
		return secret
	case isPlaceholder(secret):
		// Still the example file's fill-in marker: a shape of its own.
		out = prefix + "REPLACE-ME"
	case prefix != "" && strings.HasPrefix(core, prefix):
		out = prefix + "PLACEHOLDER"
	default:
		out = "PLACEHOLDER"
	}
	if strings.IndexFunc(core, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		out += " X"
	}
	if strings.IndexFunc(core, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
		out += "\u00e9"
	}
	return lead + out + trail
}

// envList splits a list variable the way envconfig does.
func envList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
