package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastactive/seat"
)

func emails(es ...string) []Target {
	ts := make([]Target, len(es))
	for i, e := range es {
		ts[i] = Target{Email: e}
	}
	return ts
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%d@example.com", i+1)
	}
	return out
}

func mailtos(es []string) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "<mailto:%s|%s> ", e, e)
	}
	return b.String()
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	ten := numbered(10)
	var longTen []string
	for i := range 10 {
		longTen = append(longTen, fmt.Sprintf("firstname.lastname%02d@subsidiary.example.com", i))
	}
	tests := []struct {
		name string
		text string
		want Command
	}{
		{"plain email", "ada@example.com", Command{Kind: CmdLookup, Targets: emails("ada@example.com")}},
		{"upper case email", "  Ada.Lovelace@EXAMPLE.com ", Command{Kind: CmdLookup, Targets: emails("ada.lovelace@example.com")}},
		{"mailto with label", "<mailto:ada@example.com|ada@example.com>", Command{Kind: CmdLookup, Targets: emails("ada@example.com")}},
		{"mailto takes target not label", "<mailto:ada@example.com|grace@example.com>", Command{Kind: CmdLookup, Targets: emails("ada@example.com")}},
		{"mailto without label", "<mailto:Ada@Example.com>", Command{Kind: CmdLookup, Targets: emails("ada@example.com")}},
		{"mention", "<@U123ABC>", Command{Kind: CmdLookup, Targets: []Target{{UserID: "U123ABC"}}}},
		{"mention with name", "<@U123ABC|ada>", Command{Kind: CmdLookup, Targets: []Target{{UserID: "U123ABC"}}}},
		{"W-prefixed ID", "<@W0123456789|ada>", Command{Kind: CmdLookup, Targets: []Target{{UserID: "W0123456789"}}}},
		{"two emails", "ada@example.com grace@example.com", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"comma separated", "ada@example.com, grace@example.com,alan@example.com", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com", "alan@example.com")}},
		{"ten emails", strings.Join(ten, " "), Command{Kind: CmdLookup, Targets: emails(ten...)}},
		{"ten long emails in mailto form", mailtos(longTen), Command{Kind: CmdLookup, Targets: emails(longTen...)}},
		{"mixed forms", "ada@example.com\t<@U1ABC>\n<mailto:grace@example.com|grace@example.com>", Command{Kind: CmdLookup, Targets: []Target{{Email: "ada@example.com"}, {UserID: "U1ABC"}, {Email: "grace@example.com"}}}},
		{"duplicates deduped", "ada@example.com ADA@example.com <mailto:ada@example.com|x> <@U1ABC> <@U1ABC|ada>", Command{Kind: CmdLookup, Targets: []Target{{Email: "ada@example.com"}, {UserID: "U1ABC"}}}},
		{"eleven with duplicates is ten", strings.Join(append(ten, ten[0]), " "), Command{Kind: CmdLookup, Targets: emails(ten...)}},
		{"fresh before", "--fresh ada@example.com", Command{Kind: CmdLookup, Targets: emails("ada@example.com"), Fresh: true}},
		{"fresh after", "ada@example.com --FRESH", Command{Kind: CmdLookup, Targets: emails("ada@example.com"), Fresh: true}},
		{"fresh with em dash", "ada@example.com —fresh", Command{Kind: CmdLookup, Targets: emails("ada@example.com"), Fresh: true}},
		{"help", "help", Command{Kind: CmdHelp}},
		{"HELP with words", "HELP me", Command{Kind: CmdHelp}},
		{"empty", "", Command{Kind: CmdHelp}},
		{"whitespace only", " \t\n  ", Command{Kind: CmdHelp}},
		{"idle", "idle", Command{Kind: CmdIdle}},
		{"idle days", "idle 30", Command{Kind: CmdIdle, IdleDays: 30}},
		{"idle days products", "idle 30 confluence jira-software", Command{Kind: CmdIdle, IdleDays: 30, Products: []string{"confluence", "jira-software"}}},
		{"idle products any case, deduped, days last", "Idle Confluence confluence 3650", Command{Kind: CmdIdle, IdleDays: 3650, Products: []string{"confluence"}}},
		{"idle product aliases are one product", "idle jira jira-software JIRA", Command{Kind: CmdIdle, Products: []string{"jira-software"}}},
		{"plus and apostrophe", "o'brien+tag@sub.example.co.uk", Command{Kind: CmdLookup, Targets: emails("o'brien+tag@sub.example.co.uk")}},
		{"underscore", "first_last@example.com", Command{Kind: CmdLookup, Targets: emails("first_last@example.com")}},
		{"eleven: the last is not looked up", strings.Join(numbered(12), " "), Command{Kind: CmdLookup, Targets: emails(numbered(10)...),
			NotLookedUp: emails("user11@example.com", "user12@example.com")}},
		{"semicolons", "ada@example.com; grace@example.com;alan@example.com;", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com", "alan@example.com")}},
		{"new lines", "ada@example.com\ngrace@example.com\r\n", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"name and address, as Slack sends them", "Ada Lovelace &lt;<mailto:ada@example.com|ada@example.com>&gt;; Grace Hopper &lt;<mailto:grace@example.com|grace@example.com>&gt;",
			Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"name and unlinked address", "Ada Lovelace &lt;ada@example.com&gt;, Grace &lt;grace@example.com&gt;", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"name and raw address, as a terminal passes it", "Ada Lovelace <ada@example.com>; grace@example.com", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"Outlook: quoted last, first", "\"Lovelace, Ada\" &lt;<mailto:ada@example.com|ada@example.com>&gt;; \"Hopper, Grace\" &lt;<mailto:grace@example.com|grace@example.com>&gt;",
			Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"Outlook: curly quotes, unquoted last, first", "“Lovelace, Ada” <ada@example.com>; Hopper, Grace <grace@example.com>", Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com")}},
		{"email as its own display name", "ada@example.com &lt;<mailto:ada@example.com|ada@example.com>&gt;", Command{Kind: CmdLookup, Targets: emails("ada@example.com")}},
		// Pasted from web pages and mail clients: invisible characters
		// (zero-width space and joiner, BOM, soft hyphen, bidi marks) are
		// not part of what the person sees, nor of any address.
		{"invisible characters pasted in", "\ufeffada@exam\u00adple.com\u200b \u202egrace@example.com\u202c \u200dalan@example.com\u2060",
			Command{Kind: CmdLookup, Targets: emails("ada@example.com", "grace@example.com", "alan@example.com")}},
		{"invisible characters around help", "\u200bhelp", Command{Kind: CmdHelp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCommand(tt.text)
			if err != nil {
				t.Fatalf("ParseCommand(%q) error: %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestParseCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want string // a piece of the reason
	}{
		{"idle zero", "idle 0", "between 1 and 3650"},
		{"idle too many days", "idle 3651", "between 1 and 3650"},
		{"idle huge number", "idle 99999999999999999999999", "between 1 and 3650"},
		{"idle abc", "idle abc", "“abc” is neither a number of days"},
		{"idle negative", "idle -5", "“-5” is neither"},
		{"idle days twice", "idle 30 60", "only once"},
		{"bad email no tld", "ada@example", "“ada@example” is not a valid email"},
		{"bad email two ats", "ada@@example.com", "not a valid email"},
		{"bad email spaces in mailto", "<mailto:ada example.com|x>", "not a valid email"},
		{"bad email double dot", "ada..l@example.com", "not a valid email"},
		{"bad email numeric tld", "ada@10.0.0.1", "not a valid email"},
		{"word", "ada", "“ada” is not an email address"},
		{"at handle as text", "@ada", "not a Slack mention"},
		{"hash channel as text", "#general", "is a channel"},
		{"channel", "<!channel>", "@channel is a special mention"},
		{"here", "ada@example.com <!here>", "@here is a special mention"},
		{"subteam", "<!subteam^S123|@support>", "user group"},
		{"date", "<!date^1392734382^{date}|Feb 18>", "special Slack mention"},
		{"channel link", "<#C123|general>", "“#general” is a channel"},
		{"private channel", "<#C123|>", "That is a channel"},
		{"url", "<https://x.y>", "“https://x.y” is a link"},
		{"url with label and spaces", "<https://evil.example|click me now>", "is a link"},
		{"bad mention id", "<@u123>", "not a Slack user"},
		{"unclosed", "<@U123", "is not an email"},
		{"fresh alone", "--fresh", "--fresh needs at least one email"},
		{"long text", strings.Repeat("a", 12000), "too long (12000 characters"},
		{"control chars", "ada@example.com\x00", "control characters"},
		{"escape char", "ada@example.com \x1b[31m", "control characters"},
		{"invalid utf8", "ada@example.com \xff", "not text"},
		{"script", "&lt;script&gt;", "“<script>” is not an email"},
		{"name without an address", "Ada Lovelace", "“Ada” is not an email address"},
		{"quoted name without an address", "\"Lovelace, Ada\" ada@example.com", "“Lovelace, Ada” is a name"},
		{"name before a mention", "Ada <@U123ABC>", "“Ada” is not an email address"},
		{"bad address in brackets", "Ada &lt;ada@example&gt;", "“<ada@example>” is not a valid email"},
		{"entity then semicolon separator", "a&amp;b; ada@example.com", "“a&b” is not an email"},
		{"brackets alone", "&lt; &gt;", "no email address"},
		{"ampersand", "a&amp;b@example.com", "“a&b@example.com” is not a valid email"},
		{"idn", "ada@exämple.com", "not a valid email"},
		// Unicode lower-cases the Kelvin sign to an ASCII k: the address
		// typed is not kate's, and must not be looked up as hers.
		{"kelvin sign", "\u212Aate@example.com", "not a valid email"},
		{"kelvin sign in mailto", "<mailto:\u212Aate@example.com|\u212Aate@example.com>", "not a valid email"},
		{"kelvin sign in domain", "kate@example.\u212A\u212A", "not a valid email"},
		{"long local part", strings.Repeat("a", 65) + "@example.com", "not a valid email"},
		{"long domain", "a@" + strings.Repeat("b", 250) + ".com", "not a valid email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCommand(tt.text)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseCommand(%q) = %+v, %v; want a *UsageError", tt.text, got, err)
			}
			if !strings.Contains(ue.Reason, tt.want) {
				t.Errorf("reason %q does not contain %q", ue.Reason, tt.want)
			}
			// The list of product keys is ours, not the input's echo.
			if n := len([]rune(strings.Replace(ue.Reason, seat.KnownProducts(), "", 1))); n > 200 {
				t.Errorf("reason is %d runes long; input must not be echoed at length", n)
			}
			for _, r := range ue.Reason {
				if invisible(r) {
					t.Errorf("reason %q contains control character %U", ue.Reason, r)
				}
			}
			checkNoRawControl(t, RenderUsage(err))
		})
	}
}

func TestValidEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"a@b.co", true},
		{"a.b-c_d+e%f'g@x-y.example.com", true},
		{"a@xn--bcher-kva.example", true},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61), true}, // 254 bytes
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62), false},
		{"", false},
		{"@b.co", false},
		{"a@", false},
		{"a@b", false},
		{"a@b.c", false},
		{"a@.b.co", false},
		{"a@b..co", false},
		{"a@-b.co", false},
		{"a@b-.co", false},
		{".a@b.co", false},
		{"a.@b.co", false},
		{"A@b.co", false}, // normalised input only
		{"a b@c.co", false},
		{"a*b@c.co", false},
		{"a`b@c.co", false},
		{"a<b@c.co", false},
		{"a|b@c.co", false},
		{"a@b@c.co", false},
		{"a@123.45", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := validEmail(tt.in); got != tt.want {
				t.Errorf("validEmail(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkParseCommand(b *testing.B) {
	text := "<mailto:ada@example.com|ada@example.com> grace@example.com <@U123ABC|alan> --fresh"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCommand(text); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPastedSecretIsNotQuotedBack: a token or key pasted into the command
// by mistake (the commonest slip next to the slash) was quoted back in
// the usage error, up to 40 characters: most of a Slack token, all of a
// short one. A long word without an '@' is what a credential looks like;
// it is not repeated.
func TestPastedSecretIsNotQuotedBack(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{
		"xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
		"xapp-1-A0TEST-1-faketoken",
		"ATATT3xFfGF0T4mbiqfe-yl6aM_x1ZKMNKMIOkj2fq4mk3M8e",
		"admin-api-key-for-tests-only",
	} {
		for _, text := range []string{secret, "ada@example.com " + secret, "&lt;" + secret, "idle 90 " + secret,
			"exempt ada@example.com " + secret + " on leave", "exempt ada@example.com confluence until " + secret + " x",
			// Glued to an email: Atlassian's basic auth pair, email:token.
			"ada@example.com:" + secret, "<mailto:ada@example.com|ada@example.com>:" + secret, "ada@example.com/" + secret} {
			_, err := ParseCommand(text)
			if err == nil {
				t.Errorf("%q parsed", text)
				continue
			}
			raw, _ := json.Marshal(RenderUsage(err))
			if strings.Contains(string(raw), secret[:20]) {
				t.Errorf("%q: the reply repeats the pasted secret: %s", text, err)
			}
		}
	}
}

// TestClippedSecretIsNotQuotedBack: a quoted text is cut at 40
// characters, and a token whose start was within them was judged by the
// part kept: after a longer address ("margaret.hamilton@example.com:" and
// Atlassian's basic auth pair) or an unclosed "<" and an address, fewer
// than 20 of its characters were left, too few to count as a token, and
// those were quoted back. Each word shown is judged whole.
func TestClippedSecretIsNotQuotedBack(t *testing.T) {
	t.Parallel()
	const secret = "ATATT3xFfGF0T4mbiqfe-yl6aM_x1ZKMNKMIOkj2fq4mk3M8e"
	for _, text := range []string{
		"ada.lovelace@acme-corp.io:" + secret,
		"margaret.hamilton@example.com:" + secret,
		"<ada.lovelace@example.com " + secret,
		"<mailto:margaret.hamilton@example.com|" + secret,
	} {
		_, err := ParseCommand(text)
		if err == nil {
			t.Errorf("%q parsed", text)
			continue
		}
		raw, _ := json.Marshal(RenderUsage(err))
		if strings.Contains(string(raw), secret[:8]) {
			t.Errorf("%q: the reply repeats the start of the pasted secret: %s", text, err)
		}
	}
	// What is shown is still quoted: a long address, a short word after it.
	for text, want := range map[string]string{
		"margaret.hamilton@example.com:x":                     "“margaret.hamilton@example.com:x”",
		"<margaret.hamilton@example.com and a few more words": "“<margaret.hamilton@example.com and a fe…”",
	} {
		_, err := ParseCommand(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want it to quote %s", text, err, want)
		}
	}
}

// TestShortMentionsAreMentions: a mention of a short user ID (<@U1>, as a
// test workspace or a fake names its users) is a mention, looked up
// through users.info like any other; it was refused as "not an email
// address" though the allow-lists take U1.
func TestShortMentionsAreMentions(t *testing.T) {
	for _, text := range []string{"<@U1>", "<@W2|bo>"} {
		cmd, err := ParseCommand(text)
		if err != nil || len(cmd.Targets) != 1 || cmd.Targets[0].UserID == "" {
			t.Errorf("ParseCommand(%q) = %+v, %v; want one mention", text, cmd, err)
		}
	}
}

// TestAddressWithLettersOutsideASCII: "ada@exämple.com" was refused as
// "not a valid email address", like a typo, and the person looked for one.
// Atlassian holds account emails in ASCII (a domain with such letters in
// its xn-- form), so the bot still does not look it up, and says why,
// naming the letter: an umlaut, a non-Latin domain, or a look-alike such
// as a Kelvin sign for a K.
func TestAddressWithLettersOutsideASCII(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, letter string }{
		{"ada@exämple.com", "ä"},
		{"ada@EXÄMPLE.COM", "Ä"},
		{"<mailto:ada@exämple.com|ada@exämple.com>", "ä"},
		{"Ada &lt;ada@exämple.com&gt;", "ä"},
		{"ada@例え.jp", "例"},
		{"jürgen@example.com", "ü"},
		{"\u212Aate@example.com", "\u212A"},
	} {
		_, err := ParseCommand(c.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Fatalf("ParseCommand(%q) = %v, want a refusal", c.text, err)
		}
		want := "is not a valid email address: “" + c.letter + "” is not plain ASCII"
		if !strings.Contains(ue.Reason, want) {
			t.Errorf("ParseCommand(%q): %q, want it to say %q", c.text, ue.Reason, want)
		}
		if domain := strings.ContainsAny(c.text[strings.Index(c.text, "@"):], c.letter); domain != strings.Contains(ue.Reason, "xn--") {
			t.Errorf("ParseCommand(%q): %q: the xn-- form is for a letter in the domain only", c.text, ue.Reason)
		}
	}
	// An address with nothing outside ASCII is refused as before.
	if _, err := ParseCommand("ada@example"); err == nil || strings.Contains(err.Error(), "ASCII") {
		t.Errorf("ParseCommand(ada@example) = %v", err)
	}
}

// TestNonASCIILetterTheQuoteCutIsShown: the refusal quotes the first 40
// characters of the address and names its first letter outside ASCII, which
// could lie past the cut ("…@subdiv…" quoted, "ä" named): the person was
// told of a letter the reply did not show. It now also quotes the part
// around the letter, or, where that part is withheld as looking like a
// pasted token (a long run before the letter), says which character it is.
// A letter the quote shows is named as before (TestAddressWithLettersOutsideASCII).
func TestNonASCIILetterTheQuoteCutIsShown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, want string }{
		{"christopher.columbus-smithington@subdivision.exämple.com",
			"“christopher.columbus-smithington@subdiv…” is not a valid email address: “ä” (in “…@subdivision.exämple.com”) is not plain ASCII, as Atlassian account emails are. Type the domain in its ASCII form (xn--…)."},
		{"ada.lovelace.and.charles.babbage@analytical-engine-société.co.uk",
			"“ada.lovelace.and.charles.babbage@analyt…” is not a valid email address: “é” (in “…@analytical-engine-société.co.uk”) is not plain ASCII, as Atlassian account emails are. Type the domain in its ASCII form (xn--…)."},
		// The local part before the letter is a long run with no '@':
		// neither the address nor the part around the letter is quoted.
		{"margaret.hamilton.apollo.guidance.computer.jürgen@example.com",
			"That text is not a valid email address: “ü” (character 45) is not plain ASCII, as Atlassian account emails are."},
	} {
		_, err := ParseCommand(c.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Fatalf("ParseCommand(%q) = %v, want a refusal", c.text, err)
		}
		if ue.Reason != c.want {
			t.Errorf("ParseCommand(%q):\n%s\nwant\n%s", c.text, ue.Reason, c.want)
		}
	}
	// A token before the address, in the text refused as one (a link's
	// label): no part of it is quoted around the letter either.
	const token = "xoxb-2718281828-3141592653-abcdefghijklmnopqrstuv"
	reason := invalidEmail(token + " ü@example.com").(*UsageError).Reason
	if strings.Contains(reason, "mnopqrstuv") || !strings.Contains(reason, "(character 51)") {
		t.Errorf("a token before the letter: %s", reason)
	}
}
