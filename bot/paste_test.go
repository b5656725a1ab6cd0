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

// TestQuotedNameWithItsAddress: a quoted cell holding a display name and
// its address (a CSV cell, "Lovelace, Ada <ada@example.com>", which Slack
// sends with &lt; &gt; or its mailto link), read whole without the quotes,
// was refused as "“Lovelace, Ada <ada@example.com>” is a name, not an email
// address; paste it with its address": the address was there. So was a
// quoted list whose second person came with a name. The quotes' inside is
// read as the same text without them is.
func TestQuotedNameWithItsAddress(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text string
		want []string
	}{
		{`"Lovelace, Ada &lt;ada@example.com&gt;"`, []string{"ada@example.com"}},
		{`"Ada Lovelace &lt;ada@example.com&gt;"`, []string{"ada@example.com"}},
		{`"Lovelace, Ada &lt;<mailto:ada@example.com|ada@example.com>&gt;"`, []string{"ada@example.com"}},
		{`"ada@example.com, Grace Hopper &lt;grace@example.com&gt;"`, []string{"ada@example.com", "grace@example.com"}},
		{`"ada@example.com, &lt;grace@example.com&gt;"`, []string{"ada@example.com", "grace@example.com"}},
		{"Ada\t\"Lovelace, Ada &lt;ada@example.com&gt;\"\nGrace\tgrace@example.com", []string{"ada@example.com", "grace@example.com"}},
	} {
		wantLookup(t, tt.text, tt.want...)
	}
	// A name alone in quotes, or beside an address it does not bracket,
	// is still refused as a name.
	for _, text := range []string{`"Lovelace, Ada"`, `"Ada Lovelace, ada@example.com"`, `"Lovelace, Ada &lt;"`} {
		if _, err := ParseCommand(text); err == nil || !strings.Contains(err.Error(), "is a name") {
			t.Errorf("ParseCommand(%q) = %v; want the name refusal", text, err)
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

// TestSpreadsheetRows: a column or two copied from a spreadsheet was
// refused whole. Its header row (`email`, `Email address`, `name,email`)
// was "“email” is not an email address", and a name cell beside each
// address (name<TAB>email, `Ada Lovelace,ada@…`, a quoted `"Lovelace,
// Ada"`) was "“Ada” is not an email address": nobody was looked up. Each
// line of a paste is now a row: its address is looked up, its name cells
// are not addresses and are left, and a line with no address in it is
// skipped and named in the reply. A word that claims to be an address and
// is not still refuses the paste, as one typed alone does.
func TestSpreadsheetRows(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		want       []string
		skipped    []SkippedLine
	}{
		{"header", "email\nada@example.com\ngrace@example.com", []string{"ada@example.com", "grace@example.com"}, []SkippedLine{{1, "“email”"}}},
		{"header of two words, CRLF", "Email address\r\nada@example.com\r\n", []string{"ada@example.com"}, []SkippedLine{{1, "“Email address”"}}},
		{"csv with a header", "name,email\nAda Lovelace,ada@example.com\nGrace Hopper,grace@example.com", []string{"ada@example.com", "grace@example.com"}, []SkippedLine{{1, "“name,email”"}}},
		{"tab-separated, CRLF, empty cells", "Name\tEmail\t\t\r\nAda Lovelace\tada@example.com\t\t\r\nGrace Hopper\tgrace@example.com\t\t\r\n", []string{"ada@example.com", "grace@example.com"}, []SkippedLine{{1, "“Name Email”"}}},
		{"quoted name cells", "\"Lovelace, Ada\"\tada@example.com\n\"Hopper, Grace\"\tgrace@example.com", []string{"ada@example.com", "grace@example.com"}, nil},
		{"linked by Slack, non-breaking spaces", "Ada\u00a0Lovelace\t<mailto:ada@example.com|ada@example.com>\nGrace\u00a0Hopper\t<mailto:GRACE@example.com|GRACE@example.com>", []string{"ada@example.com", "grace@example.com"}, nil},
		{"one row with a tab", "Ada Lovelace\tada@example.com\t", []string{"ada@example.com"}, nil},
		{"a row without an address, duplicates in other case", "email\nada@example.com\nGrace Hopper\nADA@Example.com", []string{"ada@example.com"}, []SkippedLine{{1, "“email”"}, {3, "“Grace Hopper”"}}},
		{"name and mailto from a mail client", "Name\nAda Lovelace <ada@example.com>\n\"Hopper, Grace\" <grace@example.com>", []string{"ada@example.com", "grace@example.com"}, []SkippedLine{{1, "“Name”"}}},
		{"a header that holds a token pasted by mistake", "xoxb-1234567890123-1234567890123-AbCdEfGh\nada@example.com", []string{"ada@example.com"}, []SkippedLine{{1, "That text"}}},
		// quote looks at the first 40 characters: a token past them is cut
		// short enough to pass it.
		{"a token cut short", "Name Email Phone Department Team xoxb-1234567890123-1234567890123-AbCdEfGh\nada@example.com", []string{"ada@example.com"}, []SkippedLine{{1, "That text"}}},
	} {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("%s: ParseCommand(%q): %v", tt.name, tt.text, err)
			continue
		}
		if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails(tt.want...), Skipped: tt.skipped}, got); diff != "" {
			t.Errorf("%s: ParseCommand(%q) (-want +got):\n%s", tt.name, tt.text, diff)
		}
	}
	// Still refused: nothing to look up, a line typed (not pasted) with a
	// name, and a word that claims to be an address but is not one, which
	// is named rather than skipped.
	for _, tt := range []struct{ text, want string }{
		{"email\nname", "“email” is not an email address"},
		{"Ada Lovelace ada@example.com", "“Ada” is not an email address"},
		{"email\nada@example,com\ngrace@example.com", "“ada@example” is not a valid email address"},
		{"Ada\tada@exämple.com\ngrace@example.com", "“ä” is not plain ASCII"},
		{"Ada\t@grace\nada@example.com", "“@grace” is plain text, not a Slack mention"},
	} {
		_, err := ParseCommand(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCommand(%q) = %v; want an error with %q", tt.text, err, tt.want)
		}
	}
}

// TestPastedTableWhoseFirstCellIsASubcommand: a table copied from a
// spreadsheet whose first cell happened to be "Idle", "Audit", "Help",
// "Digest" or "Exempt" (a status column, a header row) was read as that
// subcommand: refused as an idle report ("ada@example.com is neither a
// number of days…"), answered with the help, or, for "Exempt", an exemption
// of the first row's person with the rest of the paste as its reason. A text
// with a tab (Slack's box does not type one) and people on several lines,
// or a header over them that the subcommand refuses, is a paste. Typed by
// hand, or one row alone, the subcommand is read as the contract's grammar
// says.
func TestPastedTableWhoseFirstCellIsASubcommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		want       []string
		skipped    []SkippedLine
	}{
		{"a status column", "Idle\tada@example.com\nActive\tgrace@example.com", []string{"ada@example.com", "grace@example.com"}, nil},
		{"a status column, CRLF, linked", "idle\t<mailto:ada@example.com|ada@example.com>\r\nidle\t<mailto:grace@example.com|grace@example.com>\r\n", []string{"ada@example.com", "grace@example.com"}, nil},
		{"help", "Help\tada@example.com\nHelp\tgrace@example.com", []string{"ada@example.com", "grace@example.com"}, nil},
		{"digest", "Digest\tada@example.com\nDigest\tgrace@example.com", []string{"ada@example.com", "grace@example.com"}, nil},
		{"rows of exemptions", "Exempt\tada@example.com\tconfluence\ton leave\nExempt\tgrace@example.com\tjira\ton leave", []string{"ada@example.com", "grace@example.com"}, nil},
		{"a header over several", "Audit\tEmail\nAda Lovelace\tada@example.com\nGrace Hopper\tgrace@example.com", []string{"ada@example.com", "grace@example.com"}, []SkippedLine{{1, "“Audit Email”"}}},
		{"a header over one", "Audit\tEmail\nAda Lovelace\tada@example.com", []string{"ada@example.com"}, []SkippedLine{{1, "“Audit Email”"}}},
		{"a help header over one", "Help\tEmail\r\nAda Lovelace\tada@example.com\r\n", []string{"ada@example.com"}, []SkippedLine{{1, "“Help Email”"}}},
		{"idle header, --fresh", "Idle\tEmail\nAda\tada@example.com\n--fresh", []string{"ada@example.com"}, []SkippedLine{{1, "“Idle Email”"}}},
	} {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("%s: ParseCommand(%q): %v", tt.name, tt.text, err)
			continue
		}
		want := Command{Kind: CmdLookup, Targets: emails(tt.want...), Skipped: tt.skipped, Fresh: strings.Contains(tt.text, "--fresh")}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: ParseCommand(%q) (-want +got):\n%s", tt.name, tt.text, diff)
		}
	}

	// Still the subcommand: typed by hand (no tab), on several lines or
	// one, and a single row with a tab, which is the contract's grammar.
	for _, tt := range []struct {
		text string
		kind CommandKind
	}{
		{"idle 90 confluence", CmdIdle},
		{"idle\n90\nconfluence", CmdIdle},
		{"idle\t90", CmdIdle},
		{"audit ada@example.com", CmdAudit},
		{"audit\tada@example.com", CmdAudit},
		{"audit\nada@example.com\n", CmdAudit},
		{"digest", CmdDigest},
		{"help", CmdHelp},
		{"help\tada@example.com", CmdHelp},
		{"exempt ada@example.com confluence on leave\nuntil she is back", CmdExempt},
		{"exempt\tada@example.com\tconfluence\ton leave", CmdExempt},
		// A reason with a tab, over two lines, but one person: the
		// exemption, which parses, is kept.
		{"exempt ada@example.com confluence on leave\t\nuntil she is back", CmdExempt},
	} {
		got, err := ParseCommand(tt.text)
		if err != nil || got.Kind != tt.kind {
			t.Errorf("ParseCommand(%q) = kind %v, %v; want kind %v", tt.text, got.Kind, err, tt.kind)
		}
	}
	// A subcommand's own mistake typed by hand is still its own refusal.
	for _, tt := range []struct{ text, want string }{
		{"idle ada@example.com", "is neither a number of days"},
		{"idle\tada@example.com", "is neither a number of days"},
		// A bad address in a paste is named as the paste's mistake.
		{"Idle\tada@example,com\nIdle\tgrace@example.com", "“ada@example” is not a valid email address"},
	} {
		_, err := ParseCommand(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCommand(%q) = %v; want an error with %q", tt.text, err, tt.want)
		}
	}
}

// TestQuotedListNamesItsBadAddress: a quoted list of addresses (a CSV cell)
// with one that is not an address was refused as a name: "“ada@example.com,
// grace.hopper” is a name, not an email address; paste it with its
// address", which sent the manager looking for a name that was not there.
// A quoted text whose first word is an address is a list: the refusal names
// the word that is not one. A quoted name is still refused as a name.
func TestQuotedListNamesItsBadAddress(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{`"ada@example.com, grace.hopper"`, "“grace.hopper” is not an email address"},
		{`"ada@example.com, grace@example,com"`, "“grace@example” is not a valid email address"},
		{"Ada\t\"ada@example.com, grace.hopper\"\nGrace\tgrace@example.com", "“grace.hopper” is not an email address"},
		{`"Lovelace, Ada"`, "“Lovelace, Ada” is a name, not an email address"},
		{`"Ada Lovelace, ada@example.com"`, "“Ada Lovelace, ada@example.com” is a name, not an email address"},
	} {
		_, err := ParseCommand(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCommand(%q) = %v; want an error with %q", tt.text, err, tt.want)
		}
	}
}

// TestAddressWithACommentAfterIt: some mail clients copy an address with
// the name after it in brackets, RFC 5322's comment: `ada@example.com (Ada
// Lovelace)`. It was refused, quoted or not, as "“(Ada” is not an email
// address". A bracketed comment after an address is a name, and left; one
// that holds an '@', or that nothing closes, is still read word by word.
func TestAddressWithACommentAfterIt(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		want       []string
	}{
		{"plain", "ada@example.com (Ada Lovelace)", []string{"ada@example.com"}},
		{"quoted", `"ada@example.com (Ada Lovelace)"`, []string{"ada@example.com"}},
		{"a list", "ada@example.com (Ada Lovelace), grace@example.com (Grace Hopper)", []string{"ada@example.com", "grace@example.com"}},
		{"a quoted list", `"ada@example.com (Ada Lovelace), grace@example.com (Grace)"`, []string{"ada@example.com", "grace@example.com"}},
		{"one word", "ada@example.com (Ada)", []string{"ada@example.com"}},
		{"linked by Slack", "<mailto:ada@example.com|ada@example.com> (Ada Lovelace)", []string{"ada@example.com"}},
		{"full stop after", "ada@example.com (Ada Lovelace).", []string{"ada@example.com"}},
		{"rows", "ada@example.com (Ada Lovelace)\ngrace@example.com (Grace Hopper)", []string{"ada@example.com", "grace@example.com"}},
		{"an address in brackets is no comment", "ada@example.com (grace@example.com)", []string{"ada@example.com", "grace@example.com"}},
	} {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("%s: ParseCommand(%q): %v", tt.name, tt.text, err)
			continue
		}
		if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails(tt.want...)}, got); diff != "" {
			t.Errorf("%s: ParseCommand(%q) (-want +got):\n%s", tt.name, tt.text, diff)
		}
	}
	// Not a comment after an address: still refused.
	for _, tt := range []struct{ text, want string }{
		{"(Ada Lovelace) ada@example.com", "“(Ada” is not an email address"},
		{"ada@example.com (Ada Lovelace", "“(Ada” is not an email address"},
		{"ada@example,com (Ada)", "“ada@example” is not a valid email address"},
		{"ada@example.com (Ada) Lovelace", "“Lovelace” is not an email address"},
	} {
		_, err := ParseCommand(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCommand(%q) = %v; want an error with %q", tt.text, err, tt.want)
		}
	}
}

// TestCSVRowsWhoseFirstCellIsASubcommand: comma-separated rows led by a
// subcommand word (a status column, `Idle,ada@example.com`) were read as
// that subcommand, refused as an idle report or answered with the help,
// where the same rows with tabs are a paste
// (TestPastedTableWhoseFirstCellIsASubcommand). A first word followed by a
// comma alone is a cell, as one followed by a tab is.
func TestCSVRowsWhoseFirstCellIsASubcommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		want       []string
		skipped    []SkippedLine
	}{
		{"a status column", "Idle,ada@example.com\nActive,grace@example.com", []string{"ada@example.com", "grace@example.com"}, nil},
		{"help", "Help,ada@example.com\nHelp,grace@example.com", []string{"ada@example.com", "grace@example.com"}, nil},
		{"digest, CRLF", "Digest,ada@example.com\r\nDigest,grace@example.com\r\n", []string{"ada@example.com", "grace@example.com"}, nil},
		{"rows of exemptions", "Exempt,ada@example.com,confluence,on leave\nExempt,grace@example.com,jira,on leave", []string{"ada@example.com", "grace@example.com"}, nil},
		{"a header over one", "Audit,Email\nAda Lovelace,ada@example.com", []string{"ada@example.com"}, []SkippedLine{{1, "“Audit,Email”"}}},
	} {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("%s: ParseCommand(%q): %v", tt.name, tt.text, err)
			continue
		}
		if diff := cmp.Diff(Command{Kind: CmdLookup, Targets: emails(tt.want...), Skipped: tt.skipped}, got); diff != "" {
			t.Errorf("%s: ParseCommand(%q) (-want +got):\n%s", tt.name, tt.text, diff)
		}
	}
	// Typed by hand, with a space after the comma, or one line: the
	// subcommand.
	for _, tt := range []struct {
		text string
		kind CommandKind
	}{
		{"audit,ada@example.com", CmdAudit},
		{"help, ada@example.com\ngrace@example.com", CmdHelp},
		{"exempt, ada@example.com confluence on leave\nuntil grace@example.com is back", CmdExempt},
	} {
		got, err := ParseCommand(tt.text)
		if err != nil || got.Kind != tt.kind {
			t.Errorf("ParseCommand(%q) = kind %v, %v; want kind %v", tt.text, got.Kind, err, tt.kind)
		}
	}
}

// TestExemptionWithATabInItsReasonIsKept: an exemption typed with a tab in
// its reason (pasted from a note) and another address on its next line
// was read as a paste, a lookup of both people, and no exemption made. A
// subcommand that parses is a paste only when its first word is a cell
// (a tab or a comma after it); `Exempt<TAB>…` rows still are.
func TestExemptionWithATabInItsReasonIsKept(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"exempt ada@example.com confluence on leave\tuntil March\napproved by grace@example.com",
		"exempt ada@example.com confluence until 2027-03-01 on leave\tsee\ngrace@example.com",
		"help ada@example.com\tx\ngrace@example.com",
	} {
		got, err := ParseCommand(text)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", text, err)
			continue
		}
		if want := strings.ToLower(strings.Fields(text)[0]); want == "exempt" && got.Kind != CmdExempt || want == "help" && got.Kind != CmdHelp {
			t.Errorf("ParseCommand(%q) = %+v; want the %s subcommand", text, got, want)
		}
	}
	got, err := ParseCommand("exempt ada@example.com confluence on leave\tuntil March\napproved by grace@example.com")
	if err == nil && got.Kind == CmdExempt && !strings.Contains(got.Exempt.Reason, "approved by grace@example.com") {
		t.Errorf("the reason lost its second line: %q", got.Exempt.Reason)
	}
}
