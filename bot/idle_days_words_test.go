package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIdleDaysWrittenWithTheirUnit: the contract's `idle [DAYS]` is a
// number, but a manager writes "idle 30d" or "idle 30 days" (the CLI's
// --since and LASTACTIVE_AUDIT_RETENTION take "90d"); both were refused as
// "“30d” (or “days”) is neither a number of days nor a product key I
// know", followed by the list of product keys. They are days now. Another
// unit (weeks, months, years, hours) is not guessed at: the reply says to
// give the number of days, without the list of product keys.
func TestIdleDaysWrittenWithTheirUnit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want Command
	}{
		{"idle 30d", Command{Kind: CmdIdle, IdleDays: 30}},
		{"idle 30D confluence", Command{Kind: CmdIdle, IdleDays: 30, Products: []string{"confluence"}}},
		{"idle 30days", Command{Kind: CmdIdle, IdleDays: 30}},
		{"idle 1 day", Command{Kind: CmdIdle, IdleDays: 1}},
		{"idle 90 days jira", Command{Kind: CmdIdle, IdleDays: 90, Products: []string{"jira-software"}}},
		{"idle confluence 60 Days", Command{Kind: CmdIdle, IdleDays: 60, Products: []string{"confluence"}}},
		{"idle 45 d", Command{Kind: CmdIdle, IdleDays: 45}},
	} {
		got, err := ParseCommand(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", c.text, d)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"idle 3m", "“3m”"},
		{"idle 2w", "“2w”"},
		{"idle 1y confluence", "“1y”"},
		{"idle 6 months", "“months”"},
		{"idle 12 weeks", "“weeks”"},
		{"idle 0d", "between 1 and 3650"},
		{"idle 4000d", "between 1 and 3650"},
		{"idle days", "“days”"},
		{"idle 30d 60", "only once"},
		{"idle 30 days days", "“days”"},
	} {
		_, err := ParseCommand(c.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", c.text, err)
			continue
		}
		if !strings.Contains(ue.Reason, c.want) {
			t.Errorf("%q: %q, want it to name %s", c.text, ue.Reason, c.want)
		}
		if strings.Contains(c.text, "m") || strings.Contains(c.text, "w") || strings.Contains(c.text, "y") {
			if !strings.Contains(ue.Reason, "days") || strings.Contains(ue.Reason, "Product keys") {
				t.Errorf("%q: %q, want it to ask for days, not list the products", c.text, ue.Reason)
			}
		}
	}
}
