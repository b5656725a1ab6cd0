package main

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"lastactive/internal/state"
)

// TestAuditJSONWritesNoRawTerminalControls: stored text comes from Slack
// and Atlassian (a display name, a detail quoting an upstream answer).
// The table cleans it; --json escaped the C0 controls (ESC as \u001b) but
// wrote C1 controls (U+009B, the one-byte CSI a terminal may act on) and
// bidi overrides (U+202E) raw, so `lastactive audit --json` in a terminal
// could recolour or reorder what the auditor reads. They are written as
// \u escapes now: the decoded values are the same.
func TestAuditJSONWritesNoRawTerminalControls(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	env := f.env()
	actor, detail := "U1\u009b2J", "seat digest \u202edecnalab\u202c\u200b"
	seedTrail(t, f, env, []state.AuditEntry{{At: time.Now().Add(-time.Hour), Actor: actor, Emails: []string{"ada@example.com"},
		Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: detail}})
	r := runBinary(t, env, "", "audit", "--json")
	if r.code != 0 {
		t.Fatalf("audit --json: exit %d\n%s", r.code, r.stderr)
	}
	if i := strings.IndexFunc(r.stdout, func(c rune) bool {
		return c < 0x20 && c != '\n' || c >= 0x7f && c < 0xa0 || unicode.Is(unicode.Cf, c)
	}); i >= 0 {
		t.Errorf("audit --json wrote %U raw:\n%q", []rune(r.stdout[i:])[0], r.stdout)
	}
	got := auditLines(t, r.stdout)
	if len(got) != 1 || got[0].Actor != actor || got[0].Detail != detail {
		t.Errorf("decoded %+v, want actor %q and detail %q as stored", got, actor, detail)
	}
}
