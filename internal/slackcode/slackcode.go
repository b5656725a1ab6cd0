// Package slackcode says whether the "error" of a Slack Web API answer is
// one of Slack's error codes (invalid_auth, missing_scope, …). Only such a
// code may be repeated in an error, a log line or a check result: a proxy
// or a broken Slack that echoes the request puts the token there instead.
package slackcode

import "regexp"

var shape = regexp.MustCompile(`^[a-z0-9_.]{1,64}$`)

// Valid reports whether s has the shape of a Slack error code: a short
// lower-case snake_case word, as every documented code is.
func Valid(s string) bool { return shape.MatchString(s) }
