package nudge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
	"lastactive/seat"
)

// The round's oracle: random organisations, Slack workspaces, exemptions
// and earlier rounds, and what the contract says a round must do with
// them, worked out from the fixture alone (not from the engine's code):
//
//   - only seats idle (a last active day LASTACTIVE_IDLE_DAYS or more UTC
//     days ago; never used is not idle) in a covered product of an account
//     that holds seats are considered;
//   - a seat is skipped, with its reason, when the person's address (ASCII
//     case folded) is exempt for the product until after now; they were
//     asked about that seat in the last 30 days; they answered Keep in the
//     last 90; an approver decided Keep in the last 90; a nudge about it
//     still waits for its answer or escalation (however old); or a
//     release request about it waits for an approver;
//   - people are taken idle longest first (by their longest idle seat of
//     those not skipped above);
//     once LASTACTIVE_NUDGE_MAX
//     people are asked, the rest are skipped as the round cap;
//   - before the cap is reached, a person without a Slack user, an org
//     admin or a synced account is skipped whole with that reason; a seat
//     used again since the scan is skipped as active again, one no longer
//     held as holding no seat;
//   - everyone else is asked, once, about exactly their remaining seats.
//
// LASTACTIVE_ORACLE_SEEDS=N runs N seeds (a few by default).
func TestRoundOracle(t *testing.T) {
	t.Parallel()
	seeds := 8
	if s := os.Getenv("LASTACTIVE_ORACLE_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		seeds = n
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			runOracle(t, uint64(seed))
		})
	}
}

// oracleKeys are the product keys of the fixtures; jira is the v2 alias of
// jira-software.
var oracleKeys = []string{"confluence", "jira-software", "loom", "compass"}

var oracleSites = map[string]string{atlassiantest.SiteMain: atlassiantest.HostMain, atlassiantest.SiteSecond: atlassiantest.HostSecond}

type oracleSeat struct {
	account, email, key, site string
	ari                       string
	days                      int // days idle at the scan
}

type oracleWant struct {
	reasons map[string]bool // the reasons the seat may be skipped for; none: asked
}

func runOracle(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 11, 30, 0, 0, time.UTC)
	day := 24 * time.Hour
	idleDays := []int{30, 90}[rng.IntN(2)]
	ago := func(n int) time.Time { return now.Truncate(day).Add(-time.Duration(n)*day + 9*time.Hour) }

	// Covered products: LASTACTIVE_NUDGE_PRODUCTS, or every priced one.
	var products []string
	prices := seat.Prices{}
	for _, k := range oracleKeys {
		if rng.IntN(3) > 0 {
			name := k
			if k == "jira-software" && rng.IntN(2) == 0 {
				name = "jira"
			}
			products = append(products, name)
		}
		if rng.IntN(2) == 0 {
			prices[k] = 5
		}
	}
	if rng.IntN(3) == 0 || len(products) == 0 {
		products = nil
		if len(prices) == 0 {
			prices["confluence"] = 6
		}
	}
	covered := map[string]bool{}
	for _, k := range products {
		covered[seat.Canonical(k)] = true
	}
	if products == nil {
		for k := range prices {
			covered[k] = true
		}
	}

	// The organisation.
	org := &atlassiantest.Org{ID: atlassiantest.OrgID, Workspaces: atlassiantest.SampleWorkspaces()}
	names := []string{"ada", "grace", "alan", "edsger", "barbara", "ken", "dennis", "margaret", "john", "frances", "radia", "leslie", "donald", "sophie", "shafi"}
	people := slackPeople{}
	type extra struct{ admin, synced, noSlack, noSeat bool }
	extras := map[string]extra{}
	var emails []string
	n := 8 + rng.IntN(16)
	for i := range n {
		email := names[rng.IntN(len(names))] + "@example.com" // several accounts may share one
		typed := email
		if rng.IntN(5) == 0 {
			typed = strings.ToUpper(email[:1]) + email[1:]
		}
		u := atlassiantest.User{AccountID: fmt.Sprintf("712020:oracle-%02d", i), DisplayName: fmt.Sprint("Person ", i), Email: typed,
			AddedToOrg: ago(1000)}
		x := extra{}
		switch rng.IntN(14) {
		case 0:
			u.OrgAdmin, x.admin = true, true
		case 1:
			u.ManagementSource, x.synced = "synced", true
		case 2:
			u.MembershipStatus, x.noSeat = "suspended", true
		case 3:
			u.AccountType, x.noSeat = "app", true
		}
		for _, k := range oracleKeys {
			for site := range oracleSites {
				if rng.IntN(3) != 0 {
					continue
				}
				key := k
				if k == "jira-software" && rng.IntN(2) == 0 {
					key = "jira"
				}
				p := atlassiantest.Product{Key: key, SiteID: site, DateOnly: rng.IntN(2) == 0}
				if d := []int{-1, 3, 29, 30, 31, 89, 90, 91, 150, 400}[rng.IntN(10)]; d >= 0 {
					p.LastActive = ago(d)
				}
				u.Products = append(u.Products, p)
			}
		}
		org.Users = append(org.Users, u)
		extras[u.AccountID] = x
		emails = append(emails, email)
	}
	// Slack: most addresses have a user (the map's keys in any case).
	for _, email := range emails {
		if _, ok := people[email]; ok || rng.IntN(4) == 0 {
			continue
		}
		k := email
		if rng.IntN(4) == 0 {
			k = strings.ToUpper(k)
		}
		people[k] = "U" + strings.ToUpper(strings.TrimSuffix(email, "@example.com"))
	}
	slackOf := func(email string) string {
		for k, id := range people {
			if strings.EqualFold(k, email) {
				return id
			}
		}
		return ""
	}
	inSlack := func(email string) bool { return slackOf(email) != "" }

	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	client, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	store := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "state.db"))
	scanner := seat.NewScanner(seat.ScanConfig{Dir: client, TTL: time.Hour})
	t.Cleanup(scanner.Close)
	msgs := &recorder{}
	clk := &clock{t: now}
	capN := 1 + rng.IntN(8)
	cfg := Config{Mode: On, Products: products, Prices: prices, Currency: "USD", IdleDays: idleDays, Max: capN, Wait: 168 * time.Hour,
		Approvers: []string{"UAPPROVER"}, OrgID: org.ID, Scans: scanner, Directory: client,
		Sites: seat.NewSiteBook(client, seat.SiteBookOptions{}), People: people, Messages: msgs,
		Store: func() Store { return store }, Now: clk.Now, PostEvery: time.Microsecond}

	// The seats the scan sees idle, and what each must get.
	var seats []*oracleSeat
	want := map[*oracleSeat]*oracleWant{}
	for _, u := range org.Users {
		if extras[u.AccountID].noSeat {
			continue
		}
		for _, p := range u.Products {
			if !covered[seat.Canonical(p.Key)] || p.LastActive.IsZero() {
				continue
			}
			d := seat.DaysBetween(p.LastActive, now)
			if d < idleDays {
				continue
			}
			s := &oracleSeat{account: u.AccountID, email: strings.ToLower(u.Email), key: seat.Canonical(p.Key), site: oracleSites[p.SiteID],
				ari: p.ID(), days: d}
			seats = append(seats, s)
			want[s] = &oracleWant{reasons: map[string]bool{}}
		}
	}

	// Exemptions, by address and product, in force or ended.
	exempt := map[[2]string]bool{}
	exemptUntil := map[[2]string]time.Time{} // zero: for good
	for _, email := range emails {
		if rng.IntN(3) != 0 {
			continue
		}
		key := oracleKeys[rng.IntN(len(oracleKeys))]
		e := state.Exemption{Email: email, Product: key, Reason: "on leave", By: "UBOSS"}
		if rng.IntN(2) == 0 {
			e.Email = strings.ToUpper(email[:1]) + email[1:]
		}
		inForce := true
		switch rng.IntN(3) {
		case 1:
			e.Until = now.Add(time.Duration(1+rng.IntN(100)) * time.Hour)
		case 2:
			e.Until, inForce = now.Add(-time.Duration(1+rng.IntN(100))*time.Hour), false
		}
		if err := store.PutExemption(ctx, e); err != nil {
			t.Fatal(err)
		}
		exempt[[2]string{email, key}] = inForce // the last one stored replaces the others
		exemptUntil[[2]string{email, key}] = e.Until
	}
	for _, s := range seats {
		if exempt[[2]string{s.email, s.key}] {
			want[s].reasons[SkipExempt] = true
		}
	}

	// Earlier rounds: each seat may have been asked, answered, reminded,
	// escalated, requested, decided and released then restored (Undo).
	open := map[*oracleSeat]int{} // the nudges nobody answered nor escalated, by seat
	for i, s := range seats {
		if rng.IntN(2) == 0 {
			continue
		}
		earlierUser := slackOf(s.email)
		if earlierUser == "" {
			earlierUser = "UEARLIER" // asked when they had one
		}
		askedDays := []int{2, 29, 31, 60, 89, 91, 100, 200}[rng.IntN(8)]
		asked := now.Add(-time.Duration(askedDays)*day + time.Hour)
		nd := state.Nudge{Round: fmt.Sprint("nudge earlier ", i), AccountID: s.account, Email: s.email, Product: s.ari, ProductKey: s.key,
			SlackUser: earlierUser, Asked: asked, Channel: "DEARLIER", TS: fmt.Sprintf("1.%d", i)}
		nd, _, err := store.PutNudge(ctx, nd)
		if err != nil {
			t.Fatal(err)
		}
		if asked.After(now.Add(-AskedWindow)) {
			want[s].reasons[SkipAsked] = true
		}
		later := func() time.Time {
			return asked.Add(time.Duration(rng.IntN(int(min(now.Sub(asked), 20*day)/time.Hour))) * time.Hour)
		}
		switch rng.IntN(5) {
		case 1: // Keep
			at := later()
			if _, err := store.AnswerNudge(ctx, nd.ID, state.AnswerKeep, at); err != nil {
				t.Fatal(err)
			}
			if at.After(now.Add(-KeptWindow)) {
				want[s].reasons[SkipKept] = true
			}
		case 2, 3: // Release, or silence escalated: a request
			at := later()
			requester := ""
			if rng.IntN(2) == 0 {
				requester = "UEARLIER"
				if _, err := store.AnswerNudge(ctx, nd.ID, state.AnswerRelease, at); err != nil {
					t.Fatal(err)
				}
			} else if _, err := store.MarkEscalated(ctx, nd.ID, at); err != nil {
				t.Fatal(err)
			}
			r, _, err := store.PutRequest(ctx, state.ReleaseRequest{NudgeID: nd.ID, AccountID: s.account, Email: s.email, Product: s.ari,
				ProductKey: s.key, Requester: requester, Created: at})
			if err != nil {
				t.Fatal(err)
			}
			switch rng.IntN(3) {
			case 0:
				want[s].reasons[SkipPending] = true
			case 1, 2:
				decision := []string{state.DecisionKeep, state.DecisionApprove}[rng.IntN(2)]
				dat := at.Add(time.Duration(rng.IntN(int(now.Sub(at)/time.Hour)+1)) * time.Hour)
				if _, err := store.Decide(ctx, r.ID, "UAPPROVER", decision, dat); err != nil {
					t.Fatal(err)
				}
				if decision == state.DecisionKeep && !dat.Before(now.Add(-KeptWindow)) {
					want[s].reasons[SkipKeptByApprover] = true
				}
				if decision == state.DecisionApprove && rng.IntN(2) == 0 {
					// Released, then an approver's Undo (the seat is
					// held again), which may come long after: a Keep
					// from the Undo on.
					uat := dat.Add(time.Duration(rng.IntN(int(now.Sub(dat)/time.Hour)+1)) * time.Hour)
					if err := store.SettleNudge(ctx, nd.ID, state.SettledRestored, uat); err != nil {
						t.Fatal(err)
					}
					if !uat.Before(now.Add(-KeptWindow)) {
						want[s].reasons[SkipUndone] = true
					}
				}
			}
		default: // no answer, not escalated
			open[s]++
			// Still waiting, however old: not asked again.
			want[s].reasons[SkipWaiting] = true
		}
	}

	// The scan is read first; some use a seat, or lose it, after it.
	if _, err := scanner.Report(ctx, seat.Options{Days: idleDays, Products: slices.Collect(func(yield func(string) bool) {
		for k := range covered {
			if !yield(k) {
				return
			}
		}
	}), Now: now}, false, nil); err != nil {
		t.Fatal(err)
	}
	used, gone := map[*oracleSeat]bool{}, map[*oracleSeat]bool{}
	for _, u := range org.Users {
		changed := false
		var kept []atlassiantest.Product
		for _, p := range u.Products {
			for _, s := range seats {
				if s.account == u.AccountID && s.ari == p.ID() {
					switch rng.IntN(10) {
					case 0:
						p.LastActive = now.Add(-time.Hour)
						used[s], changed = true, true
					case 1:
						gone[s], changed = true, true
					}
				}
			}
			if s := seatOf(seats, u.AccountID, p.ID()); s == nil || !gone[s] {
				kept = append(kept, p)
			}
		}
		if changed {
			u.Products = kept
			srv.SetUser(u)
		}
	}

	sum, err := New(cfg).Round(ctx, "nudge oracle", false)
	if err != nil {
		t.Fatal(err)
	}

	// What the engine did, by seat.
	got := map[*oracleSeat]string{} // "" asked, else the skip reason
	for _, p := range sum.Asked {
		for _, it := range p.Items {
			s := seatFor(seats, p.Person.AccountID, it.Key, it.Site)
			if s == nil {
				t.Errorf("asked %s about %s on %s: not an idle covered seat", p.Person.Email, it.Key, it.Site)
				continue
			}
			if _, dup := got[s]; dup {
				t.Errorf("%s about %s on %s twice", p.Person.Email, it.Key, it.Site)
			}
			got[s] = ""
		}
	}
	for _, sk := range sum.Skipped {
		s := seatFor(seats, sk.Person.AccountID, sk.Key, sk.Site)
		if s == nil {
			t.Errorf("skipped %s about %s on %s (%s): not an idle covered seat", sk.Person.Email, sk.Key, sk.Site, sk.Reason)
			continue
		}
		if _, dup := got[s]; dup {
			t.Errorf("%s about %s on %s decided twice", sk.Person.Email, sk.Key, sk.Site)
		}
		got[s] = sk.Reason
	}

	// History first: a seat with a reason is skipped for one of them.
	type person struct {
		account string
		prio    int
		seats   []*oracleSeat
	}
	var order []*person
	byAccount := map[string]*person{}
	for _, s := range seats {
		r, ok := got[s]
		if !ok {
			t.Errorf("%s %s on %s: neither asked nor skipped (want %v)", s.email, s.key, s.site, want[s].reasons)
			continue
		}
		if len(want[s].reasons) > 0 {
			if !want[s].reasons[r] {
				t.Errorf("%s %s on %s (idle %d days): got %q, want one of %v", s.email, s.key, s.site, s.days, r, want[s].reasons)
			}
			continue
		}
		p := byAccount[s.account]
		if p == nil {
			p = &person{account: s.account}
			byAccount[s.account] = p
		}
		if !slices.Contains(order, p) {
			order = append(order, p)
		}
		// A person's place is their longest idle seat of those in
		// question this round: one exempt, kept or asked about lately
		// is not to be asked, and does not put them before another.
		p.prio = max(p.prio, s.days)
		p.seats = append(p.seats, s)
	}
	// The rest: asked, or skipped whole for the person, or the cap.
	whole := func(p *person) map[string]bool {
		x, email := extras[p.account], p.seats[0].email
		m := map[string]bool{}
		if x.admin {
			m[SkipOrgAdmin] = true
		}
		if x.synced {
			m[SkipSynced] = true
		}
		if !inSlack(email) {
			m[SkipNoSlack] = true
		}
		return m
	}
	askable := func(p *person) bool {
		if len(whole(p)) > 0 {
			return false
		}
		for _, s := range p.seats {
			if !used[s] && !gone[s] {
				return true
			}
		}
		return false
	}
	askedPeople := map[string]bool{}
	for _, a := range sum.Asked {
		askedPeople[a.Person.AccountID] = true
	}
	nAskable := 0
	for _, p := range order {
		if askable(p) {
			nAskable++
		}
	}
	if len(sum.Asked) != min(capN, nAskable) {
		t.Errorf("asked %d people, want %d (cap %d, %d askable)", len(sum.Asked), min(capN, nAskable), capN, nAskable)
	}
	cut := -1 // the least priority of those asked, when the cap was reached
	if len(sum.Asked) == capN {
		cut = 1 << 30
		for _, p := range order {
			if askedPeople[p.account] {
				cut = min(cut, p.prio)
			}
		}
	}
	for _, p := range order {
		pc := cut >= 0 && p.prio < cut // surely past the cap
		pb := cut < 0 || p.prio > cut  // surely before it
		for _, s := range p.seats {
			r := got[s]
			if r == SkipCap {
				if pb {
					t.Errorf("%s %s on %s (idle %d days) skipped as the cap, before it (%d days)", s.email, s.key, s.site, p.prio, cut)
				}
				continue
			}
			if pc {
				t.Errorf("%s %s on %s (idle %d days): got %q, past the cap (%d days)", s.email, s.key, s.site, p.prio, r, cut)
				continue
			}
			if w := whole(p); len(w) > 0 {
				if !w[r] {
					t.Errorf("%s %s on %s: got %q, want one of %v", s.email, s.key, s.site, r, w)
				}
				continue
			}
			wantR := ""
			switch {
			case gone[s]:
				wantR = SkipNoSeat
			case used[s]:
				wantR = SkipActiveAgain
			}
			if r != wantR {
				t.Errorf("%s %s on %s (idle %d days): got %q, want %q", s.email, s.key, s.site, s.days, r, wantR)
			}
		}
	}
	// One message per person asked, to their Slack user, about exactly
	// the seats asked.
	if posts := msgs.sent(); len(posts) != len(sum.Asked) {
		t.Errorf("%d messages for %d people asked", len(posts), len(sum.Asked))
	}
	if t.Failed() {
		t.Logf("seed %d: idle days %d, products %v, prices %v, cap %d", seed, idleDays, products, prices, capN)
		return
	}
	unaskable := map[string]bool{}
	for account, x := range extras {
		unaskable[account] = x.admin || x.synced || x.noSeat
	}
	oracleFollowUps(t, oracleFollow{seeds: seats, open: open, got: got, used: used, gone: gone, exemptUntil: exemptUntil,
		unaskable: unaskable, store: store, msgs: msgs, clk: clk, cfg: cfg})
	if t.Failed() {
		t.Logf("seed %d: idle days %d, products %v, prices %v, cap %d", seed, idleDays, products, prices, capN)
	}
}

// oracleFollow is what the follow-ups' oracle needs of a round's.
type oracleFollow struct {
	seeds       []*oracleSeat
	open        map[*oracleSeat]int // earlier nudges unanswered, not escalated
	got         map[*oracleSeat]string
	used, gone  map[*oracleSeat]bool
	exemptUntil map[[2]string]time.Time
	// unaskable: the accounts a round never asks (org admins, synced,
	// holding no seat), by account ID.
	unaskable map[string]bool
	store     *state.Store
	msgs      *recorder
	clk       *clock
	cfg       Config
}

// oracleFollowUps: after the round, the follow-ups as the contract says,
// from the fixture alone:
//
//   - LASTACTIVE_NUDGE_WAIT after a nudge nobody answered, one reminder,
//     one message per person naming each of their seats still in question
//     once; none for a seat the person used again or no longer holds, nor
//     while an exemption holds it back, nor to someone a round would not
//     ask (an org admin, a synced account, one holding no seat): an
//     earlier nudge of theirs is closed;
//   - another wait later, no answer: an escalation, one release request
//     with no requester per seat, and nothing reminded again.
func oracleFollowUps(t *testing.T, f oracleFollow) {
	ctx := context.Background()
	for _, s := range f.seeds {
		if f.got[s] == "" {
			f.open[s]++ // asked by the round
		}
	}
	held := func(s *oracleSeat, at time.Time) bool {
		until, ok := f.exemptUntil[[2]string{s.email, s.key}]
		return ok && (until.IsZero() || until.After(at))
	}
	e := New(f.cfg)
	// The wait: one reminder per person.
	f.clk.Add(f.cfg.Wait)
	t1 := f.clk.Now()
	before := len(f.msgs.sent())
	if err := e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	reminded := map[*oracleSeat]int{}
	perPerson := map[string]int{}
	for _, p := range f.msgs.sent()[before:] {
		a, ok := p.Note.(Ask)
		if !ok || !a.Reminder {
			continue
		}
		perPerson[a.Person.AccountID]++
		for _, it := range a.Items {
			s := seatFor(f.seeds, a.Person.AccountID, it.Key, it.Site)
			if s == nil {
				t.Errorf("reminded %s of %s on %s: not a seat in question", a.Person.Email, it.Key, it.Site)
				continue
			}
			reminded[s]++
		}
	}
	wantReminded := map[*oracleSeat]bool{}
	for _, s := range f.seeds {
		if f.open[s] > 1 {
			// An earlier nudge left open past the asked window (held back
			// by an exemption, or a wait over 15 days) and the round's new
			// one: both are reminded and escalated, two requests for one
			// seat. Left to a design decision (which nudge stands for the
			// seat); not checked here.
			continue
		}
		w := f.open[s] > 0 && !held(s, t1) && !f.used[s] && !f.gone[s] && !f.unaskable[s.account]
		wantReminded[s] = w
		if n := reminded[s]; w && n != 1 || !w && n != 0 {
			t.Errorf("%s %s on %s (open nudges %d, exempt %v, used again %v, gone %v, unaskable %v): named %d times in reminders, want %d",
				s.email, s.key, s.site, f.open[s], held(s, t1), f.used[s], f.gone[s], f.unaskable[s.account], n, map[bool]int{true: 1}[w])
		}
	}
	for account, n := range perPerson {
		if n != 1 {
			t.Errorf("%s got %d reminders, want one message naming every seat", account, n)
		}
	}
	// Another wait: the reminded seats go to the approvers, once each.
	f.clk.Add(f.cfg.Wait)
	t2 := f.clk.Now()
	before = len(f.msgs.sent())
	if err := e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.msgs.sent()[before:] {
		if a, ok := p.Note.(Ask); ok {
			t.Errorf("%s asked or reminded again at the escalation (reminder %v, %d items)", a.Person.Email, a.Reminder, len(a.Items))
		}
	}
	for _, s := range f.seeds {
		if f.open[s] > 1 {
			continue // as above
		}
		reqs, err := f.store.RequestsAbout(ctx, s.account, s.ari, t2.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range reqs {
			if r.Requester == "" && !r.Created.Before(t2) {
				n++
			}
		}
		w := wantReminded[s] && !held(s, t2)
		if w && n != 1 || !w && n != 0 {
			t.Errorf("%s %s on %s (reminded %v, exempt %v): %d escalations, want %d",
				s.email, s.key, s.site, wantReminded[s], held(s, t2), n, map[bool]int{true: 1}[w])
		}
	}
}

func seatOf(seats []*oracleSeat, account, ari string) *oracleSeat {
	for _, s := range seats {
		if s.account == account && s.ari == ari {
			return s
		}
	}
	return nil
}

func seatFor(seats []*oracleSeat, account, key, site string) *oracleSeat {
	for _, s := range seats {
		if s.account == account && s.key == key && s.site == site {
			return s
		}
	}
	return nil
}
