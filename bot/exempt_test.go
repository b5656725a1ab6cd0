package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"lastactive/atlassian"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"lastactive/seat"
)

func TestParseExempt(t *testing.T) {
	day := func(s string) time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return d.Add(24 * time.Hour)
	}
	for _, tc := range []struct {
		text string
		want ExemptArgs
		err  string
	}{
		{"exempt ada@example.com confluence writes the handbook", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Reason: "writes the handbook"}, ""},
		{"exempt <mailto:Ada@Example.com|Ada@Example.com> jira Confluence jira-software until 2027-01-31 on leave", ExemptArgs{Op: ExemptAdd,
			Email: "ada@example.com", Products: []string{"jira-software", "confluence"}, Until: day("2027-01-31"), Reason: "on leave"}, ""},
		{"exempt list", ExemptArgs{Op: ExemptList}, ""},
		{"EXEMPT remove ada@example.com confluence loom", ExemptArgs{Op: ExemptRemove, Email: "ada@example.com",
			Products: []string{"confluence", "loom"}}, ""},
		{"exempt", ExemptArgs{}, "Use: exempt EMAIL"},
		{"exempt ada@example.com confluence", ExemptArgs{}, "Say why"},
		{"exempt ada@example.com confluence until 2027-01-31", ExemptArgs{}, "Say why"},
		{"exempt ada@example.com until 2027-01-31 leave", ExemptArgs{}, "not a product I know"},
		{"exempt ada@example.com confluence until 31/01/2027 leave", ExemptArgs{}, "is not a date"},
		{"exempt confluence ada@example.com leave", ExemptArgs{}, "Name the person by email first"},
		{"exempt remove ada@example.com confluence because", ExemptArgs{}, "is not a product key"},
		{"exempt list all", ExemptArgs{}, "takes nothing more"},
		// Slack sends & < > as entities: the reason keeps what was typed.
		{"exempt ada@example.com confluence R&amp;D &lt;b&gt; leave", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Reason: "R&D <b> leave"}, ""},
		{"exempt ada@example.com jira confluence loom trello compass bitbucket opsgenie statuspage rovo focus guard atlas reason",
			ExemptArgs{}, "at most 10 products"},
		{"exempt ada@example.com confluence until", ExemptArgs{}, "until needs a date"},
		// "until DATE" after the reason, as one says it, is the date, not
		// words of a reason kept for good.
		{"exempt ada@example.com confluence on leave until 2027-01-31", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Until: day("2027-01-31"), Reason: "on leave"}, ""},
		// The reason is kept as typed, up to the date after it.
		{"exempt ada@example.com confluence on leave, back in March until 2027-01-31", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Until: day("2027-01-31"), Reason: "on leave, back in March"}, ""},
		{"exempt ada@example.com confluence R&amp;D, ask &lt;HR&gt;; until 2027-01-31", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Until: day("2027-01-31"), Reason: "R&D, ask <HR>;"}, ""},
		{"exempt ada@example.com confluence on leave UNTIL 2027-02-30", ExemptArgs{}, "is not a date"},
		{"exempt ada@example.com confluence on leave until 31/01/2027", ExemptArgs{}, "is not a date"},
		{"exempt ada@example.com confluence on leave until March", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Reason: "on leave until March"}, ""},
		{"exempt ada@example.com confluence until 2027-01-31 cover until 2027-03-01", ExemptArgs{}, "until twice"},
		// Quotes around nothing are no reason either.
		{`exempt ada@example.com confluence ""`, ExemptArgs{}, "Say why"},
		{"exempt ada@example.com confluence “ ” until 2027-01-31", ExemptArgs{}, "Say why"},
		// Two dates and no reason between: not a reason "until 2027-03-01".
		{"exempt ada@example.com confluence until 2027-01-31 until 2027-03-01", ExemptArgs{}, "until twice"},
		// A reason that starts with "until" and a number, after the date,
		// is words: only a second date is refused.
		{"exempt ada@example.com confluence until 2027-01-31 until 2nd shift returns", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Until: day("2027-01-31"), Reason: "until 2nd shift returns"}, ""},
		{"exempt ada@example.com confluence until 2027-01-31 until 3pm handover", ExemptArgs{Op: ExemptAdd, Email: "ada@example.com",
			Products: []string{"confluence"}, Until: day("2027-01-31"), Reason: "until 3pm handover"}, ""},
		{"exempt ada@example.com confluence until 2027-01-31 until 01/03/2027, on leave", ExemptArgs{}, "until twice"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			cmd, err := ParseCommand(tc.text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseCommand = %+v, %v; want an error saying %q", cmd, err, tc.err)
				}
				return
			}
			if err != nil || cmd.Kind != CmdExempt {
				t.Fatalf("ParseCommand = %+v, %v", cmd, err)
			}
			if diff := cmp.Diff(tc.want, cmd.Exempt); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// checkExempt is what every parsed exempt command must satisfy.
func checkExempt(t *testing.T, a ExemptArgs) {
	t.Helper()
	switch a.Op {
	case ExemptList:
		if a.Email != "" || len(a.Products) > 0 {
			t.Fatalf("list with arguments: %+v", a)
		}
		return
	case ExemptAdd:
		if strings.TrimSpace(a.Reason) == "" || utf8.RuneCountInString(a.Reason) > maxExemptReason+1 || !utf8.ValidString(a.Reason) {
			t.Fatalf("bad reason %q", a.Reason)
		}
	case ExemptRemove:
	default:
		t.Fatalf("op %d", a.Op)
	}
	if !validEmail(a.Email) || len(a.Products) == 0 || len(a.Products) > maxProducts {
		t.Fatalf("bad exempt command %+v", a)
	}
	for _, p := range a.Products {
		if !seat.Known(p) || seat.Canonical(p) != p {
			t.Fatalf("product %q accepted", p)
		}
	}
}

func FuzzParseExempt(f *testing.F) {
	for _, s := range []string{"list", "remove ada@example.com confluence", "ada@example.com jira until 2027-02-30 x",
		"ada@example.com confluence until 2027-01-31 on leave", "<mailto:a@b.co|a@b.co> loom \u202e", "a@b.co jira until"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := ParseCommand("exempt " + text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %T", err)
			}
			checkNoRawControl(t, RenderUsage(err))
			return
		}
		if cmd.Kind != CmdExempt {
			t.Fatalf("kind %d", cmd.Kind)
		}
		checkExempt(t, cmd.Exempt)
	})
}

// memExemptions is an ExemptionStore in memory.
type memExemptions struct {
	mu     sync.Mutex
	down   bool
	refuse bool // PutExemption fails with ErrExemptionRefused
	m      map[[2]string]Exemption
}

var _ ExemptionStore = (*memExemptions)(nil)

func (s *memExemptions) PutExemption(_ context.Context, e Exemption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return ErrAuditUnavailable
	}
	if s.refuse {
		return fmt.Errorf("%w: store exemption: ERROR: invalid byte sequence for encoding \"UTF8\": 0x00 (SQLSTATE 22021)", ErrExemptionRefused)
	}
	if s.m == nil {
		s.m = map[[2]string]Exemption{}
	}
	s.m[[2]string{e.Email, e.Product}] = e
	return nil
}

func (s *memExemptions) Exemptions(_ context.Context, at time.Time) ([]Exemption, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, ErrAuditUnavailable
	}
	var out []Exemption
	for _, e := range s.m {
		if e.Until.IsZero() || e.Until.After(at) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Exemption) int { return strings.Compare(a.Email+a.Product, b.Email+b.Product) })
	return out, nil
}

func (s *memExemptions) RemoveExemption(_ context.Context, email, product string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{email, product}
	_, ok := s.m[k]
	delete(s.m, k)
	return ok, nil
}

// TestExemptCommand: report users add, list and remove exemptions, stored
// with who and why and audited; anyone else is refused and nothing is kept.
func TestExemptCommand(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := &memExemptions{}
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: store, Audit: sink, Now: func() time.Time { return now }})
	ctx := context.Background()
	ask := func(user, text string) Reply {
		return svc.Answer(ctx, Request{UserID: user, ChannelID: "C1", Text: text}, nil)
	}

	if r := ask("UOTHER", "exempt ada@example.com confluence on leave"); r.Outcome != OutcomeRefused || len(store.m) != 0 {
		t.Fatalf("non-report user: %v, %d stored", r.Outcome, len(store.m))
	}
	r := ask("UBOSS", "exempt ada@example.com confluence jira until 2027-01-31 on leave")
	if r.Outcome != OutcomeOK || !strings.Contains(r.Message.Text, "until 2027-01-31") {
		t.Fatalf("add: %v %q", r.Outcome, r.Message.Text)
	}
	want := Exemption{Email: "ada@example.com", Product: "confluence", Until: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
		Reason: "on leave", By: "UBOSS", Created: now}
	if diff := cmp.Diff(want, store.m[[2]string{"ada@example.com", "confluence"}]); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if r := ask("UBOSS", "exempt ada@example.com confluence until 2026-11-30 late"); r.Outcome != OutcomeUsage {
		t.Errorf("a past date: %v", r.Outcome)
	}
	r = ask("UBOSS", "exempt list")
	if r.Outcome != OutcomeOK || !strings.Contains(r.Message.Text, "Exemptions") || !strings.Contains(blocksText(t, r.Message), "on leave") {
		t.Errorf("list: %v %s", r.Outcome, blocksText(t, r.Message))
	}
	if r := ask("UBOSS", "exempt remove ada@example.com jira"); r.Outcome != OutcomeOK || len(store.m) != 1 {
		t.Errorf("remove: %v, %d left", r.Outcome, len(store.m))
	}
	store.down = true
	if r := ask("UBOSS", "exempt ada@example.com loom busy"); r.Outcome != OutcomeFailed || !strings.Contains(r.Message.Text, "database is unavailable") {
		t.Errorf("store down: %v %q", r.Outcome, r.Message.Text)
	}
	var kinds []string
	for _, e := range sink.got {
		kinds = append(kinds, string(e.Action)+" "+e.Detail)
	}
	wantKinds := []string{"refusal exempt", "exempt confluence, jira-software until 2027-01-31: on leave",
		"exempt refused: date in the past", "exempt listed 2 exemptions", "exempt removed: jira-software", "exempt store unavailable"}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("audit (-want +got):\n%s\n%v", diff, kinds)
	}
	if sink.got[1].Actor != "UBOSS" || !slices.Equal(sink.got[1].Emails, []string{"ada@example.com"}) {
		t.Errorf("audit of the add: %+v", sink.got[1])
	}
}

// TestExemptRefusedForItsTextIsNotTheDatabaseDown: an exemption the
// database refused for its text (ErrExemptionRefused: the store answered,
// and stays up) was answered as every store error was, "the database is
// unavailable. Try again later": trying again fails the same way. The
// requester reads that its text was refused and nothing was kept.
func TestExemptRefusedForItsTextIsNotTheDatabaseDown(t *testing.T) {
	store := &memExemptions{refuse: true}
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: store, Audit: sink, Now: func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }})
	r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: "exempt ada@example.com confluence on leave"}, nil)
	const want = "The database refused this exemption's text, so nothing was kept. Try again with a plainer reason."
	if r.Outcome != OutcomeFailed || !strings.Contains(r.Message.Text, want) || strings.Contains(r.Message.Text, "unavailable") || len(store.m) != 0 {
		t.Errorf("refused for its text: %v %q, %d kept; want failed, %q", r.Outcome, r.Message.Text, len(store.m), want)
	}
	if len(sink.got) != 1 || sink.got[0].Detail != "store refused the exemption's text" {
		t.Errorf("audit: %+v; want one entry, detail \"store refused the exemption's text\"", sink.got)
	}
}

// blocksText is the JSON of a message's blocks, to search.
func blocksText(t *testing.T, m Message) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m.Blocks); err != nil {
		t.Fatal(err)
	}
	// Some block types marshal themselves with HTML escaping: undo it, to
	// search what Slack shows.
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(b.String())
}

// TestRenderExemptionsLines: the list keeps one exemption a line, within
// Slack's 3,000 characters, cut between whole lines (never inside an
// entity or a mention), with how many more there are.
func TestRenderExemptionsLines(t *testing.T) {
	var list []Exemption
	for i := range 40 {
		list = append(list, Exemption{Email: fmt.Sprintf("person.%02d@example.com", i), Product: "confluence",
			Reason: strings.Repeat("R&D <team> ", 12), By: "U1"})
	}
	for _, n := range []int{1, 3, 40} {
		m := RenderExemptions(list[:n])
		text := m.Blocks[0].(*slack.SectionBlock).Text.Text
		if utf8.RuneCountInString(text) > 3000 {
			t.Fatalf("%d exemptions: %d characters", n, utf8.RuneCountInString(text))
		}
		lines := strings.Split(text, "\n")
		if lines[0] != "Exempt from nudges:" {
			t.Fatalf("%d exemptions: first line %q", n, lines[0])
		}
		bullets := 0
		for _, l := range lines[1:] {
			switch {
			case strings.HasPrefix(l, "• person."):
				bullets++
				if !strings.HasSuffix(l, "(by <@U1>)") {
					t.Errorf("%d exemptions: a line is cut: %q", n, l)
				}
			case strings.HasPrefix(l, "… and "):
				if want := fmt.Sprintf("… and %d more", n-bullets); l != want {
					t.Errorf("%d exemptions: %q, want %q", n, l, want)
				}
			default:
				t.Errorf("%d exemptions: unexpected line %q", n, l)
			}
		}
		if n <= 3 && bullets != n {
			t.Errorf("%d exemptions: %d lines", n, bullets)
		}
		if n == 40 && (bullets == 0 || bullets == n) {
			t.Errorf("40 exemptions: %d lines shown, want some and a count of the rest", bullets)
		}
	}
}

// TestExemptQuotesWhatWasTyped: Slack sends a typed & < > as entities;
// a word quoted back in an exempt usage error shows what was typed, like
// every other usage error, and not the entity itself ("&amp;lt;" in the
// mrkdwn shows "&lt;").
func TestExemptQuotesWhatWasTyped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ text, want string }{
		{"exempt ada@example.com R&amp;D leave", "“R&amp;D”"},
		{"exempt remove ada@example.com confluence &lt;b&gt;", "“&lt;b&gt;”"},
		{"exempt ada@example.com confluence until 2027-01-&lt;1 leave", "“2027-01-&lt;1”"},
	} {
		_, err := ParseCommand(tc.text)
		if err == nil {
			t.Fatalf("%q parsed", tc.text)
		}
		m := RenderUsage(err)
		if !strings.Contains(m.Text, tc.want) || strings.Contains(m.Text, "&amp;amp;") || strings.Contains(m.Text, "&amp;lt;") {
			t.Errorf("%q: reply %q, want it to quote %s (what was typed, escaped once)", tc.text, m.Text, tc.want)
		}
	}
}

// knownDir knows one person, ada@example.com; Jira also finds
// ada@partner.example, whose account is not a member of the organisation;
// anyone else is not found.
type knownDir struct{}

func (knownDir) Resolve(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	switch email {
	case "ada@example.com":
		return atlassian.Account{AccountID: "acc-ada", Email: email, Active: true}, atlassian.ViaJira, nil
	case "ada@partner.example":
		return atlassian.Account{AccountID: "acc-partner", Email: email, Active: true}, atlassian.ViaJira, nil
	}
	return atlassian.Account{}, atlassian.ViaJira, &atlassian.Error{Kind: atlassian.ErrNotFound}
}

func (knownDir) LastActive(_ context.Context, id string) (*atlassian.Activity, error) {
	if id == "acc-partner" {
		return nil, &atlassian.Error{Kind: atlassian.ErrNotFound}
	}
	return &atlassian.Activity{}, nil
}

func (knownDir) DirectoryUser(context.Context, string) (atlassian.DirectoryUser, error) {
	return atlassian.DirectoryUser{}, &atlassian.Error{Kind: atlassian.ErrNotFound}
}

// TestExemptNamesAnUnknownEmail: an exemption for an address nobody in the
// organisation has (a typo: examp1e.com) was kept without a word, and the
// admin believed the person exempt while they went on being nudged under
// their real address. It is still kept (they may join later), and the
// reply says nobody has that address now. A known person gets no such
// note, and the reply says the date is a UTC day.
func TestExemptNamesAnUnknownEmail(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := &memExemptions{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: store, Now: func() time.Time { return now }})
	ask := func(text string) Reply {
		return svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: text}, nil)
	}
	r := ask("exempt ada@examp1e.com confluence on leave")
	if r.Outcome != OutcomeOK || len(store.m) != 1 {
		t.Fatalf("an unknown address: %v, %d stored; want it kept", r.Outcome, len(store.m))
	}
	if !strings.Contains(r.Message.Text, "nobody in this organisation") {
		t.Errorf("an exemption for an address nobody has says nothing of it: %q", r.Message.Text)
	}
	// Jira finds an account with the address, but of another organisation
	// (the admin typed Ada's partner address): nobody here has it either.
	r = ask("exempt ada@partner.example confluence on leave")
	if r.Outcome != OutcomeOK || !strings.Contains(r.Message.Text, "nobody in this organisation") {
		t.Errorf("an exemption for an address no member has (its account is of another organisation) says nothing of it: %v %q", r.Outcome, r.Message.Text)
	}
	r = ask("exempt ada@example.com confluence until 2027-01-31 on leave")
	if r.Outcome != OutcomeOK || strings.Contains(r.Message.Text, "nobody in this organisation") {
		t.Errorf("a known person: %v %q", r.Outcome, r.Message.Text)
	}
	if !strings.Contains(r.Message.Text, "until 2027-01-31 (UTC)") {
		t.Errorf("the reply does not say the day is UTC's: %q", r.Message.Text)
	}
}

// TestReportUserRefusalsSayNotAllowed: the contract words a refusal by the
// allow-lists "not allowed"; a refusal for want of being a report user
// (idle, digest, audit, exempt) said "only for the people your admins
// chose", which a reader or a script looking for the refusal does not
// recognise as one. Each now says "not allowed" and why.
func TestReportUserRefusalsSayNotAllowed(t *testing.T) {
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: &memExemptions{}})
	for _, text := range []string{"idle", "idle 30 confluence", "digest", "audit ada@example.com", "exempt ada@example.com confluence on leave", "exempt list"} {
		r := svc.Answer(context.Background(), Request{UserID: "UOTHER", ChannelID: "C1", Text: text}, nil)
		if r.Outcome != OutcomeRefused || !strings.Contains(r.Message.Text, "not allowed") {
			t.Errorf("%q by someone who is no report user: %v %q, want a refusal saying not allowed", text, r.Outcome, r.Message.Text)
		}
	}
}

// countingDir is knownDir counting the addresses it is asked to resolve.
type countingDir struct {
	knownDir
	resolved atomic.Int32
}

func (c *countingDir) Resolve(ctx context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	c.resolved.Add(1)
	return c.knownDir.Resolve(ctx, email)
}

// TestExemptLookupTakesATokenOfTheBucket: the check that somebody has an
// exempted address is an Atlassian lookup, yet it took no token of the
// requester's bucket, so a loop of exempt commands (each a new address)
// looked up without limit, spending the Atlassian rate limit everyone's
// lookups share. The check takes one token, as a lookup of one person
// does; with none left the exemption is kept and the note is left out.
func TestExemptLookupTakesATokenOfTheBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	dir := &countingDir{}
	store := &memExemptions{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(dir, LookupOptions{}),
		Gate:       NewGate(GateConfig{ReportUsers: []string{"UBOSS"}, PerUserBurst: 3, PerUserEvery: time.Hour, Now: func() time.Time { return now }}),
		Exemptions: store, Now: func() time.Time { return now }})
	for i := range 10 {
		r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: fmt.Sprintf("exempt p%d@examp1e.com confluence on leave", i)}, nil)
		if r.Outcome != OutcomeOK {
			t.Fatalf("exemption %d: %v %q, want it kept", i, r.Outcome, r.Message.Text)
		}
	}
	if len(store.m) != 10 {
		t.Errorf("%d exemptions kept, want 10", len(store.m))
	}
	if n := dir.resolved.Load(); n > 3 {
		t.Errorf("%d addresses looked up by one requester with a bucket of 3 tokens", n)
	}
}

// The exemption list put each reason bare between two of its own "·"
// separators, so a reason such as "Nobody is exempt from nudges." or
// "approved by the CFO" read as the bot's words. A reason is quoted, as
// the reply that kept it labels it.
func TestRenderExemptionsQuotesTheReason(t *testing.T) {
	t.Parallel()
	m := RenderExemptions([]Exemption{{Email: "grace@example.com", Product: "jira-software",
		Reason: "Nobody is exempt from nudges.", By: "U1"}})
	text := m.Blocks[0].(*slack.SectionBlock).Text.Text
	if want := "• grace@example.com · Jira Software for good · reason: “Nobody is exempt from nudges.” (by <@U1>)"; !strings.Contains(text, want) {
		t.Errorf("exemption line:\n%s\nwant %q", text, want)
	}
}

// TestRenderExemptionsReasonCannotCloseItsQuote: a reason holding the
// list's own closing quote ended the quote early, and what followed read
// as the bot's words again ("· until 2099-12-31 · reason: “…").
func TestRenderExemptionsReasonCannotCloseItsQuote(t *testing.T) {
	t.Parallel()
	m := RenderExemptions([]Exemption{{Email: "grace@example.com", Product: "jira-software",
		Reason: "on leave” · Jira Software until 2099-12-31 · reason: “approved", By: "U1"}})
	text := m.Blocks[0].(*slack.SectionBlock).Text.Text
	line := text[strings.Index(text, "•"):]
	if strings.Count(line, "“") != 1 || strings.Count(line, "”") != 1 {
		t.Errorf("exemption line %q: the reason's own quote marks stand beside the list's", line)
	}
}

// TestExemptListNamesWhomItShowed: the list shows each exempt person's
// email, products and the reason given (often personal: "on leave"); its
// audit entry named nobody, so that person's trail never said who saw it.
func TestExemptListNamesWhomItShowed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := &memExemptions{}
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: store, Audit: sink, Now: func() time.Time { return now }})
	ctx := context.Background()
	for _, text := range []string{"exempt ada@example.com confluence jira on leave", "exempt grace@example.com loom contractor", "exempt list"} {
		if r := svc.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: text}, nil); r.Outcome != OutcomeOK {
			t.Fatalf("%s: %v", text, r.Outcome)
		}
	}
	list := sink.got[len(sink.got)-1]
	if list.Detail != "listed 3 exemptions" || !slices.Equal(list.Emails, []string{"ada@example.com", "grace@example.com"}) {
		t.Errorf("the list's audit entry names %v (%q), want ada@example.com and grace@example.com", list.Emails, list.Detail)
	}
}

// TestExemptListOfOneSaysOneExemption: the audit entry of a list of one
// read "listed 1 exemptions" in the trail.
func TestExemptListOfOneSaysOneExemption(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: &memExemptions{}, Audit: sink, Now: func() time.Time { return now }})
	ctx := context.Background()
	for _, text := range []string{"exempt ada@example.com confluence on leave", "exempt list"} {
		if r := svc.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: text}, nil); r.Outcome != OutcomeOK {
			t.Fatalf("%s: %v", text, r.Outcome)
		}
	}
	if got := sink.got[len(sink.got)-1].Detail; got != "listed 1 exemption" {
		t.Errorf("the list's audit entry says %q, want %q", got, "listed 1 exemption")
	}
}
