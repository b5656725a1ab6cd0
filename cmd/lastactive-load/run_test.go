package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(asIdleBot) != "" {
		// A stand-in bot for TestDumpOfStuckBot: it says it is running,
		// so that a SIGQUIT finds Go's handler, with how many goroutines
		// it has as the bot's go_goroutines gauge counts them, and waits
		// to be stopped.
		fmt.Printf("ready %d\n", runtime.NumGoroutine())
		time.Sleep(time.Minute)
		os.Exit(3)
	}
	goleak.VerifyTestMain(m)
}

func TestRunInProcess(t *testing.T) {
	for _, mix := range []string{MixDistinct, MixZipf, MixSame} {
		t.Run(mix, func(t *testing.T) {
			r, err := Run(context.Background(), Options{
				N: 30, Concurrency: 5, Mix: mix, Latency: time.Millisecond, Users: 300,
				InProcess: true, Timeout: time.Minute,
			})
			if err != nil {
				t.Fatal(err)
			}
			if r.Sent != 30 || r.Received != r.Sent || r.Lost != 0 {
				t.Errorf("sent %d, received %d, lost %d: want 30 received and none lost", r.Sent, r.Received, r.Lost)
			}
			if r.Wrong != 0 {
				t.Errorf("%d replies do not show the person asked about", r.Wrong)
			}
			if !r.OneChainEach {
				t.Errorf("%d Jira searches and %d Admin calls for %d people (want %d Admin): a lookup was repeated",
					r.JiraCalls, r.AdminCalls, r.DistinctPeople, r.ExpectedAdmin)
			}
			if got := r.CacheHits + r.CacheMisses; got != r.Sent {
				t.Errorf("the bot counted %d lookups, want %d", got, r.Sent)
			}
			if r.Ack.N != r.Sent || r.AckNoticed.N != r.Sent || r.Reply.N != r.Sent {
				t.Errorf("timed %d acks on the wire, %d noticed and %d replies of %d", r.Ack.N, r.AckNoticed.N, r.Reply.N, r.Sent)
			}
			// The wire's round trip lies inside the noticed one, command by
			// command, so no percentile of it can be larger.
			if r.Ack.P50 > r.AckNoticed.P50 || r.Ack.Max > r.AckNoticed.Max {
				t.Errorf("ack on the wire %+v exceeds the ack noticed %+v", r.Ack, r.AckNoticed)
			}
		})
	}
}

func TestRunSameAsksOnce(t *testing.T) {
	r, err := Run(context.Background(), Options{
		N: 40, Concurrency: 10, Mix: MixSame, Latency: 5 * time.Millisecond, Users: 50,
		InProcess: true, Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.DistinctPeople != 1 || r.JiraCalls != 1 || r.AdminCalls != r.ExpectedAdmin {
		t.Errorf("%d people cost %d Jira searches and %d Admin calls, want 1 person, 1 search, %d Admin calls",
			r.DistinctPeople, r.JiraCalls, r.AdminCalls, r.ExpectedAdmin)
	}
	if r.Received != r.Sent {
		t.Errorf("received %d of %d replies", r.Received, r.Sent)
	}
	if r.ReplyFirst.N != 1 || r.ReplyFirst.N+r.ReplyWaiting.N+r.ReplyCached.N != r.Sent {
		t.Errorf("replies split %d/%d/%d, want 1 first ask and %d in all",
			r.ReplyFirst.N, r.ReplyWaiting.N, r.ReplyCached.N, r.Sent)
	}
}

// TestSubprocess drives the built binary, as the measurements do.
func TestSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var out, errs bytes.Buffer
	code := run([]string{"-n", "20", "-c", "4", "-mix", "zipf", "-latency", "1ms", "-users", "200", "-json", "-timeout", "2m"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs.String())
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if r.Mode != "subprocess" || r.Received != 20 || r.PeakRSSMB <= 0 || !r.OneChainEach {
		t.Errorf("mode %q, %d replies, peak RSS %v MB, one chain each %v: want subprocess, 20, > 0, true",
			r.Mode, r.Received, r.PeakRSSMB, r.OneChainEach)
	}
	// The anonymous part is sampled, the whole peak is the kernel's: the
	// first is read, and never more than the second (VmHWM counts it too).
	if r.PeakAnonMB <= 0 || r.PeakAnonMB > r.PeakRSSMB {
		t.Errorf("peak anon RSS %v MB, peak RSS %v MB: want 0 < anon <= RSS", r.PeakAnonMB, r.PeakRSSMB)
	}
	for _, secret := range []string{"xoxb-", "xapp-", "jira-token", "admin-api-key"} {
		if strings.Contains(out.String()+errs.String(), secret) {
			t.Errorf("output holds a secret (%s…)", secret)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-mix", "random"}, {"extra"}, {"-compare", "1", "-floor", "bot"}, {"-floor", "nothing"}} {
		var out, errs bytes.Buffer
		if code := run(args, &out, &errs); code == 0 {
			t.Errorf("%q: exit 0, want non-zero", args)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if got := percentile(ds, 50); got != 50*time.Millisecond {
		t.Errorf("p50 = %v, want 50ms", got)
	}
	if got := percentile(ds, 99); got != 99*time.Millisecond {
		t.Errorf("p99 = %v, want 99ms", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v, want 0", got)
	}
}

// TestCompareBotAndBare runs one pair, bot then bare, as subprocesses built
// from this module, and checks that every figure was read for both.
func TestCompareBotAndBare(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two binaries")
	}
	c, err := Compare(context.Background(), Options{
		N: 30, Concurrency: 5, Mix: MixDistinct, Latency: time.Millisecond, Users: 300, Timeout: 2 * time.Minute,
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pairs) != 1 {
		t.Fatalf("%d pairs, want 1", len(c.Pairs))
	}
	p := c.Pairs[0]
	if p.Bot.Mode != "subprocess" || p.Floor.Mode != TargetBare || c.FloorTarget != TargetBare {
		t.Errorf("modes %q and %q (floor %q), want subprocess and %s", p.Bot.Mode, p.Floor.Mode, c.FloorTarget, TargetBare)
	}
	if p.Floor.Ack.N != 30 || p.Floor.Lost != 0 || p.Floor.Received != 0 {
		t.Errorf("bare: %d acks, %d lost, %d replies; want 30 acks, none lost, no replies", p.Floor.Ack.N, p.Floor.Lost, p.Floor.Received)
	}
	if p.Bot.Received != 30 || p.Bot.Lost != 0 || p.Bot.Wrong != 0 {
		t.Errorf("bot: %d replies, %d lost, %d wrong; want 30, 0, 0", p.Bot.Received, p.Bot.Lost, p.Bot.Wrong)
	}
	for name, v := range map[string]Versus{"ack p50": p.Figures.AckP50, "ack p99": p.Figures.AckP99, "peak RSS": p.Figures.PeakRSS,
		"peak anon RSS": p.Figures.PeakAnon} {
		if v.Bot <= 0 || v.Floor <= 0 || v.Ratio <= 0 {
			t.Errorf("%s: bot %v, bare %v, ratio %v: want all read", name, v.Bot, v.Floor, v.Ratio)
		}
	}
	var out bytes.Buffer
	if err := writeComparison(&out, c); err != nil {
		t.Fatal(err)
	}
	if a, r := p.Figures.PeakAnon, p.Figures.PeakRSS; a.Bot > r.Bot || a.Floor > r.Floor {
		t.Errorf("peak anon RSS %+v above peak RSS %+v", a, r)
	}
	for _, want := range []string{"ack p99 (ms)", "bot ÷ bare", "CPU s / 1,000 commands", "peak RSS (MB)", "peak anon RSS (MB)", "median", "lost: 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the comparison table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCompareBotAndReference: against the reference, the floor does the
// bot's upstream calls and replies, and its replies are judged as the bot's.
func TestCompareBotAndReference(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two binaries")
	}
	c, err := Compare(context.Background(), Options{
		N: 30, Concurrency: 5, Mix: MixDistinct, Latency: time.Millisecond, Users: 300, Timeout: 2 * time.Minute,
		Floor: TargetReference,
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Pairs[0]
	if p.Floor.Mode != TargetReference || c.FloorTarget != TargetReference {
		t.Errorf("floor mode %q (floor %q), want %s", p.Floor.Mode, c.FloorTarget, TargetReference)
	}
	if p.Floor.Received != 30 || p.Floor.Lost != 0 || p.Floor.Wrong != 0 || p.Floor.Ack.N != 30 {
		t.Errorf("reference: %d acks, %d replies, %d lost, %d wrong; want 30 acks and 30 right replies",
			p.Floor.Ack.N, p.Floor.Received, p.Floor.Lost, p.Floor.Wrong)
	}
	if !p.Floor.OneChainEach || p.Floor.JiraCalls != 30 {
		t.Errorf("reference: %d Jira and %d Admin calls (want 30 and %d): not the bot's upstream work",
			p.Floor.JiraCalls, p.Floor.AdminCalls, p.Floor.ExpectedAdmin)
	}
	if v := p.Figures.PeakRSS; v.Bot <= 0 || v.Floor <= 0 {
		t.Errorf("peak RSS: bot %v, reference %v: want both read", v.Bot, v.Floor)
	}
	var out bytes.Buffer
	if err := writeComparison(&out, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "bot ÷ reference") {
		t.Errorf("the comparison table does not name the reference:\n%s", out.String())
	}
}

func TestCPUSecondsOfThisProcess(t *testing.T) {
	if _, err := cpuSeconds(os.Getpid()); err != nil {
		t.Fatal(err)
	}
}

func TestBareRefusesInProcess(t *testing.T) {
	if _, err := Run(context.Background(), Options{Target: TargetBare, InProcess: true}); err == nil {
		t.Fatal("a bare run in process was accepted")
	}
}

// TestAnswersAbout: a reply is right when its one person's outcome id
// says answered and it names the person asked about: a failure naming
// them (person_0.unavailable), an answer about someone else, two people,
// or no outcome id at all are wrong, whatever the words say.
func TestAnswersAbout(t *testing.T) {
	reply := func(blockID, text string) []byte {
		return []byte(`[{"type":"section","block_id":"` + blockID + `","text":{"type":"mrkdwn","text":"` + text + `"}}]`)
	}
	for _, c := range []struct {
		name  string
		reply []byte
		want  bool
	}{
		{"answered, bold name", reply("person_0.answer", "*Ada Lovelace* · Jira: 3 days ago"), true},
		{"answered, linked name", reply("person_0.answer", "<https://admin.atlassian.com/x|Ada Lovelace>"), true},
		{"failure naming her", reply("person_0.unavailable", "*Ada Lovelace* :warning: Atlassian did not answer"), false},
		{"answer about someone else", reply("person_0.answer", "*Grace Hopper* · Jira: 3 days ago"), false},
		{"no outcome id", reply("", "*Ada Lovelace* · Jira: 3 days ago"), false},
		{"two people", []byte(`[{"type":"section","block_id":"person_0.answer","text":{"type":"mrkdwn","text":"*Ada Lovelace*"}},` +
			`{"type":"section","block_id":"person_1.answer","text":{"type":"mrkdwn","text":"*Grace Hopper*"}}]`), false},
		{"not JSON", []byte("*Ada Lovelace*"), false},
	} {
		if got := answersAbout(c.reply, "Ada Lovelace"); got != c.want {
			t.Errorf("%s: answersAbout = %v, want %v", c.name, got, c.want)
		}
	}
}
