package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeMrkdwn(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "Ada Lovelace", "Ada Lovelace"},
		{"entities", "a & b <c> d", "a &amp; b &lt;c&gt; d"},
		{"already escaped text is escaped again", "&amp;", "&amp;amp;"},
		{"channel ping", "<!channel>", "&lt;!channel&gt;"},
		{"user ping", "<@U123ABC>", "&lt;@U123ABC&gt;"},
		{"disguised link", "<https://evil.example|Atlassian>", "&lt;https://evil.example|Atlassian&gt;"},
		{"bold italic strike code", "*b* _i_ ~s~ `c`", "∗b∗ ˍiˍ ∼s∼ ˋcˋ"},
		{"underscore inside a word stays", "first_last@example.com", "first_last@example.com"},
		{"underscore at word edge goes", "_lead@example.com trail_", "ˍlead@example.com trailˍ"},
		{"newlines cannot start a quote", "Ada\n> fake line\r\n\tmore", "Ada &gt; fake line more"},
		{"controls removed", "A\x00d\x1ba\u0085", "Ada"},
		{"bidi override removed", "Ada\u202eecilA", "AdaecilA"},
		{"zero width removed", "A\u200bd\u200da\ufeff", "Ada"},
		{"spaces collapsed and trimmed", "  Ada   Lovelace  ", "Ada Lovelace"},
		{"invalid utf8", "Ada\xff", "Ada\uFFFD"},
		{"unicode kept", "Zoë Ñoño 山田", "Zoë Ñoño 山田"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EscapeMrkdwn(tt.in); got != tt.want {
				t.Errorf("EscapeMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeMrkdwnCaps(t *testing.T) {
	t.Parallel()
	got := EscapeMrkdwn(strings.Repeat("&", 10000))
	if n := utf8.RuneCountInString(got); n > maxTextObject {
		t.Errorf("escaped worst case is %d characters, over a text object's %d", n, maxTextObject)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("a cut string must end with …")
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "abc", 3, "abc"},
		{"cut", "abcd", 3, "ab…"},
		{"cut at a space", "ab cd", 3, "ab…"},
		{"multibyte", "ééééé", 4, "ééé…"},
		{"trailing space ignored", "abc   ", 3, "abc"},
		{"controls do not count", "a\x00b\x00c", 3, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sanitize(tt.in, tt.max); got != tt.want {
				t.Errorf("sanitize(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}
