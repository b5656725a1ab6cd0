package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestExemptDateBeforePunctuation: a date that ends a sentence ("on leave
// until 2027-01-31.") or is followed by a colon before the reason ("until
// 2027-01-31: on leave") was refused as "“2027-01-31.” is not a date",
// though it is one, as an address before a full stop is that address. The
// punctuation after a date is left; a date that is not one is still
// refused.
func TestExemptDateBeforePunctuation(t *testing.T) {
	t.Parallel()
	until := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) // the end of 2027-01-31
	for _, tc := range []struct {
		text   string
		reason string // "" for a usage error
		err    string
	}{
		{"exempt ada@example.com confluence on leave until 2027-01-31.", "on leave", ""},
		{"exempt ada@example.com confluence on leave until 2027-01-31!", "on leave", ""},
		{"exempt ada@example.com confluence until 2027-01-31: on leave", "on leave", ""},
		{"exempt ada@example.com confluence until 2027-01-31; on leave", "on leave", ""},
		{"exempt ada@example.com confluence until 2027-01-31. On leave.", "On leave.", ""},
		{"exempt ada@example.com confluence on leave until 2027-02-30.", "", "is not a date"},
		{"exempt ada@example.com confluence until 2027-01-3x: on leave", "", "is not a date"},
		{"exempt ada@example.com confluence until 2027-01-31. until 2027-03-01 x", "", "until twice"},
	} {
		cmd, err := ParseCommand(tc.text)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %+v, %v; want an error saying %q", tc.text, cmd.Exempt, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		want := ExemptArgs{Op: ExemptAdd, Email: "ada@example.com", Products: []string{"confluence"}, Until: until, Reason: tc.reason}
		if diff := cmp.Diff(want, cmd.Exempt); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.text, diff)
		}
	}
}
