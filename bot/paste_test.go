package bot

import (
	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"
)

// TestHelpAsPeopleAskForIt: "?" alone was answered "There is no email
// address in that command; try /lastactive help.", and "help?", "Help!"
// or a phone's "—help" were "not an email address": someone asking how
// the command works was told to ask how it works.
func TestHelpAsPeopleAskForIt(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"?", " ? ", "??", "？", "help?", "Help!", "HELP.", "-h", "--help", "—help", "–help", "—HELP"} {
		got, err := ParseCommand(text)
		if err != nil || got.Kind != CmdHelp {
			t.Errorf("ParseCommand(%q) = %+v, %v; want help", text, got, err)
		}
	}
	// Still not help: a word that only starts like it.
	for _, text := range []string{"helpdesk@example.com", "helper", "?help", "help?me"} {
		if got, err := ParseCommand(text); err == nil && got.Kind == CmdHelp {
			t.Errorf("ParseCommand(%q) is help", text)
		}
	}
}

// TestQuotedListOfAddresses: a list copied from a CSV cell or a document,
// "ada@example.com, grace@example.com", was refused as “… is a name, not
// an email address”: the reply called two addresses a name, and nobody
// was looked up.
func TestQuotedListOfAddresses(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		`"ada@example.com, grace@example.com"`,
		"“ada@example.com grace@example.com”",
		"\"ada@example.com;\ngrace@example.com\"",
		`"ada@example.com, <mailto:grace@example.com|grace@example.com>"`,
	} {
		wantLookup(t, text, "ada@example.com", "grace@example.com")
	}
	// A name is still a name, even beside an address.
	for _, text := range []string{`"Lovelace, Ada"`, `"Ada Lovelace, ada@example.com"`, `"ada@example.com, Grace"`} {
		if _, err := ParseCommand(text); err == nil {
			t.Errorf("ParseCommand(%q) succeeded; want a usage error", text)
		}
	}
}

// TestAddressInGermanOrFrenchQuotes: an address quoted as German, Swiss or
// French text quotes it („…“, «…», ‚…‘, ‹…›) was refused as “„ada@…” is
// not a valid email address”, though English quotes around it are dropped.
func TestAddressInGermanOrFrenchQuotes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"„ada@example.com“", []string{"ada@example.com"}},
		{"«ada@example.com»", []string{"ada@example.com"}},
		{"« ada@example.com »", []string{"ada@example.com"}},
		{"»ada@example.com«", []string{"ada@example.com"}},
		{"‚ada@example.com‘", []string{"ada@example.com"}},
		{"‹ada@example.com›", []string{"ada@example.com"}},
		{"„ada@example.com“, „grace@example.com“", []string{"ada@example.com", "grace@example.com"}},
		{"«<mailto:ada@example.com|ada@example.com>»", []string{"ada@example.com"}},
	} {
		wantLookup(t, tt.text, tt.want...)
	}
	for _, text := range []string{"«»", "„Lovelace, Ada“", "«ada»"} {
		if _, err := ParseCommand(text); err == nil {
			t.Errorf("ParseCommand(%q) succeeded; want a usage error", text)
		}
	}
}

// TestBracketedAddressEndingASentence: "Ada <ada@example.com>." typed in
// Slack arrives as "Ada &lt;ada@example.com&gt;."; the full stop (or a
// bracket around it) made it "“<ada@example.com>.” is not a valid email
// address", though the same address without brackets, or in a terminal,
// was read.
func TestBracketedAddressEndingASentence(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"Ada &lt;ada@example.com&gt;.",
		"(&lt;ada@example.com&gt;)",
		"Ada Lovelace (&lt;ada@example.com&gt;)",
		"\"Lovelace, Ada\" &lt;ada@example.com&gt;!",
	} {
		wantLookup(t, text, "ada@example.com")
	}
	wantLookup(t, "Ada &lt;ada@example.com&gt;, Grace &lt;grace@example.com&gt;.", "ada@example.com", "grace@example.com")
	if _, err := ParseCommand("Ada &lt;ada@example&gt;."); err == nil {
		t.Errorf(`ParseCommand("Ada &lt;ada@example&gt;.") succeeded; want a usage error`)
	}
}

// TestListTypedWithAnEastAsianInputMethod: a list separated by the
// full-width comma or semicolon, or the ideographic comma, that Chinese
// and Japanese input methods type, was one "not a valid email address";
// an address typed with the full-width ＠ was "not an email address; try
// /lastactive help", which does not say what is wrong with it.
func TestListTypedWithAnEastAsianInputMethod(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"ada@example.com，grace@example.com",
		"ada@example.com、grace@example.com",
		"ada@example.com；grace@example.com；",
		"ada@example.com\u3000grace@example.com",
	} {
		wantLookup(t, text, "ada@example.com", "grace@example.com")
	}
	// The sentence's own punctuation, as that input method types it.
	for _, text := range []string{
		"ada@example.com。",
		"（ada@example.com）",
		"「ada@example.com」",
		"『ada@example.com』",
		"【ada@example.com】",
		"ada@example.com！",
		"ada@example.com：",
	} {
		wantLookup(t, text, "ada@example.com")
	}
	wantLookup(t, "「ada@example.com」、「grace@example.com」。", "ada@example.com", "grace@example.com")
	// The full-width angle brackets that input method types around an
	// address are the brackets of "Ada Lovelace <ada@example.com>".
	for _, text := range []string{
		"＜ada@example.com＞",
		"＜ ada@example.com ＞",
		"Ada Lovelace ＜ada@example.com＞",
		"“Lovelace, Ada” ＜ada@example.com＞。",
	} {
		wantLookup(t, text, "ada@example.com")
	}
	wantLookup(t, "Ada ＜ada@example.com＞、Grace ＜grace@example.com＞", "ada@example.com", "grace@example.com")
	if _, err := ParseCommand("Ada ＜ada@example＞"); err == nil || !strings.Contains(err.Error(), "not a valid email") {
		t.Errorf(`ParseCommand("Ada ＜ada@example＞") = %v; want "not a valid email address"`, err)
	}
	_, err := ParseCommand("ada＠example.com")
	if err == nil || !strings.Contains(err.Error(), "full-width ＠") {
		t.Errorf(`ParseCommand("ada＠example.com") = %v; want a word on the full-width ＠`, err)
	}
}

// TestMailtoCopiedAsText: "Copy link" on an address in a mail client or a
// web page gives "mailto:ada@example.com"; pasted as text (Slack links
// only what it recognises), it was "not a valid email address".
func TestMailtoCopiedAsText(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"mailto:ada@example.com", "MAILTO:Ada@Example.com", "mailto:ada@example.com, mailto:grace@example.com"} {
		got, err := ParseCommand(text)
		if err != nil || len(got.Targets) == 0 || got.Targets[0].Email != "ada@example.com" {
			t.Errorf("ParseCommand(%q) = %+v, %v; want ada@example.com", text, got, err)
		}
	}
	for _, text := range []string{"mailto:", "mailto:ada", "mailto:ada@example.com?subject=hi"} {
		if _, err := ParseCommand(text); err == nil {
			t.Errorf("ParseCommand(%q) succeeded; want a usage error", text)
		}
	}
}

// TestQuestionMarkBeforeAnAddressIsNotHelp: a word of punctuation beside
// an address is dropped, and "? ada@example.com" looked Ada up; once "?"
// alone became help, the same text answered with the help and looked
// nobody up, the address dropped without a word.
func TestQuestionMarkBeforeAnAddressIsNotHelp(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"? ada@example.com",
		"?? <mailto:ada@example.com|ada@example.com>",
		"?<@U0ADA>",
		".? ada@example.com",
		"？ ada@example.com", // the full-width one an East Asian input method types
		"？？<@U0ADA>",
	} {
		got, err := ParseCommand(text)
		if err != nil || got.Kind != CmdLookup || len(got.Targets) != 1 {
			t.Errorf("ParseCommand(%q) = %+v, %v; want a lookup of one person", text, got, err)
		}
	}
	// Still help: the question mark alone, or help asked with one.
	for _, text := range []string{"?", "?? ", "help? ada@example.com"} {
		if got, err := ParseCommand(text); err != nil || got.Kind != CmdHelp {
			t.Errorf("ParseCommand(%q) = %+v, %v; want help", text, got, err)
		}
	}
}

// wantLookup checks that text parses as a lookup of exactly these people.
func wantLookup(t *testing.T, text string, want ...string) {
	t.Helper()
	got, err := ParseCommand(text)
	if err != nil {
		t.Errorf("ParseCommand(%q): %v", text, err)
		return
	}
	if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails(want...)}, got); diff != "" {
		t.Errorf("ParseCommand(%q) (-want +got):\n%s", text, diff)
	}
}
