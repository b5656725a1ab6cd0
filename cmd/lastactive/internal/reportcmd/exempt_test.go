package reportcmd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// TestRunSaysWhenExemptionsCannotBeRead: a state database that cannot be
// read leaves exempt seats unmarked, and the report says so (on stderr
// and in the summary) rather than pass for one with no exemption; read,
// they are marked.
func TestRunSaysWhenExemptionsCannotBeRead(t *testing.T) {
	now := time.Now().UTC()
	ago := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	users := []atlassian.OrgUser{{AccountID: "a1", Name: "Ada", Email: "ada@example.com", AccountStatus: "active", MembershipStatus: "active",
		AddedToOrg: ago(900), Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1", Key: "confluence",
			LastActive: ago(200), LastActiveTimestamp: ago(200)}}}}
	for _, tc := range []struct {
		name       string
		exemptions func(context.Context, time.Time) ([]seat.Exemption, error)
		stdout     string
		stderr     string
	}{
		{"unreadable", func(context.Context, time.Time) ([]seat.Exemption, error) {
			return nil, errors.New("read exemptions: database is locked")
		}, seat.ExemptionsUnreadNote + "\n", "warning: exemptions not read, so exempt seats are not marked (read exemptions: database is locked)"},
		{"read", func(_ context.Context, at time.Time) ([]seat.Exemption, error) {
			if at.Before(now) {
				t.Errorf("exemptions read at %v, before the report was asked for (%v)", at, now)
			}
			return []seat.Exemption{{Email: "ada@example.com", Product: "confluence"}}, nil
		}, "days, exempt\n", ""}, // Ada, idle longest
	} {
		var stdout, stderr strings.Builder
		code := Run(context.Background(), Params{Days: 90}, Config{
			Dir: atlassiantest.OrgUserList(users), Prices: seat.Prices{"confluence": 6.05}, Currency: "USD",
			Exemptions: tc.exemptions, Stdout: &stdout, Stderr: &stderr})
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), tc.stdout) {
			t.Errorf("%s: the summary lacks %q:\n%s", tc.name, tc.stdout, stdout.String())
		}
		if !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("%s: stderr lacks %q:\n%s", tc.name, tc.stderr, stderr.String())
		}
	}
}
