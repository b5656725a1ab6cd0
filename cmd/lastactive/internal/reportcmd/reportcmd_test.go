package reportcmd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastactive/atlassian"
	"lastactive/seat"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Params
		wantErr string
	}{
		{"defaults", nil, Params{}, ""},
		{"days and products", []string{"--idle-days", "30", "--product", "Confluence", "--product", "jira", "--product", "confluence", "--csv", "x.csv"},
			Params{Days: 30, Products: []string{"confluence", "jira"}, CSVPath: "x.csv"}, ""},
		{"aliases are one product", []string{"--product", "jira", "--product", "JIRA-SOFTWARE", "--product", "jira-software"},
			Params{Products: []string{"jira"}}, ""},
		{"zero days", []string{"--idle-days", "0"}, Params{}, "between 1 and 3650"},
		{"too many days", []string{"--idle-days", "3651"}, Params{}, "between 1 and 3650"},
		{"unknown product", []string{"--product", "nosuch"}, Params{}, "product key"},
		{"two in one flag", []string{"--product", "confluence loom"}, Params{}, "product key"},
		{"digits", []string{"--product", "90"}, Params{}, "product key"},
		{"stray argument", []string{"confluence"}, Params{}, "unexpected argument"},
		{"bad flag", []string{"--nope"}, Params{}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			got, err := Parse(tt.args, &stderr)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Params (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error()+stderr.String(), tt.wantErr) {
				t.Errorf("err %v, stderr %q; want ErrUsage mentioning %q", err, stderr.String(), tt.wantErr)
			}
		})
	}
}

// TestCSVPath: --csv names a file to write; what cannot be replaced by a
// new file (a directory, a pipe, a device) or is no file name at all is a
// usage error before the scan, and a symlink is written through, not
// replaced by a file of its own.
func TestCSVPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "old.csv")
	if err := os.WriteFile(file, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.csv")
	if err := os.Symlink(filepath.Join(dir, "nowhere", "x.csv"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path, wantErr string
	}{
		{"new file", filepath.Join(dir, "new.csv"), ""},
		{"existing file", file, ""},
		{"symlink to a file", link, ""},
		{"directory", dir, "not a regular file"},
		{"pipe", fifo, "not a regular file"},
		{"symlink to nowhere", dangling, "a link to nothing"},
		{"missing directory", filepath.Join(dir, "no", "x.csv"), "no such directory"},
		{"empty", "", "needs a file name"},
		{"dash", "-", "needs a file name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stderr strings.Builder
			_, err := Parse([]string{"--csv", c.path}, &stderr)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("err %v; want ErrUsage saying %q", err, c.wantErr)
			}
		})
	}
	// A directory the runner cannot write in is refused before the scan,
	// not after minutes of it. Root writes in any mode-0555 directory, so
	// /proc (where nobody creates files) stands in for it there.
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(readOnly, "x.csv"), "/proc/lastactive-report-test.csv"} {
		if f, err := os.CreateTemp(filepath.Dir(p), "probe"); err == nil {
			f.Close()
			os.Remove(f.Name())
			t.Logf("%s is writable here: case not run", filepath.Dir(p))
			continue
		}
		var stderr strings.Builder
		if _, err := Parse([]string{"--csv", p}, &stderr); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "cannot write") {
			t.Errorf("--csv %s in a directory nobody may write in: err %v, want ErrUsage saying it cannot write there", p, err)
		}
	}
	// A name as long as the file system allows (255 bytes) is a file name
	// like another: its temporary file beside it must fit too.
	long := filepath.Join(dir, strings.Repeat("x", 251)+".csv")
	if _, err := Parse([]string{"--csv", long}, new(strings.Builder)); err != nil {
		t.Errorf("--csv with a 255-byte name: %v", err)
	}
	if err := WriteCSVFile(long, &seat.Report{}); err != nil {
		t.Errorf("WriteCSVFile with a 255-byte name: %v", err)
	}
	// Someone else's link is not followed (a shared /tmp): root can make one.
	foreign := filepath.Join(dir, "foreign.csv")
	if err := os.Symlink(file, foreign); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(foreign, 65534, 65534); err == nil {
		var stderr strings.Builder
		if _, err := Parse([]string{"--csv", foreign}, &stderr); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "owned by another user") {
			t.Errorf("another user's link: err %v, want it refused", err)
		}
	} else {
		t.Logf("not root: the foreign-link case is not run (%v)", err)
	}
	// Written through the link: the link stays a link, its file is the CSV.
	if err := WriteCSVFile(link, &seat.Report{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(file); string(b) == "old" || len(b) == 0 {
		t.Errorf("the linked file holds %q, want the CSV", b)
	}
	if err := WriteCSVFile(fifo, &seat.Report{}); err == nil {
		t.Error("WriteCSVFile replaced a pipe")
	}
}

// TestSummaryCostsInTheCurrencysUnits: the summary's cost column wrote two
// decimals in every currency ("6450.00" yen, sen nobody pays; "12.35"
// Kuwaiti dinars, a fils short); it uses the currency's own minor units,
// as the Slack replies do.
func TestSummaryCostsInTheCurrencysUnits(t *testing.T) {
	for _, tc := range []struct {
		currency string
		price    float64
		want     []string
		not      []string
	}{
		{"JPY", 1290, []string{"6450"}, []string{"6450.00", "6,450.00"}},
		{"KWD", 2.4691, []string{"12.346"}, []string{"12.35 "}},
		{"USD", 8.6, []string{"43.00"}, nil},
	} {
		rep := &seat.Report{Days: 90, Currency: tc.currency, Groups: []seat.Group{
			{Key: "confluence", SiteName: "acme.atlassian.net", Seats: 9, Idle: 3, Never: 2, Price: tc.price, HasPrice: true},
		}}
		var b strings.Builder
		if err := WriteSummary(&b, rep); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: the summary lacks %q:\n%s", tc.currency, w, b.String())
			}
		}
		for _, n := range tc.not {
			if strings.Contains(b.String(), n) {
				t.Errorf("%s: the summary shows %q:\n%s", tc.currency, n, b.String())
			}
		}
	}
}

// TestSummaryNoSeatSaysWhatItCounts: the accounts counted apart include
// apps and Jira Service Management customers, which the summary called
// "deactivated or suspended".
func TestSummaryNoSeatSaysWhatItCounts(t *testing.T) {
	rep := &seat.Report{Days: 90, Accounts: 13, NoSeat: 2}
	var b strings.Builder
	if err := WriteSummary(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 deactivated, suspended, app or customer accounts hold no seat",
		"Deactivated and suspended accounts, apps and customers are not billed"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, b.String())
		}
	}
}

// TestSummaryCostSaysWhatItLeavesOut: the cost line covers the products
// with a price; the unused seats of one without (Jira Service Management
// below) were left out without a word.
func TestSummaryCostSaysWhatItLeavesOut(t *testing.T) {
	rep := &seat.Report{Days: 90, Currency: "USD", Groups: []seat.Group{
		{Key: "confluence", SiteName: "acme.atlassian.net", Seats: 9, Idle: 3, Never: 2, Price: 6.05, HasPrice: true},
		{Key: "jira-servicedesk", SiteName: "acme.atlassian.net", Seats: 4, Idle: 1, Never: 1},
	}}
	var b strings.Builder
	if err := WriteSummary(&b, rep); err != nil {
		t.Fatal(err)
	}
	if want := "not counting 2 unused seats of products with no price in LASTACTIVE_SEAT_PRICES"; !strings.Contains(b.String(), want) {
		t.Errorf("the summary lacks %q:\n%s", want, b.String())
	}
}

// TestSummaryNoSeatColumnSaysWhatItCounts: the line at the top counts
// accounts that hold no seat, the table's NO SEAT column their product
// access (one per product and site). For one deactivated account on two
// products the summary said "1 … account holds no seat" above a TOTAL of
// 2 in NO SEAT, with nothing to tell which was right.
func TestSummaryNoSeatColumnSaysWhatItCounts(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ken := atlassian.OrgUser{AccountID: "k", Name: "Ken", AccountStatus: "inactive", MembershipStatus: "active", AddedToOrg: now.AddDate(-3, 0, 0),
		Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1", Key: "confluence"}, {ID: "ari:cloud:jira-software::site/s1", Key: "jira-software"}}}
	rep := seat.Build([]atlassian.OrgUser{ken}, seat.Options{Days: 90, Now: now})
	if rep.NoSeat != 1 || rep.Totals().NoSeat != 2 {
		t.Fatalf("NoSeat %d, in the groups %d; want 1 account and 2 product accesses", rep.NoSeat, rep.Totals().NoSeat)
	}
	var b strings.Builder
	if err := WriteSummary(&b, rep); err != nil {
		t.Fatal(err)
	}
	if want := "NO SEAT counts product access, not accounts"; !strings.Contains(b.String(), want) {
		t.Errorf("the summary lacks %q:\n%s", want, b.String())
	}
}

// TestLongProductIsNotEchoed: a token pasted after --product went to
// stderr, the container's log, as the unknown key (its first 40
// characters, lower-cased). A value longer than any product key is now
// counted, not shown; a mistyped key is still shown.
func TestLongProductIsNotEchoed(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	_, err := Parse([]string{"--product=xoxb-1234567890-SECRETSECRETSECRET"}, &stderr)
	out := strings.ToLower(err.Error() + stderr.String())
	if !errors.Is(err, ErrUsage) || strings.Contains(out, "secret") || !strings.Contains(out, "34 characters, not shown") {
		t.Errorf("err %v, stderr %q; want the value counted, not shown", err, stderr.String())
	}
	stderr.Reset()
	_, err = Parse([]string{"--product", "jira-service-deskk"}, &stderr)
	if !strings.Contains(err.Error(), `"jira-service-deskk" is not a product key`) {
		t.Errorf("a mistyped key is not shown: %v", err)
	}
}

// TestSummaryTotalIsTheSumOfItsColumn: the TOTAL of the cost column, and
// the cost sentence under the table, were the unrounded sum rounded once,
// so with a price of more decimals than the currency has (8.6083 a month,
// an annual price divided by 12) Jira Software on two sites read 25.82 and
// 25.82 above a TOTAL of 51.65. Atlassian invoices each product and site
// as a line of its own; the total is now the sum of the lines as shown.
func TestSummaryTotalIsTheSumOfItsColumn(t *testing.T) {
	for _, tc := range []struct {
		currency string
		price    float64
		want     string // the TOTAL row's cost and the sentence's
		sentence string
	}{
		{"USD", 8.6083, "51.64", "USD 51.64"},
		{"JPY", 1290.5, "7744", "JPY 7,744"},
		{"USD", 6.05, "36.30", "USD 36.30"},
	} {
		rep := &seat.Report{Days: 90, Currency: tc.currency, PricesSet: true, Groups: []seat.Group{
			{Key: "jira-software", SiteName: "acme-eu.atlassian.net", Site: "s2", Seats: 5, Active: 2, Idle: 3, Price: tc.price, HasPrice: true},
			{Key: "jira-software", SiteName: "acme.atlassian.net", Site: "s1", Seats: 5, Active: 2, Idle: 2, Never: 1, Price: tc.price, HasPrice: true},
		}}
		var b strings.Builder
		if err := WriteSummary(&b, rep); err != nil {
			t.Fatal(err)
		}
		var column []string
		total := ""
		for _, l := range strings.Split(b.String(), "\n") {
			f := strings.Fields(l)
			switch {
			case len(f) > 0 && f[0] == "Jira":
				column = append(column, f[len(f)-1])
			case len(f) > 0 && f[0] == "TOTAL":
				total = f[len(f)-1]
			}
		}
		if len(column) != 2 || total != tc.want {
			t.Errorf("%s %v: the cost column %q above a TOTAL of %q; want a TOTAL of %s:\n%s", tc.currency, tc.price, column, total, tc.want, b.String())
		}
		if want := "cost about " + tc.sentence + " a month"; !strings.Contains(b.String(), want) {
			t.Errorf("%s %v: the summary lacks %q:\n%s", tc.currency, tc.price, want, b.String())
		}
	}
}

// TestIdleDaysAreDecimal: --idle-days was read by the flag package's Int,
// which takes Go's literals, so "030" (a manager padding to three digits)
// was octal, 24 days, with no word said; "090" was refused as a parse
// error; "0x10" reported on 16 days and "1_0" on 10. The number is read in
// decimal, as LASTACTIVE_IDLE_DAYS and /lastactive idle read it.
func TestIdleDaysAreDecimal(t *testing.T) {
	for _, tc := range []struct {
		arg     string
		want    int
		wantErr string
	}{
		{"90", 90, ""},
		{"030", 30, ""},
		{"090", 90, ""},
		{"010", 10, ""},
		{"+7", 7, ""},
		{"0x10", 0, "whole number"},
		{"0b11", 0, "whole number"},
		{"1_0", 0, "whole number"},
		{"1e3", 0, "whole number"},
		{"", 0, "whole number"},
		{"0", 0, "between 1 and 3650"},
		{"-5", 0, "between 1 and 3650"},
		{"3651", 0, "between 1 and 3650"},
		{"99999999999999999999", 0, "between 1 and 3650"},
	} {
		var stderr strings.Builder
		p, err := Parse([]string{"--idle-days", tc.arg}, &stderr)
		if tc.wantErr == "" {
			if err != nil || p.Days != tc.want {
				t.Errorf("--idle-days %q: %d days, err %v; want %d", tc.arg, p.Days, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, ErrUsage) || !strings.Contains(stderr.String(), tc.wantErr) {
			t.Errorf("--idle-days %q: %d days, err %v, stderr %q; want a usage error saying %q", tc.arg, p.Days, err, stderr.String(), tc.wantErr)
		}
		if strings.Contains(stderr.String(), "99999999999999999999") {
			t.Errorf("--idle-days %q: a long value is echoed: %q", tc.arg, stderr.String())
		}
	}
}
