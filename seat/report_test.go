package seat

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/backoff/backofftest"
	"lastactive/internal/recovered"
)

var idleNow = time.Date(2026, 11, 26, 15, 30, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return idleNow.Add(-time.Duration(n) * 24 * time.Hour) }

func TestJudge(t *testing.T) {
	t.Parallel()
	used := func(days int) atlassian.ProductActivity {
		ts := daysAgo(days)
		return atlassian.ProductActivity{Key: "confluence", LastActiveTimestamp: ts,
			LastActive: time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)}
	}
	never := atlassian.ProductActivity{Key: "confluence"}
	member := func(addedDaysAgo int) atlassian.OrgUser {
		u := atlassian.OrgUser{AccountStatus: "active", MembershipStatus: "active"}
		if addedDaysAgo >= 0 {
			u.AddedToOrg = daysAgo(addedDaysAgo)
		}
		return u
	}
	with := func(u atlassian.OrgUser, f func(*atlassian.OrgUser)) atlassian.OrgUser { f(&u); return u }
	cases := []struct {
		name     string
		user     atlassian.OrgUser
		product  atlassian.ProductActivity
		want     Verdict
		wantDays int
	}{
		{"used yesterday", member(500), used(1), VerdictActive, 1},
		{"used 89 days ago", member(500), used(89), VerdictActive, 89},
		{"used exactly 90 days ago", member(500), used(90), VerdictIdle, 90},
		{"used 400 days ago", member(500), used(400), VerdictIdle, 400},
		{"never used, joined 90 days ago", member(90), never, VerdictNever, 90},
		{"never used, joined 3 years ago", member(1095), never, VerdictNever, 1095},
		{"never used, joined last week", member(7), never, VerdictNew, 7},
		{"never used, join date unknown", member(-1), never, VerdictNever, -1},
		{"deactivated", with(member(500), func(u *atlassian.OrgUser) { u.AccountStatus = "inactive" }), used(400), VerdictNoSeat, 400},
		{"closed", with(member(500), func(u *atlassian.OrgUser) { u.AccountStatus = "closed" }), never, VerdictNoSeat, 500},
		{"suspended", with(member(500), func(u *atlassian.OrgUser) { u.MembershipStatus = "suspended" }), used(2), VerdictNoSeat, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, days := Judge(tc.user, tc.product, idleNow, 90)
			if v != tc.want || days != tc.wantDays {
				t.Errorf("Judge = %q, %d; want %q, %d", v, days, tc.want, tc.wantDays)
			}
		})
	}
}

// counts is an independent tally of one product on one site, computed
// from the generated organisation rather than from anything the report
// code produces.
type counts struct{ Seats, Active, Idle, Never, New, NoSeat int }

func independentCounts(org *atlassiantest.Org, now time.Time, days int, products ...string) (map[[2]string]counts, int) {
	dayOf := func(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
	today := dayOf(now)
	want := map[[2]string]counts{}
	rows := 0
	for _, u := range org.Users {
		if u.NotMember {
			continue // not in the organisation's directory
		}
		seat := (u.AccountStatus == "" || u.AccountStatus == "active") && (u.MembershipStatus == "" || u.MembershipStatus == "active")
		for _, p := range u.Products {
			if len(products) > 0 && !strings.Contains(" "+strings.Join(products, " ")+" ", " "+p.Key+" ") {
				continue
			}
			rows++
			k := [2]string{p.Key, p.ID()}
			c := want[k]
			switch {
			case !seat:
				c.NoSeat++
			case !p.LastActive.IsZero() && today.Sub(dayOf(p.LastActive)) >= time.Duration(days)*24*time.Hour:
				c.Idle++
			case !p.LastActive.IsZero():
				c.Active++
			case u.AddedToOrg.IsZero() || today.Sub(dayOf(u.AddedToOrg)) >= time.Duration(days)*24*time.Hour:
				c.Never++
			default:
				c.New++
			}
			if seat {
				c.Seats++
			}
			want[k] = c
		}
	}
	return want, rows
}

func reportCounts(rep *Report) map[[2]string]counts {
	got := map[[2]string]counts{}
	for _, g := range rep.Groups {
		got[[2]string{g.Key, g.ProductID}] = counts{g.Seats, g.Active, g.Idle, g.Never, g.New, g.NoSeat}
	}
	return got
}

func adminClient(t testing.TB, srv *atlassiantest.Server, opts ...atlassian.Option) *atlassian.Client {
	t.Helper()
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: srv.OrgID(), APIKey: atlassiantest.APIKey},
		append([]atlassian.Option{atlassian.WithAdminRate(rate.Inf, 1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// gatedDir holds every scan until open is closed, so that a test can have
// two reports join one scan for certain.
type gatedDir struct {
	dir  OrgDirectory
	open chan struct{}
}

func (g gatedDir) OrgUsers(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	return func(yield func(atlassian.OrgUser, error) bool) {
		select {
		case <-g.open:
		case <-ctx.Done():
			yield(atlassian.OrgUser{}, ctx.Err())
			return
		}
		for u, err := range g.dir.OrgUsers(ctx, q) {
			if !yield(u, err) {
				return
			}
		}
	}
}

// TestReport50k runs two concurrent reports over a generated
// organisation of 50,000 accounts on the fake Admin API, then a third from
// the cache. A full scan costs seconds under the race detector, so they
// all share one.
func TestReport50k(t *testing.T) {
	t.Parallel()
	org := atlassiantest.GenerateOrg(50_000, 7, idleNow)
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	members := 0
	for _, u := range org.Users {
		if !u.NotMember {
			members++
		}
	}
	pages := (members + 99) / 100
	searches := func() int { return srv.Count("admin", "/admin/v2/") }

	gate := make(chan struct{})
	reports := NewScanner(ScanConfig{Dir: gatedDir{adminClient(t, srv), gate}, Now: func() time.Time { return idleNow }, TTL: time.Hour})
	t.Cleanup(reports.Close)

	// Two reports join one scan for certain: the gate holds it until both wait.
	opts := []Options{{Days: 90}, {Days: 30, Products: []string{"confluence", "loom"}}}
	joined := make(chan struct{}, len(opts))
	reps := make([]*Report, len(opts))
	var wg sync.WaitGroup
	start := time.Now()
	for i, o := range opts {
		wg.Go(func() {
			rep, err := reports.Report(context.Background(), o, false, func() { joined <- struct{}{} })
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		})
	}
	for range opts {
		<-joined
	}
	close(gate)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("50,000 accounts: %d Admin API calls, %v (zero latency, no pacing)", searches(), time.Since(start))
	if got := searches(); got != pages {
		t.Errorf("two concurrent reports made %d Admin API calls, want ceil(%d/100) = %d", got, members, pages)
	}

	t.Run("counts", func(t *testing.T) {
		for i, o := range opts {
			want, rows := independentCounts(org, idleNow, o.Days, o.Products...)
			if diff := cmp.Diff(want, reportCounts(reps[i])); diff != "" {
				t.Errorf("%+v: counts by product and site (-independent +report):\n%s", o, diff)
			}
			if reps[i].Accounts != members || len(reps[i].Rows) != rows {
				t.Errorf("%+v: %d accounts, %d rows; want %d, %d", o, reps[i].Accounts, len(reps[i].Rows), members, rows)
			}
		}
	})

	t.Run("CSV", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, reps[0]); err != nil {
			t.Fatal(err)
		}
		recs := readCSV(t, buf.Bytes())
		if _, rows := independentCounts(org, idleNow, 90); len(recs) != rows+1 {
			t.Errorf("%d CSV records, want a header and one per user and product: %d", len(recs), rows+1)
		}
		if diff := cmp.Diff(CSVHeader(), recs[0]); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
	})

	t.Run("a later report reuses the scan", func(t *testing.T) {
		rep, err := reports.Report(context.Background(), Options{Days: 120}, false,
			func() { t.Error("waited for a scan although one was cached") })
		if err != nil || rep.Days != 120 {
			t.Fatalf("report: %v", err)
		}
		if got := searches(); got != pages {
			t.Errorf("%d Admin API calls after a cached report, want still %d", got, pages)
		}
	})
}

// TestReport429MidScan: a rate limit a fifth of the way through is
// waited out as the server asks, and the report completes.
// TestReport429MidScan: a rate limit a fifth of the way through is
// waited out as the server asks, and the report completes.
func TestReport429MidScan(t *testing.T) {
	t.Parallel()
	org := atlassiantest.GenerateOrg(5_000, 11, idleNow)
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	want, _ := independentCounts(org, idleNow, 90)
	clk := &backofftest.Clock{}
	var once sync.Once
	reports := NewScanner(ScanConfig{Dir: adminClient(t, srv, atlassian.WithClock(clk)), Now: func() time.Time { return idleNow },
		OnProgress: func(n int) {
			if n >= 1_000 {
				// Runs between two pages on the scan's goroutine: the
				// very next request meets the rate limit.
				once.Do(func() { srv.Fail(atlassiantest.Failure{API: "admin", Status: 429, RetryAfter: "7", Times: 1}) })
			}
		}})
	defer reports.Close()
	rep, err := reports.Report(context.Background(), Options{Days: 90}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, reportCounts(rep)); diff != "" {
		t.Errorf("counts (-independent +report):\n%s", diff)
	}
	pages := (rep.Accounts + 99) / 100
	if got := srv.Count("admin", "/admin/v2/"); got != pages+1 {
		t.Errorf("%d calls, want %d pages + 1 rate-limited", got, pages)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, clk.Waits()); diff != "" {
		t.Errorf("waits (-want +got): the 429's Retry-After was not honoured\n%s", diff)
	}
	// And a fresh report scans again, whatever the cache.
	if _, err := reports.Report(context.Background(), Options{Days: 90}, true, nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.Count("admin", "/admin/v2/"); got != 2*pages+1 {
		t.Errorf("a fresh report made %d calls, want %d", got-pages-1, pages)
	}
}

// TestCSVEscaping: names from anyone's profile come back from a
// spreadsheet as the same text, never as a formula.
func TestCSVEscaping(t *testing.T) {
	t.Parallel()
	names := []struct{ in, want string }{
		{"Doe, John", "Doe, John"},
		{`Ann "The Hammer" Smith`, `Ann "The Hammer" Smith`},
		{"Two\nLines", "Two\nLines"},
		{"Carriage\r\nReturn", "Carriage\nReturn"}, // encoding/csv reads a quoted \r\n as \n
		{`=HYPERLINK("http://evil.example","click")`, `'=HYPERLINK("http://evil.example","click")`},
		{"+1 555 0100", "'+1 555 0100"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\n=1"}, // a lone \r is a line break, which the CSV writes as CRLF
		{"lone\rreturn", "lone\nreturn"},
		{"Zoë 名前", "Zoë 名前"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	var users []atlassian.OrgUser
	for i, n := range names {
		users = append(users, atlassian.OrgUser{AccountID: fmt.Sprintf("acc-%02d", i), Name: n.in, Email: "-" + n.in + "@example.com",
			AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(1000),
			Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1", Key: "confluence"}}})
	}
	rep := Build(users, Options{Days: 90, Now: idleNow})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.Bytes())
	if len(recs) != len(names)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(names)+1)
	}
	got := map[string][]string{}
	for _, r := range recs[1:] {
		got[r[2]] = r
	}
	for i, n := range names {
		r := got[fmt.Sprintf("acc-%02d", i)]
		if r == nil {
			t.Errorf("no row for %q", n.in)
			continue
		}
		if r[0] != n.want {
			t.Errorf("name %q came back as %q, want %q", n.in, r[0], n.want)
		}
		if !strings.HasPrefix(r[1], "'-") {
			t.Errorf("email %q not neutralised", r[1])
		}
		want := []string{"confluence", "s1 (unknown site)", "s1", "", "1000", "never used", "active"}
		if diff := cmp.Diff(want, r[3:]); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i, diff)
		}
	}
}

// readCSV checks the file form a spreadsheet needs (a UTF-8 byte-order
// mark, CRLF after every record) and parses what follows.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("the CSV does not start with a UTF-8 byte-order mark: %q", b[:min(len(b), 10)])
	}
	if !bytes.HasSuffix(rest, []byte("\r\n")) || bytes.Count(rest, []byte("\n")) != bytes.Count(rest, []byte("\r\n")) {
		t.Fatalf("the CSV has a line end other than CRLF: %q", rest)
	}
	recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, rest)
	}
	return recs
}

// TestCSVCellStaysText: values a spreadsheet would turn into a number
// that differs from the text, or run as a formula, get the apostrophe;
// numbers it reads exactly do not.
func TestCSVCellStaysText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"007", "'007"},
		{"0", "0"},
		{"00.5", "'00.5"},
		{"0.5", "0.5"},
		{"120", "120"},
		{"123456789012345", "123456789012345"},
		{"1234567890123456", "'1234567890123456"},
		{"12345678901234.56", "'12345678901234.56"},
		{"1E5", "'1E5"},
		{"2e-3", "'2e-3"},
		{"1e", "1e"},
		{"e5", "e5"},
		{"1.2.3", "1.2.3"},
		{"0x1F", "0x1F"},
		{"2026-11-24", "2026-11-24"},
		{"=1+2", "'=1+2"},
		{"\n=1", "'\n=1"},
		{"Zoë", "Zoë"},
		// Spreadsheets that trim a cell on import (LibreOffice's "Trim
		// spaces", Google Sheets) read what follows the spaces.
		{" =1+2", "' =1+2"},
		{"   @SUM(A1:A9)", "'   @SUM(A1:A9)"},
		{"\u00a0+1", "'\u00a0+1"},
		{" \t-1", "' \t-1"},
		{" Ada", " Ada"},
		{" 007", " 007"},
	}
	for _, tt := range tests {
		if got := CSVCell(tt.in); got != tt.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCSVRoundTrip(f *testing.F) {
	for _, s := range []string{"", "Doe, John", `"quoted"`, "a\nb", "=1+2", "@x", "-", "+", "\t", "\r\n", "\xff",
		"007", "1234567890123456", "1e5", "a\rb", "Zoë 名前", "'007"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, email string) {
		rep := &Report{Rows: []Row{{Name: name, Email: email, AccountID: "a", Key: "k", DaysIdle: -1, Verdict: VerdictNever}}}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, rep); err != nil {
			t.Fatal(err)
		}
		recs := readCSV(t, buf.Bytes())
		if len(recs) != 2 || len(recs[1]) != len(CSVHeader()) {
			t.Fatalf("records = %q", recs)
		}
		for i, cell := range recs[1][:2] {
			in := []string{name, email}[i]
			if cell != CSVCell(in) {
				t.Fatalf("cell %q came back as %q, want %q", in, cell, CSVCell(in))
			}
			// Nothing is lost: without the guard's apostrophe the cell is
			// the input, as valid UTF-8 with \n line breaks.
			norm := strings.ReplaceAll(strings.ToValidUTF8(in, "\uFFFD"), "\x00", "\uFFFD")
			norm = strings.ReplaceAll(strings.ReplaceAll(norm, "\r\n", "\n"), "\r", "\n")
			if cell != norm && "'"+norm != cell {
				t.Fatalf("cell %q came back as %q: more than a guard changed", in, cell)
			}
			if cell != "" && strings.ContainsRune(formulaStart, rune(cell[0])) {
				t.Fatalf("cell %q starts a formula", cell)
			}
			if lossyNumber(cell) {
				t.Fatalf("cell %q would be read as a number that changes it", cell)
			}
		}
	})
}

// smallOrg is the hand-made organisation whose report is checked in full
// (atlassiantest.SmallOrg), dated from idleNow.
func smallOrg() []atlassian.OrgUser { return atlassiantest.SmallOrg(idleNow) }

// TestScannerShutdown: Close stops a scan in flight; the report waiting
// for it ends with the cancellation, and nothing is left running (goleak
// checks the goroutines at the end of the package's tests).
func TestScannerShutdown(t *testing.T) {
	t.Parallel()
	reports := NewScanner(ScanConfig{Dir: gatedDir{atlassiantest.OrgUserList(smallOrg()), make(chan struct{})}})
	waiting := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := reports.Report(context.Background(), Options{}, false, func() { close(waiting) })
		done <- err
	}()
	<-waiting
	reports.Close()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := reports.Report(context.Background(), Options{}, false, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
}

// TestScannerLastWaiterLeaves: when everyone waiting for a scan gives up,
// the scan stops, and the next report starts a new one.
func TestScannerLastWaiterLeaves(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	ended := make(chan error, 2)
	dir := observedDir{gatedDir{atlassiantest.OrgUserList(smallOrg()), gate}, func(err error) { ended <- err }}
	reports := NewScanner(ScanConfig{Dir: dir, TTL: time.Hour})
	defer reports.Close()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := reports.Report(ctx, Options{}, false, cancel)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Errorf("the abandoned scan ended with %v, want context.Canceled", err)
	}
	close(gate)
	rep, err := reports.Report(context.Background(), Options{}, false, nil)
	if err != nil || rep.Accounts != len(smallOrg()) {
		t.Fatalf("second report: %v, %v", rep, err)
	}
	if err := <-ended; err != nil {
		t.Errorf("the second scan ended with %v", err)
	}
}

// observedDir reports how each scan ended.
type observedDir struct {
	dir  OrgDirectory
	done func(error)
}

func (o observedDir) OrgUsers(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	return func(yield func(atlassian.OrgUser, error) bool) {
		var last error
		defer func() { o.done(last) }()
		for u, err := range o.dir.OrgUsers(ctx, q) {
			last = err
			if !yield(u, err) {
				return
			}
		}
	}
}

// pausingDir yields the first `after` users, says so on reached, and
// waits for resume before the rest.
type pausingDir struct {
	users           []atlassian.OrgUser
	after           int
	reached, resume chan struct{}
}

func (d pausingDir) OrgUsers(ctx context.Context, _ atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	return func(yield func(atlassian.OrgUser, error) bool) {
		for i, u := range d.users {
			if i == d.after {
				d.reached <- struct{}{}
				select {
				case <-d.resume:
				case <-ctx.Done():
					yield(atlassian.OrgUser{}, ctx.Err())
					return
				}
			}
			if !yield(u, nil) {
				return
			}
		}
	}
}

// TestScannerProgress: a scan in flight says how many accounts it has
// read and, once one scan has finished, how many to expect.
func TestScannerProgress(t *testing.T) {
	t.Parallel()
	users := smallOrg()
	dir := pausingDir{users: users, after: 2, reached: make(chan struct{}), resume: make(chan struct{})}
	reports := NewScanner(ScanConfig{Dir: dir, Now: func() time.Time { return idleNow }})
	t.Cleanup(reports.Close)
	if p, ok := reports.Progress(); ok {
		t.Errorf("Progress before any scan = %+v, true", p)
	}
	for i, want := range []Progress{{Read: 2}, {Read: 2, Expected: len(users)}} {
		done := make(chan error, 1)
		go func() {
			_, err := reports.Report(context.Background(), Options{}, true, nil)
			done <- err
		}()
		<-dir.reached
		if p, ok := reports.Progress(); !ok || p != want {
			t.Errorf("scan %d: Progress = %+v, %v; want %+v, true", i+1, p, ok, want)
		}
		dir.resume <- struct{}{}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if p, ok := reports.Progress(); ok {
			t.Errorf("scan %d: Progress after it finished = %+v, true", i+1, p)
		}
	}
}

// TestBuildOneRowPerPersonProduct: an account whose productAccess names
// one product on one site twice (under jira and jira-software, or the same
// entry repeated) is one row and one seat, judged by its latest activity,
// not two seats of which one looks idle.
func TestBuildOneRowPerPersonProduct(t *testing.T) {
	t.Parallel()
	const site = "58d24034-e3ec-11ed-b5ea-0242ac120002"
	used := func(key string, days int) atlassian.ProductActivity {
		ts := daysAgo(days)
		return atlassian.ProductActivity{ID: "ari:cloud:" + key + "::site/" + site, Key: key, LastActiveTimestamp: ts,
			LastActive: time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)}
	}
	never := func(key string) atlassian.ProductActivity {
		return atlassian.ProductActivity{ID: "ari:cloud:" + key + "::site/" + site, Key: key}
	}
	users := []atlassian.OrgUser{
		{AccountID: "a1", Name: "Ada", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{used("jira", 200), used("jira-software", 2), used("confluence", 300), used("confluence", 300)}},
		{AccountID: "a2", Name: "Alan", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{never("jira-software"), used("jira", 120)}},
	}
	rep := Build(users, Options{Days: 90, Now: idleNow, Prices: Prices{"jira": 10}})
	type rowKey struct{ account, key, site string }
	got := map[rowKey]Verdict{}
	for _, r := range rep.Rows {
		k := rowKey{r.AccountID, r.Key, r.Site}
		if _, dup := got[k]; dup {
			t.Errorf("two rows for %+v", k)
		}
		got[k] = r.Verdict
	}
	want := map[rowKey]Verdict{
		{"a1", "jira-software", site}: VerdictActive,
		{"a1", "confluence", site}:    VerdictIdle,
		{"a2", "jira-software", site}: VerdictIdle,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if tot := rep.Totals(); tot.Seats != 3 || tot.Active != 1 || tot.Idle != 2 || tot.Never != 0 {
		t.Errorf("totals %+v; want 3 seats: 1 active, 2 idle, none never used", tot)
	}
	if cost, _ := rep.MonthlyCost(); cost != 10 {
		t.Errorf("monthly cost %v, want 10: one unused Jira seat", cost)
	}
}

// TestCSVSemicolonLocale: a spreadsheet whose locale separates lists with
// ";" (Excel in most of Europe) splits an unquoted field there when it
// opens a .csv, so a display name like "x;=cmd|' /C calc'!A0;y" would
// put a formula at the start of a cell of its own. Such fields are quoted,
// which that reader honours as well, and read back the same by a
// comma-separated reader.
func TestCSVSemicolonLocale(t *testing.T) {
	t.Parallel()
	names := []string{"x;=cmd|' /C calc'!A0;y", "a;+1+1", "b;-1+1", "c;@SUM(1+1)", "d\t=1+1", "plain;semicolon"}
	var users []atlassian.OrgUser
	for i, n := range names {
		users = append(users, atlassian.OrgUser{AccountID: fmt.Sprintf("acc-%02d", i), Name: n, Email: fmt.Sprintf("p%d;=1+1@example.com", i),
			AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(1000),
			Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1", Key: "confluence"}}})
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Build(users, Options{Days: 90, Now: idleNow})); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.Bytes())
	for i, r := range recs[1:] {
		if r[0] != names[i] && r[0] != CSVCell(names[i]) {
			t.Errorf("name %q came back as %q", names[i], r[0])
		}
	}
	rest := bytes.TrimPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
	semi := csv.NewReader(bytes.NewReader(rest))
	semi.Comma, semi.LazyQuotes, semi.FieldsPerRecord = ';', true, -1
	cells, err := semi.ReadAll()
	if err != nil {
		t.Fatalf("read with ';' as the separator: %v", err)
	}
	for _, rec := range cells {
		for _, c := range rec {
			if c != "" && strings.ContainsRune(formulaStart, rune(c[0])) {
				t.Errorf("read with ';' as the separator, a cell starts a formula: %q", c)
			}
		}
	}
}

type panicDir struct{}

func (panicDir) OrgUsers(context.Context, atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	return func(func(atlassian.OrgUser, error) bool) {
		var users []atlassian.OrgUser
		_ = users[7] // a decoding bug: index out of range
	}
}

type panicLister struct{}

func (panicLister) Workspaces(context.Context) ([]atlassian.Workspace, error) { panic("decoder bug") }

// TestScanPanicIsAFailedReport: a scan whose reading panics (a bug) fails
// the reports waiting for it, rather than the process (the scan runs on a
// goroutine of its own, which no caller could recover).
func TestScanPanicIsAFailedReport(t *testing.T) {
	reports := NewScanner(ScanConfig{Dir: panicDir{}, Now: func() time.Time { return idleNow }})
	defer reports.Close()
	if _, err := reports.Report(context.Background(), Options{}, false, nil); !errors.Is(err, recovered.ErrPanic) {
		t.Errorf("Report = %v, want recovered.ErrPanic", err)
	}
}

// TestSiteBookPanicKeepsTheSitesItKnows: a workspaces read that panics (in
// the shared flight, which x/sync/singleflight re-panics on a goroutine of
// its own) leaves the sites as they were, as a failed read does.
func TestSiteBookPanicKeepsTheSitesItKnows(t *testing.T) {
	book := NewSiteBook(panicLister{}, SiteBookOptions{})
	if s := book.Sites(context.Background()); s.Len() != 0 {
		t.Errorf("sites after a panicking read: %d", s.Len())
	}
}

// TestRowsNeverUsedWithoutAJoinDate: a never-used seat whose holder's
// join date Atlassian does not give (days idle unknown, -1) sorted below
// every active row of its product and site, at the very bottom of the
// CSV's block, as if it were the most recently used; it is a seat nobody
// has used, and goes first, beside the other seats idle longest.
func TestRowsNeverUsedWithoutAJoinDate(t *testing.T) {
	t.Parallel()
	const site = "ari:cloud:confluence::site/s1"
	used := func(days int) []atlassian.ProductActivity {
		return []atlassian.ProductActivity{{ID: site, Key: "confluence", LastActive: daysAgo(days), LastActiveTimestamp: daysAgo(days)}}
	}
	never := []atlassian.ProductActivity{{ID: site, Key: "confluence"}}
	person := func(id string, added time.Time, ps []atlassian.ProductActivity) atlassian.OrgUser {
		return atlassian.OrgUser{AccountID: id, AccountStatus: "active", MembershipStatus: "active", AddedToOrg: added, Products: ps}
	}
	rep := Build([]atlassian.OrgUser{
		person("active", daysAgo(900), used(5)),
		person("undated", time.Time{}, never),
		person("idle", daysAgo(900), used(200)),
		person("never", daysAgo(400), never),
	}, Options{Days: 90, Now: idleNow})
	var got []string
	for _, r := range rep.Rows {
		got = append(got, fmt.Sprintf("%s %s %d", r.AccountID, r.Verdict, r.DaysIdle))
	}
	want := []string{"undated never used -1", "never never used 400", "idle idle 200", "active active 5"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
