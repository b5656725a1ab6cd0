// Package slackcode says whether the "error" of a Slack Web API answer is
// one of Slack's error codes (invalid_auth, missing_scope, …). Only such a
// code may be repeated in an error, a log line or a check result: a proxy
// or a broken Slack that echoes the request puts the token there instead.
package slackcode

// Valid reports whether s has the shape of a Slack error code: a short
// lower-case snake_case word, as every documented code is: 1 to 64 of
// [a-z0-9_.]. Written out rather than as the regexp `^[a-z0-9_.]{1,64}$`,
// whose counted repetition kept some 22 KB of heap for the process's life
// (the test holds it as the oracle).
func Valid(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
