package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRefreshValue: a Refresh button carries whom its answer did not look
// up and which lines it skipped, within Slack's 2,000 bytes less the seal's
// room, counting what it has no room for; a value made before (emails only)
// still opens, and one altered is refused.
func TestRefreshValue(t *testing.T) {
	t.Parallel()
	ten := numbered(10)
	var ninety []Target
	for i := range 90 {
		ninety = append(ninety, Target{Email: fmt.Sprintf("firstname.middlename.lastname%02d@example-corporation.com", i)})
	}
	for _, tt := range []struct {
		name  string
		v     View
		carry int // of v.NotLookedUp, the rest counted
	}{
		{"nobody else", View{}, 0},
		{"two and a mention", View{NotLookedUp: []Target{{Email: "ada@example.com"}, {UserID: "U0GRACE"}}}, 2},
		{"skipped lines", View{Skipped: []SkippedLine{{1, "“email”"}, {4, "“Grace Hopper”"}}}, 0},
		{"ninety long addresses", View{NotLookedUp: ninety, Skipped: []SkippedLine{{1, "“Email”"}}}, 30},
		{"seven skipped lines", View{Skipped: []SkippedLine{{1, "a"}, {2, "b"}, {3, "c"}, {5, "d"}, {8, "e"}, {13, "f"}, {21, "g"}}}, 0},
	} {
		value := RefreshValue(ten, tt.v)
		if len(value) > maxButtonValue-buttonValueRoom {
			t.Errorf("%s: value of %d bytes, more than %d", tt.name, len(value), maxButtonValue-buttonValueRoom)
		}
		emails, extra, err := ParseRefreshValue(value)
		if err != nil {
			t.Errorf("%s: ParseRefreshValue(%q): %v", tt.name, value, err)
			continue
		}
		want := View{NotLookedUp: tt.v.NotLookedUp[:tt.carry], MoreNotLookedUp: len(tt.v.NotLookedUp) - tt.carry}
		for i, l := range tt.v.Skipped {
			if i < maxSkippedCarried {
				want.Skipped = append(want.Skipped, SkippedLine{Line: l.Line}) // by number only
			} else {
				want.MoreSkipped++
			}
		}
		if diff := cmp.Diff(ten, emails); diff != "" {
			t.Errorf("%s: emails (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(want, extra, cmp.Comparer(func(a, b View) bool {
			return cmp.Equal(a.NotLookedUp, b.NotLookedUp) && cmp.Equal(a.Skipped, b.Skipped) &&
				a.MoreNotLookedUp == b.MoreNotLookedUp && a.MoreSkipped == b.MoreSkipped
		})); diff != "" {
			t.Errorf("%s: carried (-want +got):\n%+v\n%+v", tt.name, want, extra)
		}
		// What the refreshed answer says: as many named, the rest counted.
		if tt.name == "ninety long addresses" {
			if got := notLookedUp(nil, extra.MoreNotLookedUp); !strings.Contains(got, "60 more") {
				t.Errorf("%s: %s", tt.name, got)
			}
		}
	}
	for _, bad := range []string{
		"ada@example.com|", "ada@example.com||", "ada@example.com|ada@example.com|", "ada@example.com|grace@example.com|1|2",
		"ada@example.com|Grace@example.com|", "ada@example.com|@u0grace|", "ada@example.com||0", "ada@example.com||4 1",
		"ada@example.com|+0|", "ada@example.com|grace@example.com +1 +1|", "ada@example.com| grace@example.com|", "|grace@example.com|",
		"ada@example.com||1 2 3 4 5 6", "ada@example.com||01", "ada@example.com|@|",
		// A Slack user whose email was not read comes after the emails, once.
		"@U0GRACE ada@example.com", "ada@example.com @U0GRACE @U0GRACE", "ada@example.com @u0grace", "ada@example.com @",
		"ada@example.com @U0GRACE|@U0GRACE|",
	} {
		if _, _, err := ParseRefreshValue(bad); err == nil {
			t.Errorf("ParseRefreshValue(%q) accepted it", bad)
		}
	}
}

// FuzzParseRefreshValue: a Refresh value either parses to what
// RefreshValue would have made of it, or is refused.
func FuzzParseRefreshValue(f *testing.F) {
	for _, s := range []string{
		"ada@example.com", "ada@example.com|grace@example.com @U0GRACE +3|1 4", "ada@example.com|+90|", "ada@example.com||+7",
		"ada@example.com||1 2 3 4 5 +2", "ada@example.com|ada@example.com|", "ada@example.com||01",
		"ada@example.com @U0GRACE", "@U0GRACE", "@U0GRACE|zed@example.com|", "@U0GRACE ada@example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		emails, extra, err := ParseRefreshValue(v)
		if err != nil {
			return
		}
		if got := RefreshValue(emails, extra); got != v && len(v) <= maxButtonValue-buttonValueRoom-2*len("|+99999") {
			t.Fatalf("ParseRefreshValue(%q) accepted a value RefreshValue would write as %q", v, got)
		}
		mustCheck(t, RenderLookup([]Person{{Query: emails[0]}}, extra))
	})
}

// TestRefreshValueCarriesSlackUsersWithoutEmail: a mention whose email was
// not read is carried as "@U…" after the emails, and read back as such, so
// that Refresh asks Slack again; ButtonValue (Share) still carries none.
func TestRefreshValueCarriesSlackUsersWithoutEmail(t *testing.T) {
	t.Parallel()
	people := []string{"ada@example.com", "@U0GRACE", "grace@example.com"}
	value := RefreshValue(people, View{NotLookedUp: []Target{{Email: "zed@example.com"}}})
	if want := "ada@example.com grace@example.com @U0GRACE|zed@example.com|"; value != want {
		t.Fatalf("RefreshValue = %q, want %q", value, want)
	}
	emails, extra, err := ParseRefreshValue(value)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ada@example.com", "grace@example.com", "@U0GRACE"}, emails); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
	if len(extra.NotLookedUp) != 1 || extra.NotLookedUp[0].Email != "zed@example.com" {
		t.Errorf("not looked up: %+v", extra.NotLookedUp)
	}
	if got := ButtonValue(people); got != "ada@example.com grace@example.com" {
		t.Errorf("ButtonValue = %q: a Share carries emails only", got)
	}
}
