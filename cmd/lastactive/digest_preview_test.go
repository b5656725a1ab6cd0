package main

import (
	"strings"
	"testing"
)

// TestPrintedDigestIsThePostedOne: `lastactive digest` "prints the same
// digest" `--post` posts. With a digest channel and no digest posted yet,
// the printed one compared with the one printed before ("Change since the
// last digest", "a chart … over 2 stored digests") where the channel's
// first would say it is the first, with no chart: the preview told the
// admin what the channel would never see. Once one is posted, both compare
// with it.
func TestPrintedDigestIsThePostedOne(t *testing.T) {
	f := startFakes(t)
	env := f.env("LASTACTIVE_DIGEST_CHANNEL=CDIGEST01")
	cli := f.env("LASTACTIVE_DIGEST_CHANNEL=CDIGEST01", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN")
	run := func(env []string, args ...string) string {
		t.Helper()
		r := runBinary(t, env, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		return r.stdout
	}
	steps := []struct {
		args      []string
		env       []string
		want, not []string
	}{
		{[]string{"digest"}, cli, []string{"This is the first digest"}, []string{"Change since"}},
		{[]string{"digest"}, cli, []string{"This is the first digest"}, []string{"Change since", "stored digests"}},
		{[]string{"digest", "--post"}, env, []string{"Digest posted"}, nil},
		{[]string{"digest"}, cli, []string{"Change since the last digest"}, []string{"This is the first digest"}},
	}
	for i, s := range steps {
		out := run(s.env, s.args...)
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("step %d (%v) lacks %q:\n%s", i+1, s.args, w, out)
			}
		}
		for _, n := range s.not {
			if strings.Contains(out, n) {
				t.Errorf("step %d (%v) says %q:\n%s", i+1, s.args, n, out)
			}
		}
	}
}
