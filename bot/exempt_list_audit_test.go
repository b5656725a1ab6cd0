package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestExemptListNamesOnlyWhomItShowed: the list's audit entry named the
// first 40 people of the list whatever the list showed, but the list is
// cut at Slack's 3,000 characters, so with long reasons it showed a
// handful and the trail of the others said the requester saw their
// reasons. The entry names exactly the people on the lines shown.
func TestExemptListNamesOnlyWhomItShowed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		n      int
		reason string
	}{
		{"few short", 3, "on leave"},
		{"many short", 60, "on leave"},
		{"many long", 40, strings.Repeat("long reason ", 24)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memExemptions{}
			for i := range tc.n {
				_ = store.PutExemption(context.Background(), Exemption{Email: fmt.Sprintf("p%02d@example.com", i), Product: "confluence",
					Reason: tc.reason, By: "UBOSS", Created: now})
			}
			sink := &recordingSink{}
			svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
				Exemptions: store, Audit: sink, Now: func() time.Time { return now }})
			r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: "exempt list"}, nil)
			if r.Outcome != OutcomeOK {
				t.Fatalf("list: %v", r.Outcome)
			}
			text := r.Message.Blocks[0].(*slack.SectionBlock).Text.Text
			shown := regexp.MustCompile(`(?m)^• (\S+) ·`).FindAllStringSubmatch(text, -1)
			var want []string
			for _, m := range shown {
				want = append(want, m[1])
			}
			got := sink.got[len(sink.got)-1].Emails
			if !slices.Equal(got, want) {
				raw, _ := json.Marshal(got)
				t.Errorf("the list showed %d people, its audit entry names %d: %s", len(want), len(got), raw)
			}
		})
	}
}
