package main

import (
	"strings"
	"testing"
)

// FuzzRedactURL: a URL setting printed by mistake shows none of the
// credentials it carries, in whatever place a misconfiguration puts them:
// user:password@, a query (?token=), a fragment, or a libpq key=value
// string (host=db password=…) pasted where a URL belongs.
func FuzzRedactURL(f *testing.F) {
	f.Add(uint8(0), "postgres", "db.internal:5432/lastactive", "s3cretpw")
	f.Add(uint8(1), "https://slack.example/api/", "", "xoxbtoken")
	f.Add(uint8(2), "host=db.internal", "dbname=lastactive", "s3cretpw")
	f.Add(uint8(3), "https://acme.atlassian.net", "", "jiratoken")
	f.Add(uint8(2), "", "", "s3cretpw")
	f.Fuzz(func(t *testing.T, form uint8, a, b, secret string) {
		if len(secret) < 6 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyz0123456789") != "" ||
			strings.Contains(a+" "+b, secret) || strings.Contains(redactedMark, secret) {
			return
		}
		var raw string
		switch form % 4 {
		case 0:
			raw = a + "://user:" + secret + "@" + b
		case 1:
			raw = a + "?token=" + secret
		case 2:
			raw = a + " password=" + secret + " " + b
		case 3:
			raw = a + "#" + secret
		}
		if out := redactURL(raw); strings.Contains(out, secret) {
			t.Fatalf("redactURL(%q) = %q: shows the secret", raw, out)
		}
	})
}
