package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// gauge is the value of the gauge name in reg, 0 when it is not there.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

// isNotice reports whether r is a notice of kind k (read from its blocks'
// ids, as a machine would), without failing on a reply that is none.
func isNotice(r slacktest.Reply, k bot.NoticeKind) bool {
	var bs slack.Blocks
	if json.Unmarshal(r.Blocks, &bs) != nil {
		return false
	}
	got, ok := bot.NoticeOf(bs.BlockSet)
	return ok && got == k
}

// TestOneRequesterCannotTakeEverySlot: one person fires as many lookups as
// the bot has in-flight slots, all held by an Atlassian that hangs on the
// person asked about. Another person's lookup is still answered, not told
// the bot is very busy: the first holds half the slots, and the commands
// past that are told to wait for their own, counted as rate-limited and
// not audited. Before, the first person took every slot.
func TestOneRequesterCannotTakeEverySlot(t *testing.T) {
	const slots = 8
	reg := prometheus.NewRegistry()
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserBurst: 1000}, maxInFlight: slots, metrics: bot.NewMetrics(reg)})
	release := hangAdmin(t, h.atl, atlassiantest.AdaAccountID)

	var flood []*slacktest.Envelope
	for range slots {
		flood = append(flood, h.send("UFLOOD", "C1", "ada@example.com"))
	}
	toldToWait := func() (out []slacktest.Reply) {
		for _, e := range flood {
			for _, r := range h.slack.Replies(e.ID) {
				if isNotice(r, bot.NoticeBusy) {
					out = append(out, r)
				}
			}
		}
		return out
	}
	// Settled once each of the flood holds a slot or was told to wait:
	// the in-flight gauge is not a change the fake's Wait sees, so poll.
	deadline := time.Now().Add(20 * time.Second)
	for gauge(t, reg, "lastactive_lookups_in_flight")+float64(len(toldToWait())) < slots {
		if time.Now().After(deadline) {
			t.Fatalf("the flood did not settle: %v in flight, %d told to wait",
				gauge(t, reg, "lastactive_lookups_in_flight"), len(toldToWait()))
		}
		time.Sleep(10 * time.Millisecond)
	}

	other := h.reply(h.send("UOTHER", "C1", "grace@example.com"))
	if !strings.Contains(text(other), "Grace Hopper") {
		t.Fatalf("another person's lookup, while one person's %d were held, got:\n%s", slots, text(other))
	}

	waited := toldToWait()
	if len(waited) != slots/2 {
		t.Errorf("%d of the flood told to wait, want %d (half the slots held)", len(waited), slots/2)
	}
	for _, r := range waited {
		if got := text(r); !strings.Contains(got, "You have many requests still being answered") || r.ResponseType == "in_channel" {
			t.Errorf("the flood's refusal (%q): %s", r.ResponseType, got)
		}
	}
	if n := commands(t, reg, "command", "rate_limited"); n != slots/2 {
		t.Errorf("lastactive_commands_total{kind=command,outcome=rate_limited} = %v, want %d", n, slots/2)
	}
	// The held lookups are not done, and the refusals are not lookups.
	if lines := h.auditLines("UFLOOD"); len(lines) != 0 {
		t.Errorf("%d audit lines for the flood before any lookup ended: %v", len(lines), lines)
	}

	release()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, e := range flood {
		err := h.slack.Wait(ctx, func() bool {
			for _, r := range h.slack.Replies(e.ID) {
				if strings.Contains(text(r), "Ada Lovelace") || isNotice(r, bot.NoticeBusy) {
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatalf("envelope %s neither answered nor told to wait: %v", e.ID, err)
		}
	}
	// With the slots given back, the same person is served again. A slot
	// is given back just after its reply was posted, so the fake may see
	// the reply a moment before: asked again while told to wait.
	for i := 0; ; i++ {
		r := h.ask("UFLOOD", "C1", "ada@example.com")
		if strings.Contains(text(r), "Ada Lovelace") {
			break
		}
		if !isNotice(r, bot.NoticeBusy) || i == 50 {
			t.Fatalf("the flood's person after their lookups ended (ask %d):\n%s", i+1, text(r))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// commands is lastactive_commands_total{kind, outcome} in reg, 0 when
// nothing was counted so.
func commands(t *testing.T, reg *prometheus.Registry, kind, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "lastactive_commands_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestBusyAnswersAreCounted: with every slot held by other people's
// lookups, a command is told the bot is very busy, and the refusal is
// counted (lastactive_commands_total{outcome="busy"}), so an operator
// sees that the bot turned people away and may raise its bound or add a
// replica. Before, the busy answer was in no metric, only a warning line.
func TestBusyAnswersAreCounted(t *testing.T) {
	const slots = 2
	reg := prometheus.NewRegistry()
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserBurst: 1000}, maxInFlight: slots, metrics: bot.NewMetrics(reg)})
	release := hangAdmin(t, h.atl, atlassiantest.AdaAccountID)
	defer release()
	for _, u := range []string{"UONE", "UTWO"} {
		h.send(u, "C1", "ada@example.com")
	}
	deadline := time.Now().Add(20 * time.Second)
	for gauge(t, reg, "lastactive_lookups_in_flight") < slots {
		if time.Now().After(deadline) {
			t.Fatalf("the two lookups did not both hold a slot: %v in flight", gauge(t, reg, "lastactive_lookups_in_flight"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := h.reply(h.send("UTHREE", "C1", "grace@example.com"))
	if !isNotice(r, bot.NoticeBusy) || !strings.Contains(text(r), "very busy") {
		t.Fatalf("a third person's command with every slot held got:\n%s", text(r))
	}
	if n := commands(t, reg, "command", "busy"); n != 1 {
		t.Errorf(`lastactive_commands_total{kind="command",outcome="busy"} = %v, want 1`, n)
	}
	if n := commands(t, reg, "command", "rate_limited"); n != 0 {
		t.Errorf(`lastactive_commands_total{kind="command",outcome="rate_limited"} = %v, want 0: nobody was over their share`, n)
	}
}
