package slackcode_test

import (
	"fmt"
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
