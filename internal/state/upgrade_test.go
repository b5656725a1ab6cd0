package state

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
)

// testAuditRefoldedAtUpgrade: lastactive before version 11 of the schema
// indexed the trail's emails by Unicode's lower case, so a nudge round's
// entry about an Atlassian account whose address only looks like
// kelvin@example.com (a Kelvin sign for the K) was filed under Kelvin, and
// one about JÖRG@example.com under jörg@, a key the bot no longer asks
// for. After the upgrade `lastactive audit kelvin@example.com` still listed
// the look-alike's entries, written before it, though the bot now keeps
// them apart. The upgrade re-indexes them from the addresses each entry
// keeps as given.
func testAuditRefoldedAtUpgrade(t *testing.T, fresh fixture) {
	ctx := context.Background()
	s, err := Open(ctx, fresh(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	to := func(v int64) {
		t.Helper()
		if err := s.migrate(ctx, func(p *goose.Provider) error {
			cur, err := p.GetDBVersion(ctx)
			if err != nil {
				return err
			}
			if cur > v {
				_, err = p.DownTo(ctx, v)
			} else {
				_, err = p.UpTo(ctx, v)
			}
			return err
		}); err != nil {
			t.Fatalf("migrate to %d: %v", v, err)
		}
	}
	to(8)
	// The rows as the previous lastactive wrote them: the emails as given,
	// each target strings.ToLower of an email, or an account ID.
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	old := []struct {
		id, actor string
		emails    []string
		accounts  []string
	}{
		{"kelvin", "U1", []string{"kelvin@example.com"}, []string{"acc-k"}},
		{"lookalike", "", []string{"\u212Aelvin@example.com"}, []string{"acc-l"}},
		{"joerg", "", []string{"jÖrg@example.com"}, []string{"acc-j"}},
		{"both", "U2", []string{"kelvin@example.com", "\u212Aelvin@example.com"}, nil},
	}
	for i, e := range old {
		id := newID(at.Add(time.Duration(i) * time.Minute))
		if _, err := s.db.ExecContext(ctx, `INSERT INTO audit_entry (id, at_us, actor, kind, outcome, detail, emails, account_ids)
			VALUES ($1, $2, $3, 'skip', 'ok', $4, $5, $6)`, id, micros(at.Add(time.Duration(i)*time.Minute)), e.actor, e.id,
			`["`+strings.Join(e.emails, `","`)+`"]`, `["`+strings.Join(e.accounts, `","`)+`"]`); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, k := range append(slices.Clone(e.emails), e.accounts...) {
			k = strings.ToLower(k)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			if _, err := s.db.ExecContext(ctx, `INSERT INTO audit_target (target, audit_id) VALUES ($1, $2)`, k, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(when string) {
		t.Helper()
		for target, want := range map[string][]string{
			"kelvin@example.com":      {"both", "kelvin"},
			"\u212Aelvin@example.com": {"both", "lookalike"},
			"JÖRG@example.com":        {"joerg"},
			"acc-l":                   {"lookalike"},
		} {
			got, err := s.Audit(ctx, AuditQuery{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.Detail)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("%s: trail of %q = %v, want %v", when, target, ids, want)
			}
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check("after the upgrade")
	to(8)
	to(KnownVersion())
	check("down and up again")
}

// testRefusedCopiesAskedAgainAtUpgrade: lastactive before version 12 kept
// the row of an approver's copy that Slack refused (is_archived, a 429 past
// the retries, user_not_found), with no message in it, and never sent it
// again; today's follow-up sends a refused copy again, but took those rows
// for copies on their way: a release request escalated before the upgrade
// whose copies Slack had refused reached no approver, ever. The upgrade
// forgets them for the requests still undecided, so the follow-up sends
// them (or, past its month, gives them up in the trail).
func testRefusedCopiesAskedAgainAtUpgrade(t *testing.T, fresh fixture) {
	ctx := context.Background()
	s, err := Open(ctx, fresh(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.migrate(ctx, func(p *goose.Provider) error { _, err := p.UpTo(ctx, 8); return err }); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	put := func(nudge string) ReleaseRequest {
		t.Helper()
		r, _, err := s.PutRequest(ctx, ReleaseRequest{NudgeID: nudge, AccountID: "acc-" + nudge, Email: nudge + "@example.com",
			Product: "ari:cloud:confluence::site/1", ProductKey: "confluence", Created: at})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	refused, sent, decided := put("refused"), put("sent"), put("decided")
	// As the previous lastactive left them: a refused copy is a row
	// without a message; a copy sent has its channel and ts.
	for _, m := range []ApprovalMessage{
		{RequestID: refused.ID, Approver: "U0APP1"}, {RequestID: refused.ID, Approver: "U0APP2"},
		{RequestID: sent.ID, Approver: "U0APP1", Channel: "D1", TS: "1.1"}, {RequestID: sent.ID, Approver: "U0APP2", Channel: "D2", TS: "2.2"},
		{RequestID: decided.ID, Approver: "U0APP1"}, {RequestID: decided.ID, Approver: "U0APP2", Channel: "D2", TS: "3.3"},
	} {
		if _, err := s.PutApprovalMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Decide(ctx, decided.ID, "U0APP2", DecisionKeep, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	missing, err := s.RequestsMissingCopies(ctx, []string{"U0APP1", "U0APP2"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0].ID != refused.ID {
		t.Errorf("requests missing copies after the upgrade: %+v, want only the one whose copies Slack refused", missing)
	}
	copies, err := s.ApprovalMessages(ctx, sent.ID)
	if err != nil || len(copies) != 2 {
		t.Errorf("the copies sent: %+v, %v; want both kept", copies, err)
	}
}
