package main

import (
	"os"
	"strings"
	"testing"
)

// TestBadUsageNamesItsSubcommand: bad usage of every subcommand (an
// unknown flag, an argument it does not take, a bad value) exits 2 with
// one first line on stderr that names the subcommand and what was wrong,
// and prints nothing on stdout. The flag package's own words
// ("flag provided but not defined: -x") named no subcommand.
func TestBadUsageNamesItsSubcommand(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, c := range []struct {
		args []string
		want string // in the first line of stderr
	}{
		{[]string{"lookup", "--bogus", "ada@example.com"}, "-bogus"},
		{[]string{"lookup", "ada@example.com", "--json=maybe"}, "maybe"},
		{[]string{"lookup"}, "email"},
		{[]string{"lookup", "nobody"}, "nobody"},
		{[]string{"report", "--bogus"}, "-bogus"},
		{[]string{"report", "bogus"}, "bogus"},
		{[]string{"report", "--idle-days", "0"}, "--idle-days"},
		{[]string{"report", "--idle-days", "abc"}, "abc"},
		{[]string{"report", "--idle-days"}, "idle-days"},
		{[]string{"check", "--bogus"}, "-bogus"},
		{[]string{"check", "bogus"}, "takes no arguments"},
		{[]string{"audit", "--bogus"}, "-bogus"},
		{[]string{"audit", "--since", "-5d"}, "--since"},
		{[]string{"audit", "--since"}, "since"},
		{[]string{"audit", "bogus"}, "bogus"},
		{[]string{"audit", "ada@example.com", "grace@example.com"}, "at most one"},
		{[]string{"migrate", "bogus"}, "takes no arguments"},
		{[]string{"demo", "--blocks=maybe"}, "maybe"},
		{[]string{"digest", "--bogus"}, "-bogus"},
		{[]string{"digest", "bogus"}, "bogus"},
		{[]string{"nudge", "--bogus"}, "-bogus"},
		{[]string{"nudge", "bogus"}, "bogus"},
		{[]string{"healthcheck", "bogus"}, "takes no arguments"},
		{[]string{"serve", "bogus"}, "takes no arguments"},
		{[]string{"version", "bogus"}, "takes no arguments"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, env, "", c.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if r.stdout != "" {
				t.Errorf("bad usage wrote to stdout:\n%s", r.stdout)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			prefix := "lastactive " + c.args[0] + ": "
			if !strings.HasPrefix(first, prefix) || !strings.Contains(first, c.want) {
				t.Errorf("first line of stderr = %q, want %q… naming %q\n%s", first, prefix, c.want, r.stderr)
			}
		})
	}
}

// TestNoArgumentSubcommandsNameTheStrayArgument: "lastactive serve --port
// 8080" or "lastactive check prod" said only "takes no arguments", without
// naming what it got or showing the usage, unlike digest, nudge, report and
// a flag check does not know, and unlike what --help promises: an
// admin could not tell which word the program balked at.
func TestNoArgumentSubcommandsNameTheStrayArgument(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, args := range [][]string{
		{"serve", "--port", "8080"}, {"check", "prod"}, {"migrate", "--yes"}, {"healthcheck", "http://127.0.0.1:8080/healthz"}, {"version", "--short"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, env, "", args...)
			first, rest, _ := strings.Cut(r.stderr, "\n")
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and nothing on stdout", r.code, r.stdout, exitUsage)
			}
			if !strings.HasPrefix(first, "lastactive "+args[0]+": takes no arguments") || !strings.Contains(first, `"`+args[1]+`"`) {
				t.Errorf("first line of stderr = %q, want it to name %q", first, args[1])
			}
			if !strings.HasPrefix(rest, "usage: lastactive ") {
				t.Errorf("no usage after the first line:\n%s", r.stderr)
			}
		})
	}
}

// TestStrayFlagValueIsNotShown: "lastactive serve --slack-bot-token=xoxb-…"
// (a flag serve does not have, its value a secret) went whole to stderr,
// the container's log, where check, digest and nudge name only the flag
// (as the flag package does). And a stray argument was quoted whole,
// however long, where an unknown subcommand is cut at 40 bytes.
func TestStrayFlagValueIsNotShown(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	const secret = "xoxb-1234-5678-STRAYSECRET"
	for _, sub := range []string{"serve", "migrate", "healthcheck", "version"} {
		for _, arg := range []string{"--slack-bot-token=" + secret, "-token=" + secret, strings.Repeat("x", 5000)} {
			r := runBinary(t, env, "", sub, arg)
			first, _, _ := strings.Cut(r.stderr, "\n")
			if r.code != exitUsage {
				t.Errorf("%s %.30s: exit %d, want %d", sub, arg, r.code, exitUsage)
			}
			if strings.Contains(r.stderr, "STRAYSECRET") {
				t.Errorf("%s: a stray flag's value is shown: %q", sub, first)
			}
			if len(first) > 200 {
				t.Errorf("%s: the stray argument is shown whole: %d bytes", sub, len(first))
			}
			if name, _, ok := strings.Cut(arg, "="); ok && !strings.Contains(first, `"`+name+`"`) {
				t.Errorf("%s: first line %q does not name the flag %q", sub, first, name)
			}
		}
	}
}

// TestStrayAssignmentValueIsNotShown: "lastactive serve
// SLACK_BOT_TOKEN=xoxb-…" (a variable passed as an argument, as a container's
// args instead of its env) quoted the first 40 bytes of the token to stderr,
// the container's log: only a flag's value was left out. An argument with
// "=" is named by what comes before it, whatever it starts with.
func TestStrayAssignmentValueIsNotShown(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	const secret = "xoxb-1-SECRET"
	for _, sub := range []string{"serve", "migrate", "healthcheck", "version", "check", "digest", "nudge", "report", ""} {
		args := []string{sub, "SLACK_BOT_TOKEN=" + secret}
		if sub == "" { // as an unknown subcommand
			args = args[1:]
		}
		r := runBinary(t, env, "", args...)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != exitUsage {
			t.Errorf("%s: exit %d, want %d", sub, r.code, exitUsage)
		}
		if strings.Contains(r.stderr, "SECRET") {
			t.Errorf("%s: a stray variable's value is shown: %q", sub, first)
		}
		if !strings.Contains(first, "SLACK_BOT_TOKEN") {
			t.Errorf("%s: first line %q does not name the stray argument", sub, first)
		}
	}
}

// TestLongFlagValueIsNotEchoed: the flag package quotes a value it cannot
// read ("invalid boolean value \"xoxb-…\" for -post"), and a token pasted
// after a flag's = went whole to stderr, the container's log. A value over
// ten characters is now counted, not shown; a short one ("maybe", "abc")
// still is, as TestBadUsageNamesItsSubcommand asks.
func TestLongFlagValueIsNotEchoed(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	const secret = "xoxb-1234567890-SECRETSECRETSECRET"
	for _, args := range [][]string{
		{"digest", "--post=" + secret},
		{"nudge", "--dry-run=" + secret},
		{"lookup", "--json=" + secret, "ada@example.com"},
		{"demo", "--blocks=" + secret},
		{"check", "--json=" + secret},
		{"report", "--idle-days=" + secret},
		{"report", "--idle-days", secret},
		{"audit", "--json=" + secret},
		{"digest", "---post=" + secret},
		{"audit", "-=" + secret},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, env, "", args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if strings.Contains(r.stdout+r.stderr, "SECRET") {
				t.Errorf("the value reached the output:\n%s%s", r.stdout, r.stderr)
			}
			if first, _, _ := strings.Cut(r.stderr, "\n"); !strings.Contains(first, "not shown") {
				t.Errorf("first line %q does not say the value is not shown", first)
			}
		})
	}
}

// TestTokenTypedAsAnArgumentIsNotShown: a token typed as a flag's name
// ("lastactive digest --xoxb-…", the "=" forgotten) went whole to stderr,
// the container's log, as "flag provided but not defined: -xoxb-…"; typed
// as a stray argument or an unknown subcommand its first 40 bytes did.
// What looks like a credential (a Slack or Atlassian token's prefix, or a
// long word of a token's characters with a digit in it) is counted, not
// shown; a mistyped flag or word is still named
// (TestBadUsageNamesItsSubcommand, TestNoArgumentSubcommandsNameTheStrayArgument).
func TestTokenTypedAsAnArgumentIsNotShown(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, tok := range []string{
		"xoxb-1234567890-1234567890123-SECRETabcdefghijklmnopqr",
		"xapp-1-A0123456789-1234567890123-SECRETdef0123456789abcdef",
		"ATATT3xFfGF0SECRET_abcdefghijklmnopqrstuvwxyz0123456789-ABCDEF=12345678",
		"Zm9vYmFyYmF6cXV4SECRET0123456789abcdefghijklmnop",
	} {
		for _, args := range [][]string{
			{"digest", "--" + tok}, {"digest", "-" + tok}, {"digest", tok}, {"digest", "--post", tok},
			{"nudge", "--" + tok}, {"nudge", tok}, {"nudge", "--dry-run", tok},
			{"lookup", "--" + tok, "ada@example.com"}, {"lookup", "ada@example.com", "-" + tok},
			{"report", "--" + tok}, {"report", tok},
			{"check", "--" + tok}, {"check", tok}, {"check", "--json", tok},
			{"audit", "--" + tok}, {"audit", "--json", "-" + tok},
			{"migrate", "--" + tok}, {"migrate", tok},
			{"healthcheck", "--" + tok}, {"version", tok}, {"serve", "--" + tok}, {"serve", tok},
			{"--" + tok}, {"-" + tok}, {tok},
		} {
			name := strings.ReplaceAll(strings.Join(args, " "), tok, tok[:5]+"…")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				r := runBinary(t, env, "", args...)
				if r.code != exitUsage {
					t.Errorf("exit %d, want %d", r.code, exitUsage)
				}
				if r.stdout != "" {
					t.Errorf("bad usage wrote to stdout:\n%s", r.stdout)
				}
				if strings.Contains(r.stderr, "SECRET") || strings.Contains(r.stderr, tok[:12]) {
					t.Errorf("the token reached stderr:\n%s", r.stderr)
				}
				first, _, _ := strings.Cut(r.stderr, "\n")
				if !strings.HasPrefix(first, "lastactive") || !strings.Contains(first, "not shown") {
					t.Errorf("first line %q does not say what it does not show", first)
				}
			})
		}
	}
}

// TestStrayTokenIsNotShown: a token or a database URL given as a stray
// argument ("lastactive check xoxb-…", "lastactive migrate
// postgres://user:password@db/…", as an admin who thinks the command takes
// it might type) had its first 40 bytes quoted on stderr, the container's
// log: only a value after an "=" was left out. An Atlassian API token ends
// in "=" and a checksum, so cutting at "=" kept the token itself. A long
// word with digits is now counted, not shown, and a URL loses its password.
func TestStrayTokenIsNotShown(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, c := range []struct{ arg, secret string }{
		{"xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-1234567890123"},
		{"ATATT3xFfGF0AbCdEfGhIjKlMnOpQrStUvWxYz0123456789=0A1B2C3D", "ATATT3xFfGF0AbCd"},
		{"postgres://lastactive:pgSECRETpw@db.internal:5432/lastactive", "pgSECRETpw"},
	} {
		for _, sub := range []string{"serve", "check", "migrate", "healthcheck", "version", "digest", "nudge", "report", ""} {
			args := []string{sub, c.arg}
			if sub == "" { // as an unknown subcommand
				args = args[1:]
			}
			t.Run(sub+" "+c.secret, func(t *testing.T) {
				t.Parallel()
				r := runBinary(t, env, "", args...)
				first, _, _ := strings.Cut(r.stderr, "\n")
				if r.code != exitUsage {
					t.Errorf("exit %d, want %d", r.code, exitUsage)
				}
				if strings.Contains(r.stdout+r.stderr, c.secret) {
					t.Errorf("the stray argument's secret is shown: %q", first)
				}
				if !strings.HasPrefix(first, "lastactive") {
					t.Errorf("first line %q does not name the program", first)
				}
			})
		}
	}
}

// TestTokenAfterAnEmailIsNotShown: Atlassian's basic auth pair,
// "email:token", given where a person is named (lookup, audit) or as a
// stray argument, had the token's first characters quoted on stderr
// ("ada@example.com:ATATT3xFfGF0SECRET…"): a word with an '@' was taken for
// an address mistyped, whatever followed it.
func TestTokenAfterAnEmailIsNotShown(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	const tok = "ATATT3xFfGF0SECRET_abcdefghijklmnopqrstuvwxyz0123456789-ABCDEF=12345678"
	for _, args := range [][]string{
		{"lookup", "ada@example.com:" + tok}, {"audit", "ada@example.com:" + tok},
		{"report", "ada@example.com:" + tok}, {"check", "ada@example.com:" + tok},
	} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, env, "", args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if strings.Contains(r.stderr, "SECRET") || strings.Contains(r.stderr, tok[:8]) {
				t.Errorf("the token reached stderr:\n%s", r.stderr)
			}
		})
	}
}
