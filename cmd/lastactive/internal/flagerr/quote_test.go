package flagerr

import (
	"strings"
	"testing"
)

// TestQuoteURLsAndTokens: a stray argument is named without a token or a
// URL's password (an Atlassian API token's "=" before its checksum does
// not make its body a name).
func TestQuoteURLsAndTokens(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ arg, want, hide string }{
		{"bogus", `"bogus"`, ""},
		{"--port", `"--port"`, ""},
		{"SLACK_BOT_TOKEN=xoxb-1-SECRET", `"SLACK_BOT_TOKEN"`, "SECRET"},
		{"LASTACTIVE_DIGEST_CHANNEL", `"LASTACTIVE_DIGEST_CHANNEL"`, ""},
		{"http://127.0.0.1:8080/healthz", `"http://127.0.0.1:8080/healthz"`, ""},
		{strings.Repeat("x", 50), `"` + strings.Repeat("x", 40) + `…"`, ""},
		{"xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "(57 characters, not shown)", "xoxb"},
		{"ATATT3xFfGF0AbCdEfGhIjKlMnOpQrStUvWxYz0123456789=0A1B2C3D", "(48 characters, not shown)", "ATATT"},
		{"postgres://la:SECRET@db:5432/x?sslmode=disable", `"postgres://la:xxxxx@db:5432/x"`, "SECRET"},
		{"postgres://la:pa=SECRET@db/x", `"postgres://la:xxxxx@db/x"`, "SECRET"},
		{"postgres://la:SE%zzCRET@db/x", `"postgres://…"`, "CRET"},
		{"LASTACTIVE_DATABASE_URL=postgres://la:SECRET@db/x", `"LASTACTIVE_DATABASE_URL"`, "SECRET"},
		// A connection string without its scheme (user:password@host, as
		// psql and many DSNs take one): the password is still one.
		{"ada:hunter2hunter2@db.example.com/lastactive", `"ada:xxxxx@db.example.com/lastactive"`, "hunter2"},
		{"la:pw@db:5432", `"la:xxxxx@db:5432"`, ":pw@"},
		// A password with "/" (base64) or "=" (its padding) in it: the
		// password's first part was quoted, cut there.
		{"ada:hunter2/x9@db.example.com/lastactive", `"ada:xxxxx@db.example.com/lastactive"`, "hunter2"},
		{"ada:aHVudGVyMg==@db.example.com/x", `"ada:xxxxx@db.example.com/x"`, "aHVudGVy"},
		{"ada:hunter2=x@db/x", `"ada:xxxxx@db/x"`, "hunter2"},
		// A URL's password with '/' unescaped after digits: the parser
		// took "ada:5432" for the host and the rest of the password for
		// the path, and the whole was quoted.
		{"postgres://ada:5432/SECRET@db/x", `"postgres://ada:xxxxx@db/x"`, "SECRET"},
		// A URL inside another scheme's (JDBC's): parsed opaque, which
		// Redacted does not look into.
		{"jdbc:postgresql://ada:SECRET@db/x", `"jdbc:postgresql://ada:xxxxx@db/x"`, "SECRET"},
		// A password with '?', '#' or '@' as well as '/' unescaped: the
		// parser ended the authority early, and showed what followed.
		{"postgres://ada:123?SECRET@db/x", `"postgres://ada:xxxxx@db/x"`, "SECRET"},
		{"postgres://ada:123#SECRET@db/x", `"postgres://ada:xxxxx@db/x"`, "SECRET"},
		{"postgres://ada:p@ss/SECRET@db/x", `"postgres://ada:xxxxx@db/x"`, "SECRET"},
		{"postgres://db/x?password=SECRET&user=ada@corp", `"postgres://db/x"`, "SECRET"},
		// White space ends a URL: libpq's keyword form after it was
		// taken for the URL's path, its password shown.
		{"postgres://db/x password=SECRET", `"postgres://db/x …"`, "SECRET"},
		{"postgres://ada:SECRET@db/x sslmode=disable", `"postgres://ada:xxxxx@db/x …"`, "SECRET"},
		// No user before the password.
		{":SECRET@db/x", `":xxxxx@db/x"`, "SECRET"},
		{"postgres://:SECRET@db/x", `"postgres://:xxxxx@db/x"`, "SECRET"},
		{"mailto:ada@example.com", `"mailto:ada@example.com"`, ""},
		{"ada@example.com", `"ada@example.com"`, ""},
	} {
		got := Quote(c.arg)
		if got != c.want || (c.hide != "" && strings.Contains(got, c.hide)) {
			t.Errorf("Quote(%q) = %s, want %s", c.arg, got, c.want)
		}
	}
}

// TestQuoteTokenAmongOtherCharacters: a token is not shown when it is one
// word of the argument: after an email and ':' (Atlassian's basic auth,
// "email:token"), after "Bearer " (one shell-quoted argument), or as a
// URL's user or in its path.
func TestQuoteTokenAmongOtherCharacters(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ arg, want, hide string }{
		{"ada@example.com:ATATT3xFfGF0AbCdEfGhIjKlMnOpQrSt", "(48 characters, not shown)", "ATATT"},
		{"ada@example.com:Zm9vYmFyYmF6cXV4SECRET0123", "(42 characters, not shown)", "SECRET"},
		{"Bearer xoxb-1234567890-SECRET", "(29 characters, not shown)", "xoxb"},
		{"https://Zm9vYmFyYmF6cXV4SECRET0123@git.example.com/r", `"https://git.example.com/r"`, "SECRET"},
		{"http://x/api/xoxb-1234567890-SECRET", `"http://x/…"`, "xoxb"},
		// What is no credential is still named.
		{"ada@example.com:jira", `"ada@example.com:jira"`, ""},
		{"http://127.0.0.1:8080/healthz", `"http://127.0.0.1:8080/healthz"`, ""},
		{"postgres://la:SECRET@db:5432/x", `"postgres://la:xxxxx@db:5432/x"`, "SECRET"},
	} {
		got := Quote(c.arg)
		if got != c.want || (c.hide != "" && strings.Contains(got, c.hide)) {
			t.Errorf("Quote(%q) = %s, want %s", c.arg, got, c.want)
		}
	}
}

func TestHasSecretSlashInToken(t *testing.T) {
	t.Parallel()
	if !hasSecret("ada@example.com:Zm9vYmFy/mF6cXV4SECRET/123") {
		t.Error("a base64 token with '/' after 'email:' is not taken for one")
	}
}

// FuzzQuoteHidesPassword: whatever the scheme (none, jdbc:postgresql://)
// and whatever the password holds unescaped ('/', '?', '#', '@'), the
// password of user:password@rest is never quoted.
func FuzzQuoteHidesPassword(f *testing.F) {
	f.Add("postgres://", "ada", "hunter2", "db:5432/x?sslmode=disable")
	f.Add("", "ada", "hun/ter", "db/x")
	f.Add("jdbc:postgresql://", "ada", "12/x", "[::1]:5432/x")
	f.Add("postgres://", "ada", "123?x", "db/x")
	f.Add("postgres://", "ada", "p@ss/x", "db/x")
	f.Add("postgres://", "ada", " x", "db/x password=y")
	f.Add("0://", "0", " ", "0") // a space that was the password's only one
	f.Fuzz(func(t *testing.T, scheme, user, pw, rest string) {
		const mark = "QZJ" // the password's start, found nowhere else
		if strings.Contains(scheme+user+rest, mark) || strings.ContainsAny(user, "@:/?#=") ||
			strings.ContainsAny(scheme, "@=") || strings.Contains(rest, "@") {
			return
		}
		arg := scheme + user + ":" + mark + pw + "@" + rest
		if got := Quote(arg); strings.Contains(got, mark) {
			t.Fatalf("Quote(%q) = %s", arg, got)
		}
	})
}
