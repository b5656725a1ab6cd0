package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/seat"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Block Kit limits for messages (notes/slack.md §4).
const (
	maxBlocks        = 50
	maxTextObject    = 3000
	maxFieldText     = 2000
	maxFields        = 10
	maxHeaderText    = 150
	maxContextElems  = 10
	maxActionElems   = 25
	maxButtonText    = 75
	maxBlockID       = 255
	maxURL           = 3000
	maxFallbackRunes = 4000 // Slack's recommended ceiling for text
)

var (
	mentionRe = regexp.MustCompile(`<@[UW][A-Z0-9]{1,20}>`)
	entityRe  = regexp.MustCompile(`&(amp|lt|gt);`)
	// Our own date tokens, with an ISO fallback, and links to people in
	// Atlassian Administration, whose label must itself be escaped.
	dateTokenRe = regexp.MustCompile(`<!date\^[0-9]{1,12}\^\{date_(short_pretty|long)\}( at \{time\})?\|[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2} UTC)?>`)
	adminLinkRe = regexp.MustCompile(`<https://admin\.atlassian\.com/o/[^|<>\s]+/users/[^|<>\s/]+\|([^<>|]+)>`)
)

// checkLimits reports every way m breaks Slack's Block Kit limits for a
// message, our own message budget, or the escaping rules: in mrkdwn and in
// the fallback, '&' only starts an entity and '<' only a well-formed user
// mention; plain text (ours only) has neither.
func checkLimits(m Message) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	total := 0

	checkEscaped := func(where, s string) {
		rest := adminLinkRe.ReplaceAllString(s, "$1")
		rest = entityRe.ReplaceAllString(mentionRe.ReplaceAllString(dateTokenRe.ReplaceAllString(rest, ""), ""), "")
		if strings.ContainsAny(rest, "<>&") {
			fail("%s: unescaped <, > or & in %q", where, s)
		}
	}
	text := func(where string, t *slack.TextBlockObject, max int) {
		if t == nil {
			fail("%s: missing text", where)
			return
		}
		n := utf8.RuneCountInString(t.Text)
		total += n
		switch {
		case n == 0:
			fail("%s: empty text", where)
		case n > max:
			fail("%s: %d characters, limit %d", where, n, max)
		}
		switch t.Type {
		case slack.MarkdownType:
			if t.Emoji != nil {
				fail("%s: emoji set on mrkdwn", where)
			}
			checkEscaped(where, t.Text)
		case slack.PlainTextType:
			if t.Verbatim {
				fail("%s: verbatim set on plain_text", where)
			}
			if strings.ContainsAny(t.Text, "<>&") {
				fail("%s: plain_text with <, > or &: %q", where, t.Text)
			}
		default:
			fail("%s: text type %q", where, t.Type)
		}
	}
	button := func(where string, e slack.BlockElement) {
		b, ok := e.(*slack.ButtonBlockElement)
		if !ok {
			fail("%s: element %T, want a button", where, e)
			return
		}
		if b.Text == nil || b.Text.Type != slack.PlainTextType {
			fail("%s: button text must be plain_text", where)
		} else if n := utf8.RuneCountInString(b.Text.Text); n == 0 || n > maxButtonText {
			fail("%s: button text %d characters, limit %d", where, n, maxButtonText)
		}
		if b.ActionID == "" || len(b.ActionID) > maxBlockID {
			fail("%s: action_id %q", where, b.ActionID)
		}
		if len(b.Value) > maxButtonValue {
			fail("%s: value %d bytes, limit %d", where, len(b.Value), maxButtonValue)
		}
		if b.URL != "" && (len(b.URL) > maxURL || !strings.HasPrefix(b.URL, "https://")) {
			fail("%s: url %q", where, b.URL)
		}
		if b.URL == "" && b.Value == "" {
			fail("%s: button with neither value nor url", where)
		}
	}

	if n := len(m.Blocks); n == 0 || n > maxBlocks {
		fail("%d blocks, want 1..%d", n, maxBlocks)
	}
	if n := utf8.RuneCountInString(m.Text); n == 0 || n > maxFallbackRunes {
		fail("fallback text: %d characters, want 1..%d", n, maxFallbackRunes)
	}
	checkEscaped("fallback text", m.Text)

	ids := map[string]bool{}
	for i, b := range m.Blocks {
		where := fmt.Sprintf("block %d (%s)", i, b.BlockType())
		id := b.ID()
		switch {
		case id == "":
			fail("%s: no block_id", where)
		case len(id) > maxBlockID:
			fail("%s: block_id too long", where)
		case ids[id]:
			fail("%s: duplicate block_id %q", where, id)
		}
		ids[id] = true
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text == nil && len(b.Fields) == 0 {
				fail("%s: neither text nor fields", where)
			}
			if b.Text != nil {
				text(where, b.Text, maxTextObject)
			}
			if len(b.Fields) > maxFields {
				fail("%s: %d fields, limit %d", where, len(b.Fields), maxFields)
			}
			for j, f := range b.Fields {
				text(fmt.Sprintf("%s field %d", where, j), f, maxFieldText)
			}
			if a := b.Accessory; a != nil {
				if a.ButtonElement == nil {
					fail("%s: accessory other than a button", where)
				} else {
					button(where+" accessory", a.ButtonElement)
				}
			}
		case *slack.HeaderBlock:
			if b.Text == nil || b.Text.Type != slack.PlainTextType {
				fail("%s: header text must be plain_text", where)
			}
			text(where, b.Text, maxHeaderText)
		case *slack.ContextBlock:
			elems := b.ContextElements.Elements
			if len(elems) == 0 || len(elems) > maxContextElems {
				fail("%s: %d elements, want 1..%d", where, len(elems), maxContextElems)
			}
			for j, e := range elems {
				t, ok := e.(*slack.TextBlockObject)
				if !ok {
					fail("%s element %d: %T", where, j, e)
					continue
				}
				text(fmt.Sprintf("%s element %d", where, j), t, maxTextObject)
			}
		case *slack.ActionBlock:
			if b.Elements == nil || len(b.Elements.ElementSet) == 0 || len(b.Elements.ElementSet) > maxActionElems {
				fail("%s: want 1..%d elements", where, maxActionElems)
				continue
			}
			for j, e := range b.Elements.ElementSet {
				button(fmt.Sprintf("%s element %d", where, j), e)
			}
		case *slack.DividerBlock:
		default:
			fail("%s: unexpected block type %T", where, b)
		}
	}
	if total > messageBudget {
		fail("%d characters of text in all, budget %d", total, messageBudget)
	}
	return errors.Join(errs...)
}

// mustCheck fails the test when m breaks a limit.
func mustCheck(t testing.TB, m Message) {
	t.Helper()
	if err := checkLimits(m); err != nil {
		t.Fatalf("message breaks limits:\n%v", err)
	}
}

// allTexts returns every text in m's JSON (text objects and the fallback),
// as Slack would read them.
func allTexts(t testing.TB, m Message) []string {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "text" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

// checkNoRawControl fails when any text of m could open a Slack control
// sequence (a ping, a channel or a link): m has no mentions of its own.
func checkNoRawControl(t testing.TB, m Message) {
	t.Helper()
	mustCheck(t, m)
	for _, s := range allTexts(t, m) {
		for _, bad := range []string{"<!", "<@", "<#", "<http", "<mailto"} {
			if strings.Contains(s, bad) {
				t.Fatalf("text %q contains %q", s, bad)
			}
		}
	}
}

// golden compares m's indented JSON with testdata/name.golden.
func golden(t *testing.T, name string, m Message) {
	t.Helper()
	mustCheck(t, m)
	// Unlike the wire bytes, the goldens keep <, > and & readable, so a
	// review sees exactly what Slack will.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// Fixtures. Now is fixed so that "N days ago" in the goldens is stable.
var (
	now   = time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)
	orgID = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	site1 = "58d24034-e3ec-11ed-b5ea-0242ac120002"
	site2 = "9f3e2a10-77aa-4c0e-8d1b-5c6d7e8f9a0b"
	sites = atlassian.NewSites([]atlassian.Workspace{
		{ID: site1, CloudID: site1, Host: "acme.atlassian.net"},
		{ID: "ari:cloud:jira::site/" + site2, CloudID: site2, Host: "acme-eu.atlassian.net"},
	})
	private = View{Now: now, IdleDays: 90, OrgID: orgID, Buttons: true, Sites: sites}
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func product(key, site, last string) atlassian.ProductActivity {
	p := atlassian.ProductActivity{ID: "ari:cloud:" + key + "::site/" + site, Key: key}
	if last != "" {
		p.LastActive = day(last)
	}
	return p
}

func ada() Person {
	return Person{
		Query:   "ada@example.com",
		Account: atlassian.Account{AccountID: "5b10ac8d82e05b22cc7d4ef5", AccountType: "atlassian", DisplayName: "Ada Lovelace", Email: "ada@example.com", Active: true},
		Activity: &atlassian.Activity{
			AccountID: "5b10ac8d82e05b22cc7d4ef5",
			Products: []atlassian.ProductActivity{
				product("jira-software", site1, "2023-01-19"),
				product("confluence", site1, "2023-01-12"),
			},
			AddedToOrg: day("2023-01-11"),
		},
		FetchedAt: now,
	}
}

func grace() Person {
	return Person{
		Query:   "grace@example.com",
		Account: atlassian.Account{AccountID: "712020:2c1f6e0e-6b0a-4f4e-9d7e-1b2c3d4e5f60", AccountType: "atlassian", DisplayName: "Grace Hopper", Active: true},
		Activity: &atlassian.Activity{
			Products: []atlassian.ProductActivity{
				{ID: "ari:cloud:jira-software::site/" + site1, Key: "jira-software", LastActive: day("2026-11-20"), LastActiveTimestamp: time.Date(2026, 11, 20, 9, 14, 5, 0, time.UTC)},
				{ID: "ari:cloud:confluence::site/" + site1, Key: "confluence", LastActiveTimestamp: time.Date(2026, 10, 2, 16, 40, 51, 0, time.UTC)},
				product("jira-servicedesk", site1, ""),
			},
		},
		FetchedAt: now,
	}
}

func failed(email string, err error) Person { return Person{Query: email, Err: err} }

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	multi := ada()
	multi.Activity.Products = []atlassian.ProductActivity{
		product("jira-software", site1, "2026-11-26"),
		product("jira-software", site2, "2026-11-25"),
		product("confluence", site1, "2026-08-28"),
		product("jira-service-desk", site2, ""),
		product("fancy-new-product", site2, "2026-01-01"),
	}
	never := ada()
	never.Activity.Products = nil
	cached := grace()
	cached.Cached = true
	cached.FetchedAt = now.Add(-12*time.Minute - 30*time.Second)
	forty := ada()
	forty.Activity.Products = nil
	for i := range 40 {
		forty.Activity.Products = append(forty.Activity.Products, product(fmt.Sprintf("product-%02d", i), site1, now.AddDate(0, 0, -3*i).Format(time.DateOnly)))
	}
	ten := []Person{ada(), grace(), never,
		failed("nobody@example.com", &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Jira}),
		{UserID: "U0BOT", Err: ErrSlackUserNoEmail},
		cached, multi, forty,
		failed("busy@example.com", &atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, RetryAfter: 30 * time.Second}),
		failed("twins@example.com", &atlassian.Error{Kind: atlassian.ErrAmbiguous, API: atlassian.Jira, Candidates: []atlassian.Account{{AccountID: "aaaaaa111111", DisplayName: "Twin One"}, {AccountID: "bbbbbb222222", DisplayName: "Twin Two"}}}),
	}
	shared := private
	shared.Buttons = false
	shared.SharedBy = "U0SHARER"
	_, usageErr := ParseCommand("ada@example.com <#C123|general>")
	suspended := grace()
	suspended.Query, suspended.Account.DisplayName = "edsger@example.com", "Edsger Dijkstra"
	suspended.Account.Status = atlassian.StatusSuspended
	suspended.Activity.Products[0].LastActive = day("2026-06-29")
	suspended.Activity.Products[0].LastActiveTimestamp = time.Time{}
	// A list pasted from Outlook, as Slack sends it: names, quoted
	// "Last, First", semicolons, and more people than one reply takes.
	outlook, err := ParseCommand(`"Lovelace, Ada" &lt;<mailto:ada@example.com|ada@example.com>&gt;; Grace Hopper &lt;<mailto:grace@example.com|grace@example.com>&gt;; ` +
		`"Nobody, No" &lt;nobody@example.com&gt;; user4@example.com; user5@example.com; user6@example.com; user7@example.com; user8@example.com; user9@example.com; user10@example.com; ` +
		`"Late, Eleven" &lt;<mailto:user11@example.com|user11@example.com>&gt;; user12@example.com`)
	if err != nil {
		t.Fatal(err)
	}
	var pasted []Person
	for i, tg := range outlook.Targets {
		p := ada()
		switch i {
		case 1:
			p = grace()
		case 2:
			p = failed(tg.Email, &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Admin})
		}
		if i > 2 {
			p.Account.DisplayName = fmt.Sprintf("User %d", i+1)
			p.Account.AccountID = fmt.Sprintf("712020:%024d", i+1)
		}
		p.Query = tg.Email
		pasted = append(pasted, p)
	}
	pastedView := private
	pastedView.NotLookedUp = outlook.NotLookedUp

	tests := []struct {
		name string
		msg  Message
	}{
		{"lookup_tutorial", RenderLookup([]Person{ada()}, private)},
		{"lookup_multisite", RenderLookup([]Person{multi}, private)},
		{"lookup_never_active", RenderLookup([]Person{never}, private)},
		{"lookup_no_added_to_org", RenderLookup([]Person{grace()}, private)},
		{"lookup_cached", RenderLookup([]Person{cached}, private)},
		{"lookup_ambiguous", RenderLookup([]Person{failed("ada@example.com", &atlassian.Error{
			Kind: atlassian.ErrAmbiguous, API: atlassian.Jira,
			Candidates: []atlassian.Account{
				{AccountID: "5b10a2844c20165700ede21g", DisplayName: "Ada Lovelace"},
				{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "<!channel> *Ada* & co"},
			},
		})}, private)},
		{"lookup_not_found", RenderLookup([]Person{failed("nobody@example.com", &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Jira})}, private)},
		{"lookup_admin_401", RenderLookup([]Person{{Query: "ada@example.com", Account: ada().Account,
			Err: &atlassian.Error{Kind: atlassian.ErrCredentials, API: atlassian.Admin, Status: 401}}}, private)},
		{"lookup_rate_limited", RenderLookup([]Person{failed("ada@example.com", &atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin, RetryAfter: 12300 * time.Millisecond})}, private)},
		// A host that does not resolve fails every person of a reply alike:
		// each row sends the asker to their Slack admin, naming no host.
		{"lookup_unreachable", RenderLookup([]Person{
			failed("ada@example.com", &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetDNS, Host: "atlassian-proxy.corp.example"}),
			failed("grace@example.com", &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetDNS, Host: "atlassian-proxy.corp.example"}),
		}, private)},
		{"lookup_ten_people", RenderLookup(ten, private)},
		{"lookup_forty_products", RenderLookup([]Person{forty}, private)},
		{"lookup_shared", RenderLookup([]Person{ada(), grace()}, shared)},
		{"lookup_suspended", RenderLookup([]Person{suspended}, private)},
		{"lookup_outlook_list", RenderLookup(pasted, pastedView)},
		{"lookup_unknown_site", RenderLookup([]Person{multi}, View{Now: now, IdleDays: 90, OrgID: orgID, Buttons: true})},
		{"help", RenderHelp()},
		{"usage", RenderUsage(usageErr)},
		{"notice", RenderNoticeKind(NoticeRefused, notAllowedText)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden(t, tt.name, tt.msg)
		})
	}
}

// sectionText returns the text of the section with the given block_id.
func sectionText(t *testing.T, m Message, id string) string {
	t.Helper()
	for _, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.BlockID == id && s.Text != nil {
			return s.Text.Text
		}
	}
	t.Fatalf("no section %q", id)
	return ""
}

// joined is every text of m, one per line, for substring checks.
func joined(t *testing.T, m Message) string { return strings.Join(allTexts(t, m), "\n") }

// readable is s as a reader sees it in a UTC client: date tokens by their
// fallback, admin links by their label.
func readable(s string) string {
	s = dateTokenFallbackRe.ReplaceAllString(s, "$1")
	return adminLinkRe.ReplaceAllString(s, "$1")
}

var dateTokenFallbackRe = regexp.MustCompile(`<!date\^-?[0-9]+\^[^|<>]*\|([^<>]*)>`)

func TestRenderLookupContent(t *testing.T) {
	t.Parallel()
	never := ada()
	never.Activity.Products = []atlassian.ProductActivity{}
	cached := ada()
	cached.Cached = true
	cached.FetchedAt = now.Add(-12 * time.Minute)
	noOrg := ada()
	noOrg.Activity.AddedToOrg = time.Time{}
	// "Not found" is remembered for a minute: someone added to the org
	// meanwhile is still "not found", and the reply must say it is a
	// remembered answer and how to search again.
	notFoundCached := failed("new@example.com", &atlassian.Error{Kind: atlassian.ErrNotFound})
	notFoundCached.Cached, notFoundCached.FetchedAt = true, now.Add(-40*time.Second)
	tsOnly := ada()
	tsOnly.Activity.AddedToOrg = time.Time{}
	tsOnly.Activity.AddedToOrgTimestamp = time.Date(2024, 3, 4, 23, 30, 0, 0, time.UTC)

	// Someone added to the org five days ago has not used Jira Service
	// Management yet: that is not an unused seat (the report calls it new),
	// and the line says so beside "never used". Added long ago, it is not.
	joiner := grace()
	joiner.Activity.AddedToOrg = now.AddDate(0, 0, -5)
	joinerTS := grace()
	joinerTS.Activity.AddedToOrgTimestamp = now.AddDate(0, 0, -89)
	longAgo := grace()
	longAgo.Activity.AddedToOrg = now.AddDate(0, 0, -90)

	tests := []struct {
		name    string
		people  []Person
		want    []string
		notWant []string
	}{
		{"recent joiner's never used is new", []Person{joiner}, []string{
			"*Jira Service Management*: never used · new: added to the org 5 days ago",
		}, nil},
		{"joiner by timestamp only", []Person{joinerTS}, []string{
			"*Jira Service Management*: never used · new: added to the org 89 days ago",
		}, nil},
		{"joined the idle period ago is not new", []Person{longAgo}, []string{
			"*Jira Service Management*: never used",
		}, []string{"new:"}},
		{"tutorial", []Person{ada()}, []string{
			"*Ada Lovelace* · ada@example.com",
			"*Jira Software*: 2023-01-19, 1407 days ago · idle",
			"*Confluence*: 2023-01-12, 1414 days ago · idle",
			"Added to the org on 2023-01-11",
			"can lag by up to 24 hours",
		}, []string{"cached", "site "}},
		{"timestamps and never used", []Person{grace()}, []string{
			"*Jira Software*: 2026-11-20, 6 days ago · active",
			"*Confluence*: 2026-10-02, 55 days ago · active",
			"*Jira Service Management*: never used",
		}, []string{"Added to the org"}},
		{"never active", []Person{never}, []string{"No recorded activity in any product"}, []string{"never used"}},
		{"cached", []Person{cached}, []string{"cached 12 min ago"}, nil},
		{"no added_to_org", []Person{noOrg}, nil, []string{"Added to the org"}},
		{"added_to_org timestamp only", []Person{tsOnly}, []string{"Added to the org on 2024-03-04"}, nil},
		{"not found names the email", []Person{failed("nobody@example.com", &atlassian.Error{Kind: atlassian.ErrNotFound})},
			[]string{"nobody@example.com was not found (or deactivated)"}, []string{"Added to the org"}},
		{"cached not found says so", []Person{notFoundCached},
			[]string{"new@example.com was not found", "Not found in a search just now", "--fresh"}, nil},
		{"cached not found among others says so", []Person{ada(), notFoundCached},
			[]string{"new@example.com was not found", "Not found in a search just now", "--fresh"}, nil},
		{"nil activity without error", []Person{{Query: "ada@example.com"}}, []string{"Something went wrong"}, nil},
		{"mention without email", []Person{{UserID: "U0BOT", Err: ErrSlackUserNoEmail}}, []string{"*<@U0BOT>*", "no email address"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := RenderLookup(tt.people, private)
			mustCheck(t, m)
			all := readable(joined(t, m))
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("reply lacks %q:\n%s", w, all)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all, w) {
					t.Errorf("reply has %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestRenderLookupButtons(t *testing.T) {
	t.Parallel()
	shared := private
	shared.Buttons, shared.SharedBy = false, "U0SHARER"
	noOrg := private
	noOrg.OrgID = ""

	tests := []struct {
		name      string
		people    []Person
		view      View
		wantValue string // "" means no Share/Refresh buttons
		wantAdmin []string
		wantShare string
	}{
		{"private", []Person{ada(), grace()}, private, "ada@example.com grace@example.com",
			[]string{"https://admin.atlassian.com/o/" + orgID + "/users/5b10ac8d82e05b22cc7d4ef5",
				"https://admin.atlassian.com/o/" + orgID + "/users/712020:2c1f6e0e-6b0a-4f4e-9d7e-1b2c3d4e5f60"}, ""},
		{"shared", []Person{ada()}, shared, "", []string{"https://admin.atlassian.com/o/" + orgID + "/users/5b10ac8d82e05b22cc7d4ef5"}, "Shared by <@U0SHARER>"},
		{"no org id, no admin link", []Person{ada()}, noOrg, "ada@example.com", nil, ""},
		{"not found has no admin link and no Share", []Person{failed("x@example.com", atlassian.ErrNotFound)}, private, "x@example.com", nil, ""},
		{"a mention without email is refreshed by its Slack user", []Person{{UserID: "U0BOT", Err: ErrSlackUserNoEmail}}, private, "@U0BOT", nil, ""},
		{"hostile account id gets no link", []Person{{Query: "a@example.com", Account: atlassian.Account{AccountID: "../../evil?x=1"}, Err: atlassian.ErrUnavailable}}, private, "a@example.com", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := RenderLookup(tt.people, tt.view)
			mustCheck(t, m)
			var values, admin []string
			for _, b := range m.Blocks {
				switch b := b.(type) {
				case *slack.ActionBlock:
					for _, e := range b.Elements.ElementSet {
						btn := e.(*slack.ButtonBlockElement)
						if btn.ActionID != ActionShare && btn.ActionID != ActionRefresh {
							t.Errorf("unexpected action %q", btn.ActionID)
						}
						values = append(values, btn.Value)
					}
				case *slack.SectionBlock:
					if b.Accessory != nil && b.Accessory.ButtonElement != nil {
						btn := b.Accessory.ButtonElement
						if btn.ActionID != ActionAdmin {
							t.Errorf("accessory action %q, want %q", btn.ActionID, ActionAdmin)
						}
						admin = append(admin, btn.URL)
					}
				}
			}
			var wantValues []string
			switch {
			case tt.wantValue == "":
			case tt.people[0].Err != nil:
				// An error is nothing to share: Refresh only.
				wantValues = []string{tt.wantValue}
			default:
				wantValues = []string{tt.wantValue, tt.wantValue}
			}
			if diff := cmp.Diff(wantValues, values); diff != "" {
				t.Errorf("Share/Refresh values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAdmin, admin); diff != "" {
				t.Errorf("admin links (-want +got):\n%s", diff)
			}
			if all := joined(t, m); tt.wantShare != "" && !strings.Contains(all, tt.wantShare) {
				t.Errorf("reply lacks %q", tt.wantShare)
			}
		})
	}
}

// TestRenderLookupLimits renders hostile and oversized inputs and checks
// every limit: up to 12 people, up to 60 products each, names and emails
// made of characters that expand when escaped.
func TestRenderLookupLimits(t *testing.T) {
	t.Parallel()
	// '&' grows fivefold when escaped: the worst case for every budget.
	hostile := strings.Repeat("&", 300) + "<>*_~`\n\x00\u202e"
	for _, n := range []int{1, 2, 5, 10, 12} {
		for _, products := range []int{0, 4, 11, 40, 60} {
			t.Run(fmt.Sprintf("%d people %d products", n, products), func(t *testing.T) {
				t.Parallel()
				var people []Person
				for i := range n {
					p := ada()
					p.Query = fmt.Sprintf("%d%s@example.com", i, hostile)
					p.Account.DisplayName = hostile
					p.Account.AccountID = strings.Repeat("z", 128)
					p.Cached = true
					p.Activity.Products = nil
					for j := range products {
						p.Activity.Products = append(p.Activity.Products, product(hostile, fmt.Sprintf("%d-%s", j%3, hostile), "2026-01-02"))
					}
					if i%3 == 1 || products == 60 {
						cands := make([]atlassian.Account, 8)
						for k := range cands {
							cands[k] = atlassian.Account{AccountID: hostile, DisplayName: hostile}
						}
						p.Err = &atlassian.Error{Kind: atlassian.ErrAmbiguous, Candidates: cands}
					}
					people = append(people, p)
				}
				for _, v := range []View{private, {Now: now, SharedBy: "U0SHARER"}, {}} {
					m := RenderLookup(people, v)
					if err := checkLimits(m); err != nil {
						t.Fatalf("limits broken: %v", err)
					}
				}
			})
		}
	}
}

// TestRenderLookupBudget: ten ordinary people, each with every product we
// know, fit the whole-message budget.
func TestRenderLookupBudget(t *testing.T) {
	t.Parallel()
	var people []Person
	for i := range MaxTargets {
		p := ada()
		p.Query = fmt.Sprintf("someone.with.a.long.name%d@subsidiary.example.com", i)
		p.Account.DisplayName = "Someone With A Rather Long Display Name"
		p.Cached = true
		p.Activity.Products = nil
		for _, key := range seat.Keys() {
			p.Activity.Products = append(p.Activity.Products, product(key, site1, "2026-06-30"), product(key, site2, ""))
		}
		people = append(people, p)
	}
	mustCheck(t, RenderLookup(people, private))
}

func TestRenderLookupCut(t *testing.T) {
	t.Parallel()
	// A lone person's lines go on in further sections, up to 80.
	p := ada()
	p.Activity.Products = nil
	for i := range 120 {
		p.Activity.Products = append(p.Activity.Products, product(fmt.Sprintf("p%d", i), site1, "2026-11-01"))
	}
	lone := RenderLookup([]Person{p}, private)
	mustCheck(t, lone)
	text := joined(t, lone)
	shownLines := strings.Count(text, "· active")
	if shownLines == 0 || shownLines > 80 {
		t.Errorf("%d product lines shown, want 1..80", shownLines)
	}
	if want := fmt.Sprintf("and %d more not shown", 120-shownLines); !strings.Contains(text, want) {
		t.Errorf("a cut list must say so (%q):\n%s", want, text)
	}

	var many []Person
	for range 12 {
		many = append(many, ada())
	}
	m := RenderLookup(many, private)
	mustCheck(t, m)
	if all := joined(t, m); strings.Count(all, "Not looked up* (at most 10 at once): ada@example.com, ada@example.com.") != 1 {
		t.Errorf("people beyond %d must be reported as cut", MaxTargets)
	}
}

func TestAgoAndCachedText(t *testing.T) {
	t.Parallel()
	for days, want := range map[int]string{0: "today", 1: "yesterday", 2: "2 days ago", 1407: "1407 days ago"} {
		if got := agoText(days); got != want {
			t.Errorf("agoText(%d) = %q, want %q", days, got, want)
		}
	}
	for age, want := range map[time.Duration]string{
		30 * time.Second: "cached just now",
		12 * time.Minute: "cached 12 min ago",
		3 * time.Hour:    "cached 3 h ago",
		72 * time.Hour:   "cached 3 days ago",
		-time.Minute:     "cached answer",
	} {
		if got := cachedText(now.Add(-age), now); got != want {
			t.Errorf("cachedText(age %v) = %q, want %q", age, got, want)
		}
	}
}

// TestProductName: names come from seat; unknown keys are cleaned and cut
// here, for Slack.
func TestProductName(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"jira-software", "Jira Software"},
		{"jira", "Jira Software"},
		{"confluence", "Confluence"},
		{"jira-service-desk", "Jira Service Management"},
		{"jira-servicedesk", "Jira Service Management"},
		{"jira-core", "Jira Work Management"},
		{"jira-product-discovery", "Jira Product Discovery"},
		{"opsgenie", "Opsgenie"},
		{"statuspage", "Statuspage"},
		{"bitbucket", "Bitbucket"},
		{"trello", "Trello"},
		{"compass", "Compass"},
		{"loom", "Loom"},
		{"Confluence", "Confluence"},
		{"brand-new-thing", "brand-new-thing"},
		{"", "(unnamed product)"},
		{"evil\nkey\x00", "evil key"},
		{strings.Repeat("k", 100), strings.Repeat("k", 39) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			if got := productName(tt.key); got != tt.want {
				t.Errorf("productName(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestButtonValue(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57)
	tests := []struct {
		name   string
		emails []string
		want   string
	}{
		{"one", []string{"ada@example.com"}, "ada@example.com"},
		{"normalised and deduped", []string{"Ada@Example.com", " ada@example.com", "grace@example.com"}, "ada@example.com grace@example.com"},
		{"invalid dropped", []string{"", "not an email", "<@U1>", "ada@example.com"}, "ada@example.com"},
		{"none", []string{""}, ""},
		{"at most ten", numbered(12), strings.Join(numbered(10), " ")},
		{"byte budget", []string{long, "1" + long[1:], "2" + long[1:], "3" + long[1:], "4" + long[1:], "5" + long[1:], "6" + long[1:], "7" + long[1:], "8" + long[1:]},
			strings.Join([]string{long, "1" + long[1:], "2" + long[1:], "3" + long[1:], "4" + long[1:], "5" + long[1:], "6" + long[1:]}, " ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ButtonValue(tt.emails)
			if got != tt.want {
				t.Errorf("ButtonValue = %q, want %q", got, tt.want)
			}
			if len(got) > maxButtonValue-buttonValueRoom {
				t.Errorf("value is %d bytes", len(got))
			}
			if got == "" {
				return
			}
			back, err := ParseButtonValue(got)
			if err != nil {
				t.Fatalf("ParseButtonValue(ButtonValue(...)) error: %v", err)
			}
			if diff := cmp.Diff(strings.Split(tt.want, " "), back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseButtonValueRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value string }{
		{"empty", ""},
		{"leading space", " ada@example.com"},
		{"trailing space", "ada@example.com "},
		{"double space", "ada@example.com  grace@example.com"},
		{"tab", "ada@example.com\tgrace@example.com"},
		{"upper case", "Ada@example.com"},
		{"duplicate", "ada@example.com ada@example.com"},
		{"eleven", strings.Join(numbered(11), " ")},
		{"mention", "<@U123>"},
		{"not an email", "ada"},
		{"extra field", "ada@example.com|x"},
		{"too long", strings.Repeat("a", 2001)},
		{"signature left on", "ada@example.com~1764000000~abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := ParseButtonValue(tt.value); err == nil {
				t.Errorf("ParseButtonValue(%q) = %q, want an error", tt.value, got)
			}
		})
	}
}

func TestRenderUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"usage error escaped", &UsageError{Reason: "“<!here> *x*” is odd & wrong"}, "“&lt;!here&gt; ∗x∗” is odd &amp; wrong"},
		{"wrapped usage error", fmt.Errorf("parse: %w", &UsageError{Reason: "bad"}), ":warning: bad"},
		{"other error goes through the words", atlassian.ErrUnavailable, "Atlassian is unavailable right now"},
		{"nil", nil, "not understood"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := RenderUsage(tt.err)
			mustCheck(t, m)
			if all := joined(t, m); !strings.Contains(all, tt.want) || !strings.Contains(all, "/lastactive help") {
				t.Errorf("usage reply lacks %q or the usage:\n%s", tt.want, all)
			}
		})
	}
}

func TestRenderNotice(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "plain words", "<!channel> & " + strings.Repeat("x", 5000)} {
		m := RenderNotice(in)
		checkNoRawControl(t, m)
	}
}

func TestRenderHelpMentionsEveryForm(t *testing.T) {
	t.Parallel()
	m := RenderHelp()
	mustCheck(t, m)
	all := joined(t, m)
	for _, w := range []string{"ada@example.com`", "grace@example.com", "@Ada", "--fresh", "idle", "help"} {
		if !strings.Contains(all, w) {
			t.Errorf("help lacks %q", w)
		}
	}
}

// TestCheckLimitsCatches proves the checker can fail.
func TestCheckLimitsCatches(t *testing.T) {
	t.Parallel()
	sec := func(id, text string) slack.Block {
		return slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(id))
	}
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = sec(fmt.Sprint(i), "x")
	}
	fields := make([]*slack.TextBlockObject, 11)
	for i := range fields {
		fields[i] = mrkdwn("f")
	}
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"no blocks", Message{Text: "x"}, "0 blocks"},
		{"51 blocks", Message{Text: "x", Blocks: many}, "51 blocks"},
		{"no fallback", Message{Blocks: []slack.Block{sec("a", "x")}}, "fallback text"},
		{"long section", Message{Text: "x", Blocks: []slack.Block{sec("a", strings.Repeat("x", 3001))}}, "3001 characters"},
		{"duplicate id", Message{Text: "x", Blocks: []slack.Block{sec("a", "x"), sec("a", "y")}}, "duplicate block_id"},
		{"raw channel ping", Message{Text: "x", Blocks: []slack.Block{sec("a", "hi <!channel>")}}, "unescaped"},
		{"raw ampersand", Message{Text: "a & b", Blocks: []slack.Block{sec("a", "x")}}, "unescaped"},
		{"eleven fields", Message{Text: "x", Blocks: []slack.Block{slack.NewSectionBlock(nil, fields, nil, slack.SectionBlockOptionBlockID("a"))}}, "11 fields"},
		{"long header", Message{Text: "x", Blocks: []slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", 151)), slack.HeaderBlockOptionBlockID("h"))}}, "151 characters"},
		{"long button", Message{Text: "x", Blocks: []slack.Block{slack.NewActionBlock("b", slack.NewButtonBlockElement("a", "v", plain(strings.Repeat("b", 76))))}}, "button text 76"},
		{"over budget", Message{Text: "x", Blocks: []slack.Block{sec("a", strings.Repeat("x", 2999)), sec("b", strings.Repeat("x", 2999)), sec("c", strings.Repeat("x", 2999)), sec("d", strings.Repeat("x", 2999)), sec("e", strings.Repeat("x", 2999))}}, "budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkLimits(tt.m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("checkLimits = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func BenchmarkRenderLookup(b *testing.B) {
	one := ada()
	one.Activity.Products = append(one.Activity.Products, grace().Activity.Products[:2]...)
	var ten []Person
	for range 10 {
		ten = append(ten, one)
	}
	for _, bc := range []struct {
		name   string
		people []Person
	}{{"one person 4 products", []Person{one}}, {"ten people", ten}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				RenderLookup(bc.people, private)
			}
		})
	}
}

// TestFallbackNamesNotLookedUpAndSkipped: the plain text beside the blocks
// (what a notification and a screen reader give) named the people answered
// and nothing else: a manager who read it, or heard it, was not told that
// people past ten were not looked up or that lines of the paste were
// skipped, which the blocks say. It now says both, however long the list.
func TestFallbackNamesNotLookedUpAndSkipped(t *testing.T) {
	t.Parallel()
	v := private
	v.NotLookedUp = []Target{{Email: "zed@example.com"}, {UserID: "U0GRACE"}}
	v.Skipped = []SkippedLine{{Line: 1, Text: "“Name Email”"}, {Line: 4, Text: "“Charles Babbage”"}}
	m := RenderLookup([]Person{ada()}, v)
	mustCheck(t, m)
	for _, want := range []string{"Not looked up (at most 10 at once): zed@example.com, <@U0GRACE>.",
		"Skipped (no email address in them): line 1 “Name Email”, line 4 “Charles Babbage”."} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the fallback text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "*") {
		t.Errorf("the fallback text carries mrkdwn's bold:\n%s", m.Text)
	}

	// Ten people whose lines fill the fallback: the notes are kept, the
	// people's lines cut.
	var ten []Person
	for i := range MaxTargets {
		p := ada()
		p.Query = fmt.Sprintf("%s%02d@%s.example.com", strings.Repeat("firstname.lastname.", 3), i, strings.Repeat("department", 3))
		p.Activity.Products = nil
		for j := range 40 {
			p.Activity.Products = append(p.Activity.Products, product(fmt.Sprintf("%s-%d", strings.Repeat("a-product-with-a-long-key", 6), j), site1, "2026-11-01"))
		}
		ten = append(ten, p)
	}
	v.MoreNotLookedUp, v.MoreSkipped = 60, 3
	m = RenderLookup(ten, v)
	mustCheck(t, m)
	for _, want := range []string{"\n…\n", "Not looked up", "and 60 more.", "Skipped", "and 3 lines more."} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the long fallback text lacks %q:\n%s", want, m.Text)
		}
	}
	if n := utf8.RuneCountInString(m.Text); n > maxTextRunes {
		t.Errorf("the fallback text is %d runes, more than %d", n, maxTextRunes)
	}
}
