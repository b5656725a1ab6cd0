package atlassian_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// TestReleaseKeepsAGroupNameCut: a group's name goes into the release's
// plan, its saved record (every step of it, and again in the undo) and the
// Slack messages that describe it. A group named with 1 MB was kept
// whole, where every other name the package reads is kept to its first
// 256 bytes. It is cut, between characters, and says so with "…".
func TestReleaseKeepsAGroupNameCut(t *testing.T) {
	t.Parallel()
	org := atlassiantest.ReleaseOrg(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	long := strings.Repeat("é", 1<<19) // 1 MiB, cut inside a character at any odd byte
	for i := range org.Groups {
		if org.Groups[i].ID == atlassiantest.GroupConfluenceUsers {
			org.Groups[i].Name = long
		}
	}
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		AdminWriteKey: atlassiantest.AdminWriteKey})
	if err != nil {
		t.Fatal(err)
	}
	e := releaseEnv{srv, org, c}
	f, err := c.ReleaseFacts(ctxT(t), e.id(t, atlassiantest.ReleaseGroupEmail), atlassiantest.ConfluenceMain, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := f.Plan(atlassiantest.ConfluenceMain)
	if err != nil || len(plan.Steps) != 1 {
		t.Fatalf("plan = %+v, %v; want one membership removal", plan.Steps, err)
	}
	name := plan.Steps[0].GroupName
	kept, ok := strings.CutSuffix(name, "…")
	if len(name) > 256 || !ok || !strings.HasPrefix(long, kept) || !strings.HasSuffix(kept, "é") || !utf8.ValidString(name) {
		t.Errorf("group name kept as %d bytes (%q…%q), want its start in whole characters and \"…\", at most 256 bytes",
			len(name), name[:min(len(name), 8)], name[max(0, len(name)-8):])
	}
}
