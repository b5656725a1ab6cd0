package bot

import (
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestRequesterSlots: a requester holds at most max slots, "" (nobody
// known) is not counted, and a requester whose slots are all given back
// leaves no entry behind.
func TestRequesterSlots(t *testing.T) {
	r := requesterSlots{max: 2}
	for i, want := range []bool{true, true, false, false} {
		if got := r.take("U1"); got != want {
			t.Fatalf("take %d of U1 = %v, want %v", i+1, got, want)
		}
	}
	if !r.take("U2") {
		t.Fatal("U2 refused while U1 holds their share")
	}
	for range 10 {
		if !r.take("") {
			t.Fatal(`requester "" refused`)
		}
	}
	r.give("U1")
	if !r.take("U1") {
		t.Fatal("U1 refused after giving one back")
	}
	r.give("U1")
	r.give("U1")
	r.give("U2")
	r.give("") // not counted: nothing to give back
	if n := r.holders(); n != 0 {
		t.Errorf("%d requesters left in the map after every slot came back: %v", n, r.held)
	}
}

// TestRequesterSlotsComeBack: through the Bot, one requester's commands
// past their share are told to wait while another's are answered, and the
// slots come back on every path: an answer, a failure, a panic, and work
// the stop abandons (its context cancelled). Once Run has returned, no
// requester holds a slot and no slot is taken.
func TestRequesterSlotsComeBack(t *testing.T) {
	u := startUnit(t, 1, BotConfig{MaxInFlight: 4, ShutdownTimeout: 100 * time.Millisecond, PostGrace: 500 * time.Millisecond},
		ServiceConfig{AuditTrail: panicTrail{}, Gate: NewGate(GateConfig{ReportUsers: []string{"U2"}, PerUserBurst: 1000}), StillLooking: -1})
	if got := u.bot.cfg.MaxPerRequester; got != 2 {
		t.Fatalf("MaxPerRequester defaults to %d with MaxInFlight 4, want 2", got)
	}
	u.hang(atlassiantest.AdaAccountID)
	u.command(0, "E1", "U1", "ada@example.com") // held until the stop
	u.command(0, "E2", "U1", "ada@example.com") // held too: U1's share
	u.command(0, "E3", "U1", "help")
	u.log.waitFor(t, "E3 told to wait", hasLine("reply /E3 ephemeral new "+ownShareText))

	// Another requester, each path in turn: a panic, an answer, a failure.
	u.command(0, "E4", "U2", "audit ada@example.com")
	u.log.waitFor(t, "E4's apology", hasLine("reply /E4 ephemeral new Something went wrong"))
	u.command(0, "E5", "U2", "help")
	u.log.waitFor(t, "E5's answer", hasLine("reply /E5 "))
	u.command(0, "E6", "U2", "nobody-at-all@example.com")
	u.log.waitFor(t, "E6's answer", hasLine("reply /E6 "))
	if n := u.log.count("reply /E1") + u.log.count("reply /E2"); n != 0 {
		t.Fatalf("U1's held lookups answered before the stop")
	}

	u.stop()
	// The held lookup outlives its abandoned askers upstream; end it.
	u.svc.cfg.Lookups.Close()
	if n := u.bot.mine.holders(); n != 0 {
		t.Errorf("%d requesters still hold slots after Run returned: %v", n, u.bot.mine.held)
	}
	if n := len(u.bot.slots); n != 0 {
		t.Errorf("%d in-flight slots still taken after Run returned", n)
	}
	for _, id := range []string{"E1", "E2"} {
		if !hasLine("reply /" + id + " ")(u.log.snapshot()) {
			t.Errorf("%s, abandoned by the stop, got no reply", id)
		}
	}
}
