package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFreshAsPeopleTypeIt: "ada@example.com--fresh", the space left out,
// was read as the address "ada@example.com--fresh" (its domain's last
// label "com--fresh"), looked up in Atlassian and answered "not found";
// "-fresh", "fresh" and "--refresh" were refused as "not an email
// address". The first is the address with --fresh; the others say how
// --fresh is written.
func TestFreshAsPeopleTypeIt(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"ada@example.com--fresh", "ada@example.com--FRESH grace@example.com", "<mailto:ada@example.com|ada@example.com>--fresh grace@example.com"} {
		got, err := ParseCommand(text)
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		want := emails("ada@example.com")
		if strings.Contains(text, "grace") {
			want = emails("ada@example.com", "grace@example.com")
		}
		if d := cmp.Diff(Command{Kind: CmdLookup, Targets: want, Fresh: true}, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", text, d)
		}
	}
	for _, text := range []string{"ada@example.com -fresh", "ada@example.com fresh", "ada@example.com --refresh", "--Refresh ada@example.com", "ada@example.com -f"} {
		_, err := ParseCommand(text)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "--fresh") {
			t.Errorf("%q: %v, want it to say how --fresh is written", text, err)
		}
	}
}
