package bot

import (
	"regexp"
	"strings"
	"testing"
)

// The regexps scopeList and safeSlackMessage were, kept as their oracles.
var (
	scopeListRegexp        = regexp.MustCompile(`^[a-z][a-z0-9_.:]{0,63}(,[a-z][a-z0-9_.:]{0,63}){0,7}$`)
	safeSlackMessageRegexp = regexp.MustCompile(`^[A-Za-z0-9 ,.:;'"/()\[\]_]{1,200}$`)
)

// FuzzSlackShapesAgreeWithTheirRegexps: scopeList and safeSlackMessage,
// written out to keep no compiled regexp in the heap (their counted
// repetitions held some 150 KB for the process's life), say what the
// regexps said, byte for byte.
func FuzzSlackShapesAgreeWithTheirRegexps(f *testing.F) {
	scope := "a" + strings.Repeat("b", 63)
	for _, s := range []string{
		"", "users:read.email", "users:read,users:read.email", "chat:write,", ",chat:write", "a,,b", "A", "9a",
		scope, scope + "c", strings.TrimSuffix(strings.Repeat(scope+",", 8), ","), strings.Repeat("a,", 8) + "a",
		"[ERROR] must be less than 3001 characters [/blocks/1/text/text]", strings.Repeat("x", 200), strings.Repeat("x", 201),
		"token=xoxb-1", "é", "a\n", "a-b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := scopeList(s), scopeListRegexp.MatchString(s); got != want {
			t.Errorf("scopeList(%q) = %v, the regexp %v", s, got, want)
		}
		if got, want := safeSlackMessage(s), safeSlackMessageRegexp.MatchString(s); got != want {
			t.Errorf("safeSlackMessage(%q) = %v, the regexp %v", s, got, want)
		}
	})
}
