package seat_test

import (
	"context"
	"strings"
	"testing"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// TestExplainTLSRefusals: what the asker reads in Slack (and lookup's
// table) when the bot's Atlassian client meets a server that will not
// speak TLS with it, as the binary meets them: the secure connection
// failed, a configuration matter for the admin, who runs lastactive
// check; never "try again in a few minutes" (each of these was, after 4
// attempts, "Atlassian is unavailable right now", and a Go TLS server's
// 400 to an http:// URL "Atlassian refused the request ... (such as the
// organisation ID)"), and never the key.
func TestExplainTLSRefusals(t *testing.T) {
	t.Parallel()
	u := atlassiantest.NewUnreachable(t)
	const want = "The bot cannot reach the Atlassian Admin API (the secure connection failed): a problem in the bot's configuration or network, which waiting will not mend. Ask your Slack admin to run lastactive check, which says what to fix."
	for _, c := range []struct{ name, url string }{
		{"untrusted certificate", u.TLSURL},
		{"plain HTTP behind https", u.PlainURL},
		{"TLS behind http", u.HTTPToTLSURL},
		{"TLS 1.0 and 1.1 only", u.OldTLSURL},
		{"3DES only", u.OldCipherURL},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cl, err := atlassian.New(atlassian.Config{AdminBaseURL: c.url, OrgID: "org-1", APIKey: atlassiantest.APIKey},
				atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.LastActive(context.Background(), "acc-1")
			got := seat.Explain(err)
			if got != want {
				t.Errorf("Explain(%v) =\n%q\nwant\n%q", err, got, want)
			}
			if strings.Contains(got, atlassiantest.APIKey) || strings.Contains(err.Error(), atlassiantest.APIKey) {
				t.Error("the key reached the words or the error")
			}
		})
	}
}
