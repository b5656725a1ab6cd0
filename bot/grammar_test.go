package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUsageErrorShowsTheFormOfItsCommand: a mistake in a subcommand is
// answered with that subcommand's form, not only with the lookup's: "idle
// ninety" said what was wrong and then "Usage: /lastactive EMAIL …", so the
// reader never saw how idle is written.
func TestUsageErrorShowsTheFormOfItsCommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, form string }{
		{"idle ninety", "/lastactive idle [DAYS] [PRODUCT …]"},
		{"idle 0", "/lastactive idle [DAYS] [PRODUCT …]"},
		{"IDLE 30 30", "/lastactive idle [DAYS] [PRODUCT …]"},
		{"audit", "/lastactive audit EMAIL"},
		{"audit ada@example.com grace@example.com", "/lastactive audit EMAIL"},
		{"digest now", "/lastactive digest"},
		{"exempt", "/lastactive exempt EMAIL PRODUCT… [until YYYY-MM-DD] REASON"},
		{"exempt ada@example.com confluence until tomorrow on leave", "/lastactive exempt EMAIL PRODUCT… [until YYYY-MM-DD] REASON"},
		{"exempt list now", "/lastactive exempt list"},
		{"exempt remove ada@example.com", "/lastactive exempt remove EMAIL PRODUCT…"},
		{"ada", "/lastactive EMAIL [EMAIL …] [--fresh]"},
	} {
		_, err := ParseCommand(tt.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseCommand(%q) = %v, want a *UsageError", tt.text, err)
			continue
		}
		got := messageText(t, RenderUsage(err))
		if !strings.Contains(got, tt.form) {
			t.Errorf("%q: the reply does not show the form %q:\n%s", tt.text, tt.form, got)
		}
		if tt.form != "/lastactive EMAIL [EMAIL …] [--fresh]" && strings.Contains(got, "/lastactive EMAIL") {
			t.Errorf("%q: the reply shows the lookup's form for another command:\n%s", tt.text, got)
		}
	}
}

// TestHelpExamplesWorkWhenPastedWhole: the help shows each example with
// the command's name, `/lastactive idle 90 …`; pasted whole after the
// slash command (or into the demo), the text starts with "/lastactive"
// again, which was refused as "not an email address".
func TestHelpExamplesWorkWhenPastedWhole(t *testing.T) {
	t.Parallel()
	section := sectionText(t, RenderHelp(), "help_examples")
	for _, ex := range helpExampleRe.FindAllStringSubmatch(section, -1) {
		text := strings.TrimSpace(ex[1])
		if strings.HasPrefix(text, "@") { // a mention: Slack sends <@U…>
			continue
		}
		want, err := ParseCommand(text)
		if err != nil {
			t.Fatalf("help example %q: %v", text, err)
		}
		for _, pasted := range []string{"/lastactive " + text, "/LastActive  " + text} {
			got, err := ParseCommand(pasted)
			if err != nil {
				t.Errorf("ParseCommand(%q): %v", pasted, err)
				continue
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseCommand(%q) differs from the example without the name (-want +got):\n%s", pasted, diff)
			}
		}
	}
	if got, err := ParseCommand("/lastactive"); err != nil || got.Kind != CmdHelp {
		t.Errorf(`ParseCommand("/lastactive") = %+v, %v; want help`, got, err)
	}
	// Only the command's own name, only in front.
	for _, text := range []string{"ada@example.com /lastactive", "/lastactiv ada@example.com", "/lastactive /lastactive ada@example.com"} {
		if _, err := ParseCommand(text); err == nil {
			t.Errorf("ParseCommand(%q) succeeded; want a usage error", text)
		}
	}
}

// TestEmailInQuotesOrBeforePunctuation: an address as people write it in a
// sentence or copy it from a document — in quotes, in brackets, before a
// full stop or a colon — is that address. Quoted, it was called "a name,
// not an email address"; with a full stop, "not a valid email address"
// (and Slack links the address and sends the full stop apart, which was
// refused as "“.” is not an email address").
func TestEmailInQuotesOrBeforePunctuation(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		`"ada@example.com"`,
		"“ada@example.com”",
		"'ada@example.com'",
		"‘ada@example.com’",
		"ada@example.com.",
		"ada@example.com:",
		"(ada@example.com)",
		"<mailto:ada@example.com|ada@example.com>.",
		"(<mailto:ada@example.com|ada@example.com>)",
		"“<mailto:ada@example.com|ada@example.com>”",
		`"ada@example.com" &lt;<mailto:ada@example.com|ada@example.com>&gt;`,
	} {
		got, err := ParseCommand(text)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", text, err)
			continue
		}
		if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails("ada@example.com")}, got); diff != "" {
			t.Errorf("ParseCommand(%q) (-want +got):\n%s", text, diff)
		}
	}
	got, err := ParseCommand(`"ada@example.com", 'grace@example.com'; (alan@example.com).`)
	if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com", "alan@example.com")}, got); err != nil || diff != "" {
		t.Errorf("a list in quotes and brackets: %v (-want +got):\n%s", err, diff)
	}
	// A list in single quotes: the first address opens the quote.
	got, err = ParseCommand(`'ada@example.com grace@example.com'`)
	if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}, got); err != nil || diff != "" {
		t.Errorf("a list in single quotes: %v (-want +got):\n%s", err, diff)
	}
	// An apostrophe is part of an address, and punctuation alone is no
	// address: still refused, as before.
	if got, err := ParseCommand("o'brien@example.com"); err != nil || got.Targets[0].Email != "o'brien@example.com" {
		t.Errorf("o'brien@example.com: %+v, %v", got, err)
	}
	for _, text := range []string{".", "ada.@example.com", "(ada)", `"Lovelace, Ada"`} {
		if _, err := ParseCommand(text); err == nil {
			t.Errorf("ParseCommand(%q) succeeded; want a usage error", text)
		}
	}
}

// TestExemptReasonKeepsWhatWasTyped: the reason is kept for the next
// person who reads it; the words of the command are split on commas and
// semicolons, and quotes dropped, so "on leave, back in March; ask "HR""
// was stored as "on leave back in March ask HR".
func TestExemptReasonKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, reason string }{
		{`exempt ada@example.com confluence on leave, back in March; ask "HR" first`, `on leave, back in March; ask "HR" first`},
		{"exempt ada@example.com jira, confluence until 2030-01-31 contract: 3 months, then review", "contract: 3 months, then review"},
		{"exempt ada@example.com confluence “writes the handbook”", "“writes the handbook”"},
		{"exempt ada@example.com confluence R&amp;D\n\tsees  &lt;b&gt;", "R&D sees <b>"},
	} {
		cmd, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tt.text, err)
			continue
		}
		if cmd.Exempt.Reason != tt.reason {
			t.Errorf("ParseCommand(%q): reason %q, want %q", tt.text, cmd.Exempt.Reason, tt.reason)
		}
	}
}

// TestMistypedProductIsNamed: a product key one or two letters off
// ("confluance", "jira-sofware") was answered with the list of all
// sixteen keys and no word of which one was meant.
func TestMistypedProductIsNamed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{"idle confluance", "Did you mean “confluence”?"},
		{"idle 30 Conflunce", "Did you mean “confluence”?"},
		{"idle jira-sofware", "Did you mean “jira-software”?"},
		{"idle jria", "Did you mean “jira”?"},
		{"exempt ada@example.com confluance on leave", "Did you mean “confluence”?"},
		{"exempt remove ada@example.com jira bitbuckett", "Did you mean “bitbucket”?"},
	} {
		_, err := ParseCommand(tt.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseCommand(%q) = %v, want a *UsageError", tt.text, err)
			continue
		}
		if !strings.Contains(ue.Reason, tt.want) {
			t.Errorf("ParseCommand(%q): %q does not say %q", tt.text, ue.Reason, tt.want)
		}
	}
	// Nothing close: no guess.
	for _, text := range []string{"idle ninety", "idle days", "idle ab", "exempt ada@example.com because"} {
		_, err := ParseCommand(text)
		if err == nil || strings.Contains(err.Error(), "Did you mean") {
			t.Errorf("ParseCommand(%q) = %v; want an error without a guess", text, err)
		}
	}
}
