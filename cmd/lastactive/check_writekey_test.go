package main

import (
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestCheckProvesTheWriteKey: ATLASSIAN_ADMIN_WRITE_KEY is a credential
// like the others, and an Admin API key expires after a week unless another
// date was picked; check never sent it, so an expired or revoked write key
// passed every check and surfaced at the first approved release, as a
// failure in front of an approver. Set, it gets its own line, proven
// against the organisation apart from the read key; unset, no line.
func TestCheckProvesTheWriteKey(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	const name = "Admin API write key (ATLASSIAN_ADMIN_WRITE_KEY)"
	lineOf := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, name) {
				return l
			}
		}
		return ""
	}

	r := runBinary(t, f.env(), "", "check")
	checkLines(t, r.stdout)
	if l := lineOf(r.stdout); r.code != 0 || !strings.HasPrefix(l, "ok    ") {
		t.Errorf("working write key: exit %d, line %q\n%s", r.code, l, r.stdout)
	}

	f.atl.Reject(atlassiantest.Rejections{WriteKey: true})
	r = runBinary(t, f.env(), "", "check")
	f.atl.Reject(atlassiantest.Rejections{})
	checkLines(t, r.stdout)
	l := lineOf(r.stdout)
	if r.code != exitFailed || !strings.HasPrefix(l, "FAIL  ") || !strings.Contains(l, "ATLASSIAN_ADMIN_WRITE_KEY") ||
		!strings.Contains(l, "expired") || !strings.Contains(l, "HTTP 401") {
		t.Errorf("revoked write key: exit %d, line %q\n%s", r.code, l, r.stdout)
	}
	if !strings.Contains(r.stdout, "ok    Admin API key and organisation") {
		t.Errorf("the read key's line should stay ok:\n%s", r.stdout)
	}

	r = runBinary(t, f.env("ATLASSIAN_ADMIN_WRITE_KEY"), "", "check")
	if l := lineOf(r.stdout); r.code != 0 || l != "" {
		t.Errorf("without a write key: exit %d, line %q\n%s", r.code, l, r.stdout)
	}
}
