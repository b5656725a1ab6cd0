package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// viaJSON is what a reader of the reply gets: the blocks as Slack receives
// them, decoded again.
func viaJSON(t *testing.T, m Message) []slack.Block {
	t.Helper()
	raw, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var bs slack.Blocks
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("decode blocks: %v\n%s", err, raw)
	}
	return bs.BlockSet
}

// TestPersonOutcomeRoundTrip: every outcome, rendered into a person's
// section, is read back from the reply's JSON by PersonOutcomes; alone, and
// with others in one message, whose block_ids stay unique and within
// Slack's limits.
func TestPersonOutcomeRoundTrip(t *testing.T) {
	t.Parallel()
	atl := func(k atlassian.Kind, cause error) error {
		return &atlassian.Error{Kind: k, API: atlassian.Admin, Err: cause}
	}
	slackErr := func(k SlackKind) error {
		return fmt.Errorf("resolve: %w", &SlackError{Method: "users.info", Kind: k})
	}
	cases := []struct {
		name string
		p    Person
		want PersonOutcome
	}{
		{"answer", ada(), PersonAnswer},
		{"not found", failed("nobody@example.com", atl(atlassian.ErrNotFound, nil)), PersonNotFound},
		{"not found, a bare kind", failed("nobody@example.com", fmt.Errorf("look up: %w", atlassian.ErrNotFound)), PersonNotFound},
		{"ambiguous", failed("twins@example.com", &atlassian.Error{Kind: atlassian.ErrAmbiguous, API: atlassian.Jira,
			Candidates: []atlassian.Account{{AccountID: "aaaaaa111111", DisplayName: "Twin One"}, {AccountID: "bbbbbb222222", DisplayName: "Twin Two"}}}), PersonAmbiguous},
		{"credentials", failed("ada@example.com", atl(atlassian.ErrCredentials, nil)), PersonCredentials},
		{"not an org admin", failed("ada@example.com", atl(atlassian.ErrNotOrgAdmin, nil)), PersonCredentials},
		{"rate limited", failed("ada@example.com", &atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, RetryAfter: 30 * time.Second}), PersonRateLimited},
		{"rate limited out of time", failed("ada@example.com", atl(atlassian.ErrRateLimited, context.DeadlineExceeded)), PersonRateLimited},
		{"deadline", failed("ada@example.com", context.DeadlineExceeded), PersonTooSlow},
		{"unavailable out of time", failed("ada@example.com", atl(atlassian.ErrUnavailable, context.DeadlineExceeded)), PersonTooSlow},
		{"cancelled", failed("ada@example.com", fmt.Errorf("lookup: %w", context.Canceled)), PersonStopped},
		{"unavailable", failed("ada@example.com", atl(atlassian.ErrUnavailable, nil)), PersonUnavailable},
		{"write unknown", failed("ada@example.com", atl(atlassian.ErrWriteUnknown, nil)), PersonUnavailable},
		{"bad response", failed("ada@example.com", atl(atlassian.ErrBadResponse, nil)), PersonBadResponse},
		{"rejected", failed("ada@example.com", atl(atlassian.ErrRejected, nil)), PersonRejected},
		{"org not found", failed("ada@example.com", atl(atlassian.ErrOrgNotFound, nil)), PersonRejected},
		{"seat limit", failed("ada@example.com", atl(atlassian.ErrSeatLimit, nil)), PersonRejected},
		{"slack user without email", Person{UserID: "U0BOT", Err: ErrSlackUserNoEmail}, PersonNoEmail},
		{"slack token rejected", Person{UserID: "U0ADA", Err: slackErr(ErrSlackTokenRejected)}, PersonSlackTokenRejected},
		{"slack rate limited", Person{UserID: "U0ADA", Err: slackErr(ErrSlackRateLimited)}, PersonSlackRateLimited},
		{"slack unavailable", Person{UserID: "U0ADA", Err: slackErr(ErrSlackUnavailable)}, PersonSlackUnavailable},
		{"slack missing scope", Person{UserID: "U0ADA", Err: slackErr(ErrSlackMissingScope)}, PersonSlackMissingScope},
		{"slack refused", Person{UserID: "U0ADA", Err: slackErr(ErrSlackRefused)}, PersonSlackRefused},
		{"usage", failed("ada@example.com", &UsageError{Reason: "no"}), PersonUsage},
		{"unknown error", failed("ada@example.com", errors.New("boom")), PersonFailed},
		{"neither answer nor error", Person{Query: "ada@example.com"}, PersonFailed},
	}
	covered := map[PersonOutcome]bool{}
	for _, tc := range cases {
		covered[tc.want] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := RenderLookup([]Person{tc.p}, private)
			mustCheck(t, m)
			got := PersonOutcomes(viaJSON(t, m))
			if want := map[int]PersonOutcome{0: tc.want}; !maps.Equal(got, want) {
				t.Errorf("PersonOutcomes = %v, want %v", got, want)
			}
			if k, ok := NoticeOf(m.Blocks); ok {
				t.Errorf("a lookup reply reads as a notice (%q)", k)
			}
		})
	}
	for _, o := range PersonOutcomeValues() {
		if !covered[o] {
			t.Errorf("no case renders %q", o)
		}
	}
	t.Run("together", func(t *testing.T) {
		t.Parallel()
		for start := 0; start < len(cases); start += MaxTargets {
			var people []Person
			want := map[int]PersonOutcome{}
			for i, tc := range cases[start:min(start+MaxTargets, len(cases))] {
				people = append(people, tc.p)
				want[i] = tc.want
			}
			m := RenderLookup(people, private)
			mustCheck(t, m) // unique block_ids of at most 255 characters
			if got := PersonOutcomes(viaJSON(t, m)); !maps.Equal(got, want) {
				t.Errorf("people %d…: PersonOutcomes = %v, want %v", start, got, want)
			}
		}
	})
}

// TestNoticeKindRoundTrip: every kind of notice is read back by NoticeOf
// from the reply's JSON; a notice without a kind reads as one with none.
func TestNoticeKindRoundTrip(t *testing.T) {
	t.Parallel()
	for _, k := range NoticeKindValues() {
		t.Run(string(k), func(t *testing.T) {
			m := RenderNoticeKind(k, "Some words & <more>.")
			mustCheck(t, m)
			if got, ok := NoticeOf(viaJSON(t, m)); !ok || got != k {
				t.Errorf("NoticeOf = %q, %v; want %q, true", got, ok, k)
			}
			if got := PersonOutcomes(m.Blocks); len(got) != 0 {
				t.Errorf("a notice names people: %v", got)
			}
		})
	}
	if got, ok := NoticeOf(RenderNotice("Nothing in particular.").Blocks); !ok || got != "" {
		t.Errorf("RenderNotice: NoticeOf = %q, %v; want no kind, true", got, ok)
	}
	if got, ok := NoticeOf(RenderUsage(&UsageError{Reason: "no"}).Blocks); ok {
		t.Errorf("a usage reply reads as a notice (%q)", got)
	}
}

// TestOutcomeParsersSkipOtherIDs: ids that only look like ours are not
// read as outcomes.
func TestOutcomeParsersSkipOtherIDs(t *testing.T) {
	t.Parallel()
	sec := func(id string) slack.Block {
		return slack.NewSectionBlock(mrkdwn("x"), nil, nil, slack.SectionBlockOptionBlockID(id))
	}
	var blocks []slack.Block
	for _, id := range []string{"person_0", "person_0_meta", "person_1_choose", "person_x.answer", "person_-1.answer",
		"person_01.answer", "person_2.answered", "person_3.", "notices.busy", "footer", ""} {
		blocks = append(blocks, sec(id))
	}
	blocks = append(blocks, nil, sec("person_4.not_found"))
	if got, want := PersonOutcomes(blocks), map[int]PersonOutcome{4: PersonNotFound}; !maps.Equal(got, want) {
		t.Errorf("PersonOutcomes = %v, want %v", got, want)
	}
	if got, ok := NoticeOf(blocks); ok {
		t.Errorf("NoticeOf = %q, true; want no notice", got)
	}
	if got, ok := NoticeOf([]slack.Block{sec("notice.no_such_kind")}); !ok || got != "" {
		t.Errorf("unknown kind: NoticeOf = %q, %v; want no kind, true", got, ok)
	}
	if !slices.Contains(PersonOutcomeValues(), PersonAnswer) || PersonOutcome("answered").Valid() || NoticeKind("").Valid() {
		t.Error("Valid accepts what is not an outcome, or the list lacks the answer")
	}
}

// TestUpstreamFaultNil: an answered lookup (no error) is no fault of
// Atlassian's, and the check allocates nothing on that path.
func TestUpstreamFaultNil(t *testing.T) {
	if upstreamFault(nil) {
		t.Fatal("upstreamFault(nil) = true")
	}
	if !upstreamFault(fmt.Errorf("lookup: %w", context.DeadlineExceeded)) {
		t.Fatal("a lookup that ran out of time is not an upstream fault")
	}
	if n := testing.AllocsPerRun(100, func() { upstreamFault(nil) }); n != 0 {
		t.Fatalf("upstreamFault(nil) allocates %v times", n)
	}
}
