package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestAmbiguousJiraCandidateSaysDeactivated: Jira's search gives no status,
// only "active"; a lone inactive match is shown as deactivated, and so must
// an inactive one among several that the reply lists, so that the asker
// can tell which account is the live one. A candidate the Admin API found
// keeps the status it gave, and says nothing where it gave none.
func TestAmbiguousJiraCandidateSaysDeactivated(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		via   atlassian.Via
		cands []atlassian.Account
		want  []string // a line naming each candidate, with its status
		never []string
		plain string // in the words of the CLI and the notification
	}{
		{
			name: "jira, one inactive",
			via:  atlassian.ViaJira,
			cands: []atlassian.Account{
				{AccountID: "5b10a2844c20165700ede21g", AccountType: "atlassian", DisplayName: "Mia Krystof", Email: "mia@example.com", Active: false},
				{AccountID: "712020:0d1c2b3a-4e5f-6789-abcd-ef0123456789", AccountType: "atlassian", DisplayName: "Mia Krystof (contractor)", Active: true},
			},
			want:  []string{"Mia Krystof (account …ede21g) · deactivated"},
			never: []string{"456789) · deactivated"},
			plain: "Mia Krystof (account …ede21g, deactivated), Mia Krystof (contractor) (account …456789).",
		},
		{
			name: "admin, statuses as given",
			via:  atlassian.ViaAdmin,
			cands: []atlassian.Account{
				{AccountID: "5b10a2844c20165700ede21g", AccountType: "atlassian", DisplayName: "Mia Krystof", Status: atlassian.StatusSuspended},
				{AccountID: "712020:0d1c2b3a-4e5f-6789-abcd-ef0123456789", AccountType: "atlassian", DisplayName: "Mia Krystof (contractor)"},
			},
			want:  []string{"Mia Krystof (account …ede21g) · suspended"},
			never: []string{"deactivated"},
			plain: "Mia Krystof (account …ede21g, suspended), Mia Krystof (contractor) (account …456789).",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := &bottest.Directory{
				ResolveFunc: func(context.Context, string) (atlassian.Account, atlassian.Via, error) {
					return atlassian.Account{}, c.via, &atlassian.Error{Kind: atlassian.ErrAmbiguous, API: atlassian.Jira,
						Candidates: append([]atlassian.Account(nil), c.cands...), Err: errors.New("2 accounts")}
				},
			}
			l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
			p := l.Lookup(context.Background(), "mia@example.com", false)
			if !errors.Is(p.Err, atlassian.ErrAmbiguous) {
				t.Fatalf("err = %v, want ambiguous", p.Err)
			}
			if w := bot.PersonErrorText(p); !strings.Contains(w, c.plain) {
				t.Errorf("PersonErrorText = %q, want it to hold %q", w, c.plain)
			}
			m := bot.RenderLookup([]bot.Person{p}, bot.View{Now: time.Now(), OrgID: "org-1"})
			raw, _ := json.Marshal(m.Blocks)
			var text strings.Builder
			var walk func(any)
			walk = func(v any) {
				switch v := v.(type) {
				case map[string]any:
					if s, ok := v["text"].(string); ok {
						text.WriteString(s + "\n")
					}
					for _, x := range v {
						walk(x)
					}
				case []any:
					for _, x := range v {
						walk(x)
					}
				}
			}
			var doc any
			_ = json.Unmarshal(raw, &doc)
			walk(doc)
			// Drop the admin links, keep their labels.
			got := text.String()
			for _, w := range c.want {
				if !strings.Contains(stripLinks(got), w) {
					t.Errorf("reply lacks %q:\n%s", w, stripLinks(got))
				}
			}
			for _, w := range c.never {
				if strings.Contains(stripLinks(got), w) {
					t.Errorf("reply has %q:\n%s", w, stripLinks(got))
				}
			}
		})
	}
}

// stripLinks turns Slack links <url|label> into their label.
func stripLinks(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<https://")
		if i < 0 {
			return b.String() + s
		}
		j := strings.IndexByte(s[i:], '>')
		k := strings.IndexByte(s[i:], '|')
		if j < 0 || k < 0 || k > j {
			return b.String() + s
		}
		b.WriteString(s[:i] + s[i+k+1:i+j])
		s = s[i+j+1:]
	}
}
