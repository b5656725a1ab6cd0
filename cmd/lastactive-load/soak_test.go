package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/bot/slacktest"
)

// TestSoakShort is the CI form of the soak: the built binary under the
// issue's fault mix, with disconnects, dropped sockets and two graceful
// restarts. No acked command may go unanswered, be answered twice or get a
// reply that does not say what happened.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var out, errs bytes.Buffer
	code := run([]string{"-soak", "-n", "200", "-c", "20", "-k", "25", "-restarts", "2", "-latency", "5ms",
		"-users", "400", "-seed", "9", "-json", "-timeout", "3m"}, &out, &errs)
	var r SoakResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\n%s\n%s", code, err, out.String(), errs.String())
	}
	if code != 0 || !r.OK {
		t.Errorf("exit %d, ok %v, problems %q", code, r.OK, r.Problems)
	}
	if r.Lost != 0 || r.Doubled != 0 || r.Crashes != 0 || r.Unclear != 0 {
		t.Errorf("%d lost, %d doubled, %d crashes, %d unclear (e.g. %q): want all 0",
			r.Lost, r.Doubled, r.Crashes, r.Unclear, r.UnclearSample)
	}
	if r.Bots != 3 || r.Injected.Restarts != 2 {
		t.Errorf("%d bots, %d restarts: want 3 and 2", r.Bots, r.Injected.Restarts)
	}
	// The faults must have happened, or the zeros above prove nothing.
	i := r.Injected
	if i.Upstream5xx == 0 || i.ResponseURL == 0 || i.Disconnects == 0 || i.Drops == 0 {
		t.Errorf("injected %+v: want 5xx, response_url failures, disconnects and drops", i)
	}
	if r.Acked < r.Sent*3/4 || r.Answers == 0 {
		t.Errorf("%d of %d acked, %d answers: the soak barely ran", r.Acked, r.Sent, r.Answers)
	}
	if !r.GoroutinesSettled {
		t.Errorf("goroutines %d after the run, baseline %d", r.AfterGoroutines, r.BaselineGoroutines)
	}
	for _, secret := range []string{"xoxb-", "xapp-", "jira-token", "admin-api-key"} {
		if strings.Contains(out.String()+errs.String(), secret) {
			t.Errorf("output holds a secret (%s…)", secret)
		}
	}
}

// TestSoakInProcess runs the bot in the test binary, so that the race
// detector watches it through faults, disconnects and a restart.
func TestSoakInProcess(t *testing.T) {
	r, err := Soak(context.Background(), SoakOptions{
		N: 80, Concurrency: 10, Users: 300, Seed: 3, DisruptEvery: 20, Restarts: 1,
		Latency: time.Millisecond, InProcess: true, Timeout: 2 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Lost != 0 || r.Doubled != 0 || r.Unclear != 0 {
		t.Errorf("ok %v: %d lost, %d doubled, %d unclear; problems %q", r.OK, r.Lost, r.Doubled, r.Unclear, r.Problems)
	}
	if r.Bots != 2 || r.Acked == 0 {
		t.Errorf("%d bots, %d acked: want 2 and some", r.Bots, r.Acked)
	}
}

// TestSoakNoticesLoss breaks the fake on purpose: response_url posts that
// fail with a 404, which the bot rightly does not retry, are lost replies,
// and the soak must say so and fail.
func TestSoakNoticesLoss(t *testing.T) {
	r, err := Soak(context.Background(), SoakOptions{
		N: 20, Concurrency: 1, Users: 100, DisruptEvery: -1, Restarts: -1, InProcess: true,
		Faults: Faults{None: true}, ReplyTimeout: 2 * time.Second, Timeout: time.Minute,
		tamper: func(sl *slacktest.Server) { sl.FailResponseURL(3, http.StatusNotFound) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Lost != 3 {
		t.Errorf("ok %v, %d lost: want a failed soak with 3 lost", r.OK, r.Lost)
	}
	var out bytes.Buffer
	if err := writeSoak(&out, r); err != nil || !strings.Contains(out.String(), "FAIL") {
		t.Errorf("report %q (%v) does not say FAIL", out.String(), err)
	}
}

func TestClassify(t *testing.T) {
	const name = "Ada Lovelace"
	for _, tc := range []struct {
		name, text, blocks, want string
	}{
		{"answer", "", `[{"text":"*Ada Lovelace* last active 3 days ago"}]`, "answer"},
		{"failure next to the name", "", `[{"text":":warning: *Ada Lovelace*: Atlassian is unavailable right now"}]`, "unavailable"},
		{"rate limited", "Atlassian is rate limiting us; try again in 1 s.", "", "rate limited"},
		{"unreadable", "Atlassian sent an answer the bot could not read", "", "unreadable answer"},
		{"restart", "The bot was restarting and could not finish this answer.", "", "restarting"},
		{"someone else", "", `[{"text":"*Grace Hopper* last active today"}]`, ""},
		{"generic", "Something went wrong while looking this up", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(slacktest.Reply{Text: tc.text, Blocks: json.RawMessage(tc.blocks)}, name)
			if got != tc.want {
				t.Errorf("classify = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestShown: a reply that replaces the one before it (the answer after a
// "still looking" notice) is not a second reply; two new ones are two.
func TestShown(t *testing.T) {
	interim := slacktest.Reply{Text: "Still looking"}
	answer := slacktest.Reply{Text: "answer", ReplaceOriginal: true}
	second := slacktest.Reply{Text: "again"}
	for _, tc := range []struct {
		name    string
		replies []slacktest.Reply
		want    []string
	}{
		{"none", nil, nil},
		{"one", []slacktest.Reply{second}, []string{"again"}},
		{"interim then answer", []slacktest.Reply{interim, answer}, []string{"answer"}},
		{"doubled", []slacktest.Reply{interim, second}, []string{"Still looking", "again"}},
		{"replace with nothing before", []slacktest.Reply{answer}, []string{"answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range shown(tc.replies) {
				got = append(got, r.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("shown = %q, want %q", got, tc.want)
			}
		})
	}
}
