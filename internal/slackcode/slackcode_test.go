package slackcode_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"lastactive/internal/slackcode"
)

func TestValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"invalid_auth", true},
		{"missing_scope", true},
		{"ratelimited", true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"token=xoxb-1-abc&user=U1", false},
		{"Authorization: Bearer xapp-1", false},
		{"Invalid_Auth", false},
	} {
		if got := slackcode.Valid(tc.in); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func Example() {
	fmt.Println(slackcode.Valid("invalid_auth"), slackcode.Valid("token=xoxb-echoed"))
	// Output: true false
}

// shape is the regexp Valid was, kept as its oracle.
var shape = regexp.MustCompile(`^[a-z0-9_.]{1,64}$`)

// FuzzValidAgreesWithItsRegexp: Valid, written out to keep no compiled
// regexp in the heap, says what the regexp said, byte for byte.
func FuzzValidAgreesWithItsRegexp(f *testing.F) {
	for _, s := range []string{"invalid_auth", "", "a", strings.Repeat("a", 64), strings.Repeat("a", 65), "ok\n", "é", "a-b", "A", "x.y_z9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := slackcode.Valid(s), shape.MatchString(s); got != want {
			t.Errorf("Valid(%q) = %v, the regexp %v", s, got, want)
		}
	})
}
