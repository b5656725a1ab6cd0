package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestReportNamesWhatToFixWhenAtlassianCannotBeReached: `report` against an
// ATLASSIAN_API_URL it cannot reach (a TLS handshake refused, as behind a
// proxy that intercepts TLS; nothing listening) or that redirects to
// another host (a URL with a typo, or http where https is needed) said
// "Atlassian is unavailable right now; try again in a few minutes", or
// "Atlassian sent an answer the bot could not read; try again later, and
// tell your Slack admin": words for an outage, which told the operator of
// a cron job to wait for something no wait mends. It names the host and
// what failed, and what to check, as `lastactive check` does; the
// client's detail stays after it, and no credential is blamed.
func TestReportNamesWhatToFixWhenAtlassianCannotBeReached(t *testing.T) {
	t.Parallel()
	un := atlassiantest.NewUnreachable(t)
	for _, c := range []struct {
		name string
		url  func(f *fakes) string
		want string
	}{
		{"TLS handshake failed", func(*fakes) string { return un.TLSURL },
			"lastactive report: cannot reach the Admin API at 127.0.0.1:"},
		// Which refusal it is, in the words check uses.
		{"plain HTTP behind https", func(*fakes) string { return un.PlainURL },
			"lastactive report: cannot reach the Admin API at " + strings.TrimPrefix(un.PlainURL, "https://") +
				": TLS handshake failed — the server does not speak TLS (plain HTTP?); check ATLASSIAN_API_URL uses https"},
		{"connection refused", func(*fakes) string { return "http://" + un.Refused },
			"lastactive report: cannot reach the Admin API at " + un.Refused + ": connection refused; check ATLASSIAN_API_URL and that a proxy or firewall lets TCP "},
		{"redirected to another host", func(f *fakes) string {
			u, err := url.Parse(f.atl.URL())
			if err != nil {
				t.Fatal(err)
			}
			other := strings.Replace(u.Host, "127.0.0.1", "localhost", 1)
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+other+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			}))
			t.Cleanup(s.Close)
			return s.URL
		}, "lastactive report: the Admin API redirected the request to another host, which is not followed (HTTP 307); check ATLASSIAN_API_URL."},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startFakes(t)
			r := runBinary(t, reportEnv(f, "ATLASSIAN_API_URL="+c.url(f)), "", "report")
			if r.code != exitFailed {
				t.Errorf("exit %d, want %d", r.code, exitFailed)
			}
			line := failureLine(r.stderr)
			if !strings.HasPrefix(line, c.want) {
				t.Errorf("failure line\n%s\nwant it to begin\n%s", line, c.want)
			}
			plain, _, _ := strings.Cut(line, " (")
			for _, bad := range []string{"try again", "Slack admin", "unavailable", "KEY", "key"} {
				if strings.Contains(plain, bad) {
					t.Errorf("the failure line's words say %q:\n%s", bad, line)
				}
			}
			if c.name == "TLS handshake failed" && !strings.Contains(plain, "TLS handshake failed — the certificate is signed by an authority this machine does not trust; check ATLASSIAN_API_URL uses https with a trusted certificate, or whether a proxy intercepts TLS") {
				t.Errorf("the TLS failure is not named with its fix:\n%s", line)
			}
			if !strings.Contains(line, "(admin: ") {
				t.Errorf("the client's detail is gone:\n%s", line)
			}
		})
	}
}

// TestOrgScanCommandsNameWhatToFix: `digest` and `nudge`, which read the
// organisation as `report` does, said "Atlassian is unavailable right now;
// try again in a few minutes" for a TLS handshake refused too. They word
// it as report does now.
func TestOrgScanCommandsNameWhatToFix(t *testing.T) {
	t.Parallel()
	un := atlassiantest.NewUnreachable(t)
	f := startFakes(t)
	env := f.env("LASTACTIVE_DIGEST_CHANNEL=C0DIGEST", "LASTACTIVE_NUDGE=on", "LASTACTIVE_SEAT_PRICES=jira-software=8.60",
		"LASTACTIVE_APPROVERS=UAPPROVER1,UAPPROVER2", "ATLASSIAN_API_URL="+un.TLSURL)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"digest"}, "lastactive digest: cannot reach the Admin API at 127.0.0.1:"},
		{[]string{"digest", "--post"}, "lastactive digest: cannot reach the Admin API at 127.0.0.1:"},
		{[]string{"nudge", "--dry-run"}, "lastactive nudge: cannot reach the Admin API at 127.0.0.1:"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, env, "", c.args...)
			if r.code != exitFailed {
				t.Errorf("exit %d, want %d", r.code, exitFailed)
			}
			line := failureLine(r.stderr)
			if !strings.HasPrefix(line, c.want) || !strings.Contains(line, "TLS handshake failed — the certificate is signed by an authority this machine does not trust; check ATLASSIAN_API_URL uses https") {
				t.Errorf("failure line\n%s\nwant it to begin\n%s and name the TLS failure", line, c.want)
			}
			if plain, _, _ := strings.Cut(line, " ("); strings.Contains(plain, "try again") {
				t.Errorf("the failure line says to try again:\n%s", line)
			}
			if c.args[len(c.args)-1] == "--post" && !strings.Contains(line, "Nothing was posted.") {
				t.Errorf("the failure line lost its \"Nothing was posted.\":\n%s", line)
			}
		})
	}
}
