package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/digest"
	"lastactive/internal/state"
	"lastactive/seat"
)

func digestReport() *seat.Report {
	rep := &seat.Report{Days: 90, Currency: "EUR", Now: now, ReadAt: now.Add(-time.Minute), Accounts: 40,
		Groups: []seat.Group{
			{Key: "jira-software", Site: site1, Seats: 20, Active: 10, Idle: 6, Never: 3, New: 1, Price: 8.6, HasPrice: true},
			{Key: "confluence", Site: site2, Seats: 5, Active: 2, Idle: 3},
		}}
	for i, name := range []string{"Ada *Admin*", "Brian", "Cleo", "Dan", "Eve", "Finn"} {
		rep.Rows = append(rep.Rows, seat.Row{Key: "jira-software", Site: site1, Name: name, Email: "hidden@example.com",
			DaysIdle: 100 + i, Verdict: seat.VerdictIdle, LastActive: now.AddDate(0, 0, -100-i)})
	}
	rep.Rows = append(rep.Rows, seat.Row{Key: "confluence", Site: site2, Email: "noname@example.com", DaysIdle: 120, Verdict: seat.VerdictIdle})
	return rep
}

var digestSites = []atlassian.Workspace{{CloudID: site1, Type: "jira", Host: "acme.atlassian.net", Capacity: 25}}

func TestRenderDigest(t *testing.T) {
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 90, Rows: []state.SnapshotRow{
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 18, Active: 11, Idle: 3, NeverUsed: 4},
	}}}
	second := RenderDigest(digest.Make(digestReport(), digestSites, earlier), "F0000CHART")
	digestGolden(t, "digest", second)
	first := RenderDigest(digest.Make(digestReport(), digestSites, nil), "")
	golden(t, "digest_first", first)

	all := func(m Message) string { return strings.Join(allTexts(t, m), "\n") }
	if s := all(second); strings.Contains(s, "@example.com") {
		t.Error("the channel digest shows an email")
	}
	if !strings.Contains(all(second), "(+3 idle)") || strings.Contains(all(first), "idle)") {
		t.Error("the change is missing from the second digest or present in the first")
	}
	if !strings.Contains(all(first), "trend chart starts with the next digest") {
		t.Error("the first digest does not say when the trend starts")
	}
}

// TestDigestNamesHideEmails: Atlassian names an account by its email when
// nobody gave it a name (an invitation never accepted, say), and a name
// may carry an address ("Finn (finn@example.com)"). The channel digest
// names the people idle longest "by name only (never an email in a
// channel)": an address in a name must not reach the channel either.
func TestDigestNamesHideEmails(t *testing.T) {
	rep := digestReport()
	for i, name := range []string{"grace.hopper@example.com", "Finn (finn.o@example.com)", "<mailto:x@example.com|x@example.com>"} {
		rep.Rows = append(rep.Rows, seat.Row{Key: "jira-software", Site: site1, Name: name, Email: "hidden@example.com",
			DaysIdle: 900 + i, Verdict: seat.VerdictIdle, LastActive: now.AddDate(0, 0, -900-i)})
	}
	m := RenderPrivateDigest(digest.Make(rep, digestSites, nil), "")
	s := strings.Join(allTexts(t, m), "\n")
	if strings.Contains(s, "@example.com") {
		t.Errorf("the digest shows an email:\n%s", s)
	}
	if !strings.Contains(s, "Finn") {
		t.Errorf("the name around the address is lost:\n%s", s)
	}
}

// TestChannelDigestNamesTheIdleLongestNotTheirEmails: issue 17's digest
// lists "the 5 people idle longest per product (names, not emails, in a
// channel)". A later session took the names out of the channel digest
// (counts only), against that specification; they are back, names only,
// in the channel digest as in the private one, and never an email.
func TestChannelDigestNamesTheIdleLongestNotTheirEmails(t *testing.T) {
	rep := digestReport()
	rep.Rows = append(rep.Rows, seat.Row{Key: "jira-software", Site: site1, Name: "Zelda Quartermain", Email: "zq@example.com",
		DaysIdle: 950, Verdict: seat.VerdictIdle, LastActive: now.AddDate(0, 0, -950)})
	d := digest.Make(rep, digestSites, nil)
	for name, m := range map[string]Message{"channel": RenderDigest(d, ""), "private": RenderPrivateDigest(d, "")} {
		text := strings.Join(allTexts(t, m), "\n")
		if !strings.Contains(text, "Zelda Quartermain (950 days)") {
			t.Errorf("the %s digest does not name the person idle longest:\n%s", name, text)
		}
		if strings.Contains(text, "zq@example.com") {
			t.Errorf("the %s digest shows an email:\n%s", name, text)
		}
	}
}

func TestRenderHome(t *testing.T) {
	history := []state.Snapshot{
		{Taken: now.AddDate(0, 0, -7), IdleDays: 90, Rows: []state.SnapshotRow{{Product: "confluence", Site: "acme.atlassian.net", Seats: 9, Idle: 2}}},
		{Taken: now, IdleDays: 90, Rows: []state.SnapshotRow{
			{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Capacity: 50, Active: 6, Idle: 3, NeverUsed: 1},
			{Product: "jira-software", Site: "acme.atlassian.net", Seats: 20, Active: 15, Idle: 5}}},
	}
	home := RenderHomeReport(HomeFacts{History: history, ChartFileID: "F0000CHART"})
	digestGolden(t, "home_report", Message{Text: "App Home", Blocks: home.Blocks.BlockSet})
	golden(t, "home_report_empty", Message{Text: "App Home", Blocks: RenderHomeReport(HomeFacts{}).Blocks.BlockSet})
	golden(t, "home_usage", Message{Text: "App Home", Blocks: RenderHomeUsage(true).Blocks.BlockSet})
	golden(t, "home_refused", Message{Text: "App Home", Blocks: RenderHomeUsage(false).Blocks.BlockSet})
}

func TestParseDigest(t *testing.T) {
	if c, err := ParseCommand("digest"); err != nil || c.Kind != CmdDigest {
		t.Errorf("digest = %+v, %v", c, err)
	}
	for _, text := range []string{"digest now", "digest --fresh"} {
		if _, err := ParseCommand(text); err == nil {
			t.Errorf("%q parsed", text)
		}
	}
}

// digestGolden is golden for messages with an image block, which the
// shared limit check does not know: the image block is checked here, the
// rest there.
func digestGolden(t *testing.T, name string, m Message) {
	t.Helper()
	var rest []slack.Block
	images := 0
	for _, b := range m.Blocks {
		img, ok := b.(*slack.ImageBlock)
		if !ok {
			rest = append(rest, b)
			continue
		}
		images++
		if img.SlackFile == nil || img.SlackFile.ID == "" || img.ImageURL != "" || img.AltText == "" || len(img.AltText) > 2000 {
			t.Errorf("image block %+v: want a slack_file by ID and alt text", img)
		}
	}
	if images != 1 {
		t.Errorf("%d image blocks, want 1", images)
	}
	mustCheck(t, Message{Text: m.Text, Blocks: rest})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

type failingSource struct{ err error }

func (f failingSource) Build(context.Context) (*digest.Digest, error)     { return nil, f.err }
func (f failingSource) History(context.Context) ([]state.Snapshot, error) { return nil, nil }
func (f failingSource) MarkPosted(context.Context, *digest.Digest) error  { return nil }

type countingPoster struct{ n int }

func (p *countingPoster) PostMessage(context.Context, string, Message) error { p.n++; return nil }

// TestDigestPostSaysWhenNothingWasMade: a digest whose scan fails (or is
// stopped) posts nothing and says so with ErrDigestNotMade, which the
// schedule reads as "give the slot back"; the cause stays inspectable.
func TestDigestPostSaysWhenNothingWasMade(t *testing.T) {
	p := &countingPoster{}
	d := NewDigests(DigestConfig{Source: failingSource{context.Canceled}, Channel: "C1", Poster: p})
	err := d.Post(context.Background())
	if !errors.Is(err, ErrDigestNotMade) || !errors.Is(err, context.Canceled) {
		t.Errorf("Post = %v, want ErrDigestNotMade wrapping context.Canceled", err)
	}
	if p.n != 0 {
		t.Errorf("%d posts of a digest that was not made", p.n)
	}
}

// markingSource builds one fixed digest and records which were marked
// posted.
type markingSource struct{ marked []string }

func (m *markingSource) Build(context.Context) (*digest.Digest, error) {
	return &digest.Digest{Now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Days: 90, SnapshotID: "snap-1"}, nil
}
func (m *markingSource) History(context.Context) ([]state.Snapshot, error) { return nil, nil }
func (m *markingSource) MarkPosted(_ context.Context, d *digest.Digest) error {
	m.marked = append(m.marked, d.SnapshotID)
	return nil
}

type failingPoster struct{}

func (failingPoster) PostMessage(context.Context, string, Message) error {
	return errors.New("channel_not_found")
}

// TestDigestMarkedPostedOnlyOncePosted: the snapshot of a digest that
// reached the channel is marked posted (the next digest's change is against
// it); one whose post failed is not, nor is a private one (Make).
func TestDigestMarkedPostedOnlyOncePosted(t *testing.T) {
	ctx := context.Background()
	src := &markingSource{}
	if err := NewDigests(DigestConfig{Source: src, Channel: "C1", Poster: failingPoster{}}).Post(ctx); err == nil {
		t.Fatal("a failed post reported as posted")
	}
	if _, _, err := NewDigests(DigestConfig{Source: src, Channel: "C1", Poster: &countingPoster{}}).Make(ctx, false); err != nil {
		t.Fatal(err)
	}
	if len(src.marked) != 0 {
		t.Fatalf("marked %v before any digest reached the channel", src.marked)
	}
	if err := NewDigests(DigestConfig{Source: src, Channel: "C1", Poster: &countingPoster{}}).Post(ctx); err != nil {
		t.Fatal(err)
	}
	if len(src.marked) != 1 || src.marked[0] != "snap-1" {
		t.Errorf("marked %v, want [snap-1]", src.marked)
	}
}

// downStore is a digest store whose database cannot be reached.
type downStore struct{}

var errStoreDown = errors.New("state store unavailable")

func (downStore) Snapshots(context.Context, time.Time, int) ([]state.Snapshot, error) {
	return nil, errStoreDown
}
func (downStore) PostedSnapshots(context.Context, int) ([]state.Snapshot, error) {
	return nil, errStoreDown
}
func (downStore) SaveSnapshot(context.Context, state.Snapshot) (string, error) {
	return "", errStoreDown
}
func (downStore) MarkSnapshotPosted(context.Context, string) error { return errStoreDown }

// TestDigestSaysTheStoreIsUnavailable: with the database down, a digest is
// still made from a fresh scan, but it must say that its change and trend
// are unavailable. Before, it called itself "the first digest" and promised
// a chart "next week", as if nothing had ever been stored.
func TestDigestSaysTheStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	b := digest.NewBuilder(digest.Config{Store: downStore{}, Scanner: fixedScanner{digestReport()}})
	d, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(allTexts(t, RenderDigest(d, "")), "\n")
	for _, wrong := range []string{"first digest", "starts with the next digest"} {
		if strings.Contains(all, wrong) {
			t.Errorf("a digest made with the database down says %q:\n%s", wrong, all)
		}
	}
	if !strings.Contains(all, "unavailable") {
		t.Errorf("a digest made with the database down does not say its history is unavailable:\n%s", all)
	}
}

// fixedScanner reports rep.
type fixedScanner struct{ rep *seat.Report }

func (f fixedScanner) Report(context.Context, seat.Options, bool, func()) (*seat.Report, error) {
	return f.rep, nil
}

// historySource builds a digest with a history long enough for a chart.
type historySource struct{ markingSource }

func (h *historySource) Build(ctx context.Context) (*digest.Digest, error) {
	d, _ := h.markingSource.Build(ctx)
	for w := range 2 {
		d.History = append(d.History, state.Snapshot{Taken: d.Now.AddDate(0, 0, 7*(w-1)), IdleDays: 90,
			Rows: []state.SnapshotRow{{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Idle: w}}})
	}
	return d, nil
}

// stopAtUpload closes stop when an upload begins, then waits for its end.
type stopAtUpload struct{ stop chan struct{} }

func (u *stopAtUpload) UploadImage(ctx context.Context, _ File) (string, error) {
	close(u.stop)
	<-ctx.Done()
	return "", ctx.Err()
}

// ctxPoster posts as an HTTP client does: nothing leaves once ctx is done.
type ctxPoster struct{ n int }

func (p *ctxPoster) PostMessage(ctx context.Context, _ string, _ Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.n++
	return nil
}

// TestDigestStoppedBeforeItsPostIsNotMade: a stop (a rolling restart at
// the slot) that comes after the digest was built, while its chart is
// being uploaded, leaves nothing posted; Post says so with ErrDigestNotMade,
// so that the schedule gives the slot back and the next process posts it.
// Before, the post was tried on the ended context, failed without reaching
// Slack, and the slot was kept as done: that week's digest was never posted.
func TestDigestStoppedBeforeItsPostIsNotMade(t *testing.T) {
	src := &historySource{}
	up := &stopAtUpload{stop: make(chan struct{})}
	p := &ctxPoster{}
	d := NewDigests(DigestConfig{Source: src, Channel: "C1", Images: up, Poster: p})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Post(ctx) }()
	<-up.stop
	stop() // SIGTERM while the chart is uploaded
	err := <-done
	if p.n != 0 {
		t.Fatalf("%d posts after the stop", p.n)
	}
	if !errors.Is(err, ErrDigestNotMade) {
		t.Errorf("Post = %v, want ErrDigestNotMade: nothing reached the channel, the slot must run again", err)
	}
	if len(src.marked) != 0 {
		t.Errorf("snapshots %v marked posted, though nothing was posted", src.marked)
	}
}

// stopMidPost is Slack taking the post as the stop comes: the message
// reaches the channel, then the stop, then the answer, which an HTTP client
// drops once its context is done.
type stopMidPost struct {
	stop func()
	n    int
}

func (p *stopMidPost) PostMessage(ctx context.Context, _ string, _ Message) error {
	p.n++ // in the channel
	p.stop()
	return ctx.Err()
}

// TestDigestStoppedDuringItsPostIsFinished: a stop (the old replica of a
// rolling upgrade at the slot) that came while the digest's post was on
// its way cut the call: the digest was in the channel, yet Post failed, the
// slot was audited "failed" and logged as such, and the snapshot was not
// marked posted, so the next digest's change was against the one before.
// A post once begun is finished (postStopGrace).
func TestDigestStoppedDuringItsPostIsFinished(t *testing.T) {
	src := &markingSource{}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	p := &stopMidPost{stop: stop}
	err := NewDigests(DigestConfig{Source: src, Channel: "C1", Poster: p}).Post(ctx)
	if p.n != 1 {
		t.Fatalf("%d posts, want 1", p.n)
	}
	if err != nil {
		t.Errorf("Post = %v for a digest that reached the channel", err)
	}
	if len(src.marked) != 1 {
		t.Errorf("snapshots marked posted: %v, want the one posted", src.marked)
	}
}

// rateLimitedPoster answers every post as Slack does past its retries.
type rateLimitedPoster struct{}

func (rateLimitedPoster) PostMessage(context.Context, string, Message) error {
	return &SlackError{Method: "chat.postMessage", Kind: ErrSlackRateLimited, Status: 429, Attempts: 3}
}

// TestDigestRateLimitedIsNotMade: a 429 burst at the slot's time (Slack
// posted nothing) left the slot as handled, and that week had no digest.
// A post Slack refused for its rate limit is ErrDigestNotMade: the slot is
// given back and tried again a minute later, within its hour, and nothing
// can be posted twice. Another refusal (the channel) keeps the slot.
func TestDigestRateLimitedIsNotMade(t *testing.T) {
	ctx := context.Background()
	err := NewDigests(DigestConfig{Source: &markingSource{}, Channel: "C1", Poster: rateLimitedPoster{}}).Post(ctx)
	if !errors.Is(err, ErrDigestNotMade) {
		t.Errorf("a rate-limited post: %v, want ErrDigestNotMade (the slot tried again)", err)
	}
	err = NewDigests(DigestConfig{Source: &markingSource{}, Channel: "C1", Poster: failingPoster{}}).Post(ctx)
	if err == nil || errors.Is(err, ErrDigestNotMade) {
		t.Errorf("a refused post: %v, want an error that keeps the slot", err)
	}
}

// TestDigestSaysTheIdlePeriodChanged: after LASTACTIVE_IDLE_DAYS changed,
// the digest shows no change against the last one (counted at another
// period) and says why, rather than "This is the first digest".
func TestDigestSaysTheIdlePeriodChanged(t *testing.T) {
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 30, Rows: []state.SnapshotRow{
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 18, Active: 1, Idle: 13, NeverUsed: 4},
	}}}
	s := strings.Join(allTexts(t, RenderDigest(digest.Make(digestReport(), digestSites, earlier), "")), "\n")
	if !strings.Contains(s, "counted idle at 30 days, this one at 90 days") {
		t.Errorf("the digest does not say the idle period changed:\n%s", s)
	}
	if strings.Contains(s, "idle)") || strings.Contains(s, "first digest") {
		t.Errorf("the digest shows a change across idle periods, or calls itself the first:\n%s", s)
	}
}

// TestDigestDateIsTheReadersDay: the digest's date was its header's UTC
// day, so a Monday 09:00 slot in CRON_TZ=Australia/Sydney (Sunday 22:00
// UTC) was titled Sunday for everyone. The header names no day; the day
// comes as a Slack date token, which each reader sees in their own zone.
func TestDigestDateIsTheReadersDay(t *testing.T) {
	rep := digestReport()
	sunday := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC) // Monday 09:00 in Sydney
	rep.Now, rep.ReadAt = sunday, sunday.Add(-time.Minute)
	m := RenderDigest(digest.Make(rep, digestSites, nil), "")
	header := ""
	for _, b := range m.Blocks {
		if h, ok := b.(*slack.HeaderBlock); ok {
			header = h.Text.Text
		}
	}
	if strings.Contains(header, "Sun") || strings.Contains(header, "6 Dec") {
		t.Errorf("the header names the UTC day, Sunday, for a Monday slot in Sydney: %q", header)
	}
	token := fmt.Sprintf("<!date^%d^", sunday.Unix())
	if s := strings.Join(allTexts(t, m), "\n"); !strings.Contains(s, token) {
		t.Errorf("the digest does not give its day as a date token (%s…):\n%s", token, s)
	}
}

// TestDigestChartAfterTheIdlePeriodChanged: once LASTACTIVE_IDLE_DAYS
// changed, the snapshots before are not drawn with those after (they
// counted idle at another period), so the second digest after a change
// has no chart yet. It said "The trend chart could not be uploaded this
// time", a failure that was none; it says the chart starts again.
func TestDigestChartAfterTheIdlePeriodChanged(t *testing.T) {
	t.Parallel()
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 30, Posted: true}}
	d := digest.Make(digestReport(), digestSites, earlier)
	got := messageText(t, RenderDigest(d, ""))
	if strings.Contains(got, "could not be uploaded") || !strings.Contains(got, "The trend chart starts again with the next digest") {
		t.Errorf("the digest should say the chart starts again at the new idle period:\n%s", got)
	}
}

// longestSource is a digest naming, for each of n products, one person
// idle longest; ada is idle in the first two.
type longestSource struct{ n int }

func (s longestSource) Build(context.Context) (*digest.Digest, error) {
	d := &digest.Digest{Now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Days: 90}
	for i := range s.n {
		who := fmt.Sprintf("p%d", i)
		if i < 2 {
			who = "ada"
		}
		d.Longest = append(d.Longest, digest.ProductIdlers{Key: fmt.Sprintf("product-%02d", i), People: []digest.Idler{
			{Name: "Person " + who, AccountID: "id-" + who, Email: who + "@example.com", DaysIdle: 100}}})
	}
	return d, nil
}
func (longestSource) History(context.Context) ([]state.Snapshot, error) { return nil, nil }
func (longestSource) MarkPosted(context.Context, *digest.Digest) error  { return nil }

// TestPrivateDigestNamesWhomItShowed: '/lastactive digest' shows the people
// idle longest by name; its audit entry names each of them once (email and
// account ID), so their trails say who saw it, and nobody the digest left
// out (the products past its 15 lines).
func TestPrivateDigestNamesWhomItShowed(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Digests: NewDigests(DigestConfig{Source: longestSource{n: maxDigestLines + 2}}), Audit: sink})
	if r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: "digest"}, nil); r.Outcome != OutcomeOK {
		t.Fatalf("digest: %v", r.Outcome)
	}
	if len(sink.got) != 1 {
		t.Fatalf("%d audit entries, want 1", len(sink.got))
	}
	e := sink.got[0]
	// Ada twice on screen, once in the entry; p2 to p14 shown, p15 and p16 not.
	wantEmails, wantIDs := []string{"ada@example.com"}, []string{"id-ada"}
	for i := 2; i < maxDigestLines; i++ {
		wantEmails = append(wantEmails, fmt.Sprintf("p%d@example.com", i))
		wantIDs = append(wantIDs, fmt.Sprintf("id-p%d", i))
	}
	if !slices.Equal(e.Emails, wantEmails) || !slices.Equal(e.AccountIDs, wantIDs) {
		t.Errorf("the digest's entry names %v and %v, want %v and %v", e.Emails, e.AccountIDs, wantEmails, wantIDs)
	}
}
