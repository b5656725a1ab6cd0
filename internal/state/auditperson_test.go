package state

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestAuditPersonReadsAboutItsLimit: AuditPerson read the person's entries
// by email and then up to Limit entries by each of up to 8 account IDs, all
// held and decoded at once before the cut to Limit: 9 times the entries of
// a read (90,009 for lastactive audit EMAIL, 1.3 s and 257 MB on a person
// whose 8 accounts have 10,000 entries each). It reads the accounts'
// entries together now, Limit of them at most. Counted in allocations, not
// time; not parallel, so that no other test allocates meanwhile.
func TestAuditPersonReadsAboutItsLimit(t *testing.T) {
	fixtures := map[string]fixture{"sqlite": sqliteFixture}
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") != "" {
		fixtures["postgres"] = postgresFixture
	}
	for name, fresh := range fixtures {
		t.Run(name, func(t *testing.T) {
			s := open(t, fresh(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			var batch []AuditEntry
			for a := range maxAliases {
				batch = append(batch, AuditEntry{At: at.Add(time.Duration(a) * time.Second), Actor: "U1", Emails: []string{"ada@example.com"},
					AccountIDs: []string{fmt.Sprintf("acc-%d", a)}, Kind: KindLookup, Outcome: OutcomeOK})
			}
			for i := range 400 {
				for a := range maxAliases {
					batch = append(batch, AuditEntry{At: at.Add(time.Hour + time.Duration(i*maxAliases+a)*time.Second), Actor: "U2",
						AccountIDs: []string{fmt.Sprintf("acc-%d", a)}, Kind: KindNudge, Outcome: OutcomeOK})
				}
				batch = append(batch, AuditEntry{At: at.Add(time.Hour + time.Duration(i)*time.Second), Actor: "U3",
					Emails: []string{"bob@example.com"}, Kind: KindLookup, Outcome: OutcomeOK})
			}
			for len(batch) > 0 {
				n := min(len(batch), MaxBatch)
				if err := s.AppendBatch(ctx, batch[:n]); err != nil {
					t.Fatal(err)
				}
				batch = batch[n:]
			}
			const limit = 200
			var err error
			read := func(q AuditQuery, want int) float64 {
				return testing.AllocsPerRun(5, func() {
					got, e := s.AuditPerson(ctx, q)
					if e == nil && len(got) != want {
						e = fmt.Errorf("%s: %d entries, want %d", q.Target, len(got), want)
					}
					if e != nil {
						err = e
					}
				})
			}
			one := read(AuditQuery{Target: "bob@example.com", Limit: limit}, limit)
			person := read(AuditQuery{Target: "ada@example.com", Limit: limit}, limit)
			if err != nil {
				t.Fatal(err)
			}
			if person > 2*one {
				t.Errorf("a person's trail of %d entries over %d accounts took %.0f allocations, %.1f times a trail of %d by email (%.0f); want at most twice",
					limit, maxAliases, person, person/one, limit, one)
			}
		})
	}
}
