package bot

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"lastactive/atlassian"
	"lastactive/seat"
)

// commandSeeds are the shapes Slack really sends, and the ones it should not.
var commandSeeds = []string{
	"", "help", "idle", "idle 30 confluence jira-software", "idle 0", "idle abc",
	"ada@example.com", "ADA@Example.COM --fresh", "<mailto:ada@example.com|ada@example.com>",
	"<mailto:ada@example.com>", "<@U123ABC>", "<@W123ABC|ada>", "<!channel>", "<!here>",
	"<!subteam^S1|@team>", "<#C123|general>", "<#C123|>", "<https://x.y>", "<https://x.y|a b c>",
	"&lt;script&gt;", "a&amp;b@example.com", "ada@example.com\x00", "<", ">", "<>", "<@", "<mailto:|>",
	"a@b.co, c@d.co", "—fresh", strings.Repeat("ada@example.com ", 11), strings.Repeat("x", 2001),
	"\xff\xfe", "ada@exämple.com", "_*~`@example.com", "<@U1|<!channel>>",
	// Lists pasted from mail clients.
	"a@b.co; c@d.co;", "Ada Lovelace &lt;<mailto:ada@example.com|ada@example.com>&gt;; Grace &lt;grace@example.com&gt;",
	"\"Lovelace, Ada\" &lt;<mailto:ada@example.com|ada@example.com>&gt;", "“Hopper, Grace” <grace@example.com>",
	"Ada <ada@example.com>", "\"unclosed <a@b.co>", "&lt;&gt;", "a&amp;b; c@d.co", strings.Repeat("x@y.co\n", 12),
	// Tables pasted from a spreadsheet: a header, name cells, CRLF, tabs.
	"email\nada@example.com", "name,email\r\nAda Lovelace,ada@example.com\r\n", "Ada\tada@example.com\t\t",
	"\"Lovelace, Ada\"\t<mailto:ada@example.com|ada@example.com>\nGrace\u00a0Hopper\t\r\n", "email\rada@example,com",
	strings.Repeat("Name\n", 8) + "ada@example.com\r",
	// A table whose first cell is a subcommand; a quoted list with a bad address.
	"Idle\tada@example.com\nActive\tgrace@example.com", "Audit\tEmail\r\nAda\tada@example.com\r\n",
	"Exempt\tada@example.com\tconfluence\ton leave\nExempt\tgrace@example.com\tjira\tleave", "help\tx\n\t<@U1>",
	"\"ada@example.com, grace.hopper\"", "“ada@example.com; <#C1|x>”",
}

// FuzzParseCommand: ParseCommand never panics; what it accepts is valid;
// what it refuses renders within limits without echoing anything that could
// ping, link or mention.
func FuzzParseCommand(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := ParseCommand(text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %T, want *UsageError", err)
			}
			checkNoRawControl(t, RenderUsage(err))
			return
		}
		switch cmd.Kind {
		case CmdHelp:
		case CmdIdle:
			if cmd.IdleDays < 0 || cmd.IdleDays > maxIdleDays || len(cmd.Products) > maxProducts {
				t.Fatalf("bad idle command %+v", cmd)
			}
			for _, p := range cmd.Products {
				if !seat.Known(p) {
					t.Fatalf("unknown product %q accepted", p)
				}
			}
		case CmdLookup:
			if n := len(cmd.Targets); n < 1 || n > MaxTargets {
				t.Fatalf("%d targets", n)
			}
			seen := map[Target]bool{}
			var people []Person
			for _, tg := range cmd.Targets {
				if seen[tg] {
					t.Fatalf("duplicate target %+v", tg)
				}
				seen[tg] = true
				switch {
				case tg.Email != "" && tg.UserID == "":
					if !validEmail(tg.Email) || strings.ToLower(tg.Email) != tg.Email {
						t.Fatalf("invalid email %q accepted", tg.Email)
					}
					// Punctuation a sentence puts around an address is not
					// part of it: no address begins or ends with it.
					if strings.Trim(tg.Email, sentencePunct) != tg.Email {
						t.Fatalf("email %q keeps the punctuation around it", tg.Email)
					}
				case tg.UserID != "" && tg.Email == "":
					if !validUserID(tg.UserID) {
						t.Fatalf("invalid user ID %q accepted", tg.UserID)
					}
				default:
					t.Fatalf("target %+v must have exactly one of Email and UserID", tg)
				}
				people = append(people, Person{Query: tg.Email, UserID: tg.UserID, Err: atlassian.ErrNotFound})
			}
			for _, tg := range cmd.NotLookedUp {
				if seen[tg] || (tg.Email == "") == (tg.UserID == "") || tg.Email != "" && !validEmail(tg.Email) || tg.UserID != "" && !validUserID(tg.UserID) {
					t.Fatalf("bad or repeated target not looked up: %+v", tg)
				}
				seen[tg] = true
			}
			if len(cmd.NotLookedUp) > 0 && len(cmd.Targets) != MaxTargets {
				t.Fatalf("%d not looked up with only %d looked up", len(cmd.NotLookedUp), len(cmd.Targets))
			}
			for i, l := range cmd.Skipped {
				if l.Line < 1 || i > 0 && l.Line <= cmd.Skipped[i-1].Line || l.Text == "" {
					t.Fatalf("bad skipped lines %+v", cmd.Skipped)
				}
			}
			v := private
			v.NotLookedUp = cmd.NotLookedUp
			v.Skipped = cmd.Skipped
			mustCheck(t, RenderLookup(people, v))
		case CmdExempt:
			checkExempt(t, cmd.Exempt)
		default:
			t.Fatalf("kind %d", cmd.Kind)
		}
	})
}

// FuzzParseButtonValue: a value either parses to what ButtonValue would
// have made of it, or is refused.
func FuzzParseButtonValue(f *testing.F) {
	for _, s := range []string{
		"ada@example.com", "ada@example.com grace@example.com", "", " ", "Ada@example.com",
		"ada@example.com ada@example.com", "ada@example.com  grace@example.com", "<@U1>",
		"ada@example.com~1764000000~abc", strings.Join(numbered(10), " "), strings.Join(numbered(11), " "),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		emails, err := ParseButtonValue(v)
		if err != nil {
			return
		}
		if n := len(emails); n < 1 || n > MaxTargets {
			t.Fatalf("%d emails accepted", n)
		}
		if got := ButtonValue(emails); got != v && len(v) <= maxButtonValue-buttonValueRoom {
			t.Fatalf("ParseButtonValue(%q) accepted a value ButtonValue would write as %q", v, got)
		}
	})
}

// FuzzEscapeMrkdwn: whatever goes in, what comes out is one line that
// opens no control sequence, fits a text object, and is valid UTF-8.
func FuzzEscapeMrkdwn(f *testing.F) {
	for _, s := range []string{"", "Ada", "<!channel>", "&amp;", "*_~`", "a\nb", "\u202e", "\xff", strings.Repeat("&", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := EscapeMrkdwn(s)
		if !utf8.ValidString(got) || strings.ContainsAny(got, "<>*~`\n\r\t") {
			t.Fatalf("EscapeMrkdwn(%q) = %q", s, got)
		}
		if rest := entityRe.ReplaceAllString(got, ""); strings.Contains(rest, "&") {
			t.Fatalf("EscapeMrkdwn(%q) = %q has a bare &", s, got)
		}
		if n := utf8.RuneCountInString(got); n > maxTextObject {
			t.Fatalf("EscapeMrkdwn output is %d characters", n)
		}
		for _, r := range got {
			if invisible(r) {
				t.Fatalf("EscapeMrkdwn(%q) kept %U", s, r)
			}
		}
	})
}
