package main

import (
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestOneWorkspacesReadServesEveryone: the workspaces that name the sites
// are read once an hour for the whole process, whoever asks first: a lookup,
// the idle report and the digest share that read. Before, every digest
// (/lastactive digest, each scheduled one) read the workspaces again.
func TestOneWorkspacesReadServesEveryone(t *testing.T) {
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_REPORT_USERS=U0REPORT1"))
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	ask(t, f.slack, "U0REPORT1", "ada@example.com", 1)
	read := f.atl.CountEndpoint(atlassiantest.EndpointWorkspaces)
	if read == 0 {
		t.Fatal("the lookup did not read the workspaces")
	}
	for _, text := range []string{"idle", "digest"} {
		env := ask(t, f.slack, "U0REPORT1", text, 1)[0].EnvelopeID
		// A report may post "running…" first: wait for the answer itself.
		eventually(t, text+" answered", func() bool {
			r := f.slack.Replies(env)
			return strings.Contains(string(r[len(r)-1].Blocks), atlassiantest.HostMain)
		})
		if n := f.atl.CountEndpoint(atlassiantest.EndpointWorkspaces); n != read {
			t.Errorf("%s read the workspaces again: %d requests, %d after the lookup", text, n, read)
		}
	}
	stop(t, cmd, logs)
}
