package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestAuditReadsAddressesTheDirectoryGave: Atlassian gives some people
// addresses the lookup's strict form refuses (a letter outside ASCII, an
// '&' or a '/' in the local part), and the nudge round, the digest and the
// org scan record them under those. `lastactive audit jörg@example.com`
// reads that trail; the slash command refused it ("Name one person by
// email"), so an auditor in Slack could not read it at all. It reads it
// now, as the CLI does (DirectoryAddress), typed or auto-linked by Slack,
// its ASCII letters folded as the trail files them; a lookup of the same
// address is still refused, and what is no address still is for audit.
func TestAuditReadsAddressesTheDirectoryGave(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, want string }{
		{"audit jörg@example.com", "jörg@example.com"},
		{"audit <mailto:jörg@example.com|jörg@example.com>", "jörg@example.com"},
		{"audit Jörg@Example.COM.", "jörg@example.com"},
		{"audit o&amp;connor@example.com", "o&connor@example.com"},
		{"audit <mailto:o&amp;connor@example.com|o&amp;connor@example.com>", "o&connor@example.com"},
		{"audit first/last@example.com", "first/last@example.com"},
		{"audit ÜNAL@EXAMPLE.COM", "Ünal@example.com"},
		{"audit ada@example.com", "ada@example.com"},
	} {
		cmd, err := ParseCommand(c.text)
		if err != nil || cmd.Kind != CmdAudit || len(cmd.Targets) != 1 || cmd.Targets[0].Email != c.want {
			t.Errorf("%q: %+v, %v; want the audit of %s", c.text, cmd, err, c.want)
		}
	}
	for _, bad := range []string{
		"audit a@b@example.com", "audit @example.com", "audit ada@", "audit ada@example",
		"audit ada@example..com", "audit ada@example.com:ATATT3xFfGF0SECRET_abcdefghijklmnopqrstuvwxyz0123456789",
		"audit <mailto:ada@example.com:x|ada>", "audit ada@exa_mple.com", "audit <https://example.com|jörg@example.com>",
	} {
		cmd, err := ParseCommand(bad)
		if err == nil {
			t.Errorf("%q: %+v, want refused", bad, cmd)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%q: refusal quotes the token: %v", bad, err)
		}
	}
	// The lookup's strict form is unchanged.
	if _, err := ParseCommand("jörg@example.com"); err == nil {
		t.Error("a lookup of jörg@example.com parses; the lookup takes ASCII addresses only")
	}

	var asked string
	trail := trailFunc(func(_ context.Context, email string, _ time.Time) ([]AuditEvent, error) {
		asked = email
		return []AuditEvent{{At: time.Now().Add(-time.Hour), Action: auditSkip, Emails: []string{email}}}, nil
	})
	sink := &recordingSink{}
	svc := auditService(t, sink, trail, &bytes.Buffer{})
	r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: "audit <mailto:o&amp;connor@example.com|o&amp;connor@example.com>"}, nil)
	if r.Outcome != OutcomeOK || asked != "o&connor@example.com" {
		t.Fatalf("audit o&connor: outcome %q, trail read for %q", r.Outcome, asked)
	}
	if !strings.Contains(r.Message.Text, "o&amp;connor@example.com") {
		t.Errorf("reply does not name the person, escaped:\n%s", r.Message.Text)
	}
	if last := sink.got[len(sink.got)-1]; last.Action != AuditReport || len(last.Emails) != 1 || last.Emails[0] != "o&connor@example.com" {
		t.Errorf("reading the trail was recorded as %+v", last)
	}
}
