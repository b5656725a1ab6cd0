package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
)

// FuzzPastedSecretNeverQuoted: whatever surrounds a token or key pasted into
// the command by mistake (a word before it, quotes, an unclosed bracket, a
// link), a refused command's reply never repeats it, in whole or in its
// first 20 characters, nor does an answer that names it as a skipped line
// of a pasted table. TestPastedSecretIsNotQuotedBack holds the plain
// cases; this searches the others.
func FuzzPastedSecretNeverQuoted(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""}, {"ada@example.com ", ""}, {"&lt;", ""}, {"idle 90 ", ""}, {"<", " please"}, {"<", ""},
		{"\"Bearer ", "\""}, {"“my token ", "”"}, {"<https://example.com|", " here>"}, {"<mailto:", " x>"},
		{"Ada <", ">"}, {"exempt ada@example.com ", " on leave"}, {"audit ", ""}, {"digest ", ""}, {"<#C123|", " x>"},
		// A line of a pasted table, skipped and named in the answer.
		{"Name Email ", "\nada@example.com"}, {"Name\t", "\t\r\nada@example.com"},
		{"the header of the sheet, forty characters or more ", "\nada@example.com"},
	} {
		f.Add(s[0], s[1], uint8(0))
	}
	secrets := []string{
		"xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
		"ATATT3xFfGF0T4mbiqfe-yl6aM_x1ZKMNKMIOkj2fq4mk3M8e",
		"xapp-1-A0TEST-1-faketoken0123456789",
	}
	f.Fuzz(func(t *testing.T, before, after string, which uint8) {
		secret := secrets[int(which)%len(secrets)]
		// A word with an '@' is quoted, as an address mistyped: the
		// promise is for a secret not glued to one.
		if i := strings.LastIndexFunc(before, unicode.IsSpace); strings.Contains(before[i+1:], "@") {
			return
		}
		if i := strings.IndexFunc(after, unicode.IsSpace); strings.Contains(after[:max(i, 0)], "@") || i < 0 && strings.Contains(after, "@") {
			return
		}
		cmd, err := ParseCommand(before + secret + after)
		var raw []byte
		if err == nil {
			// A line of a pasted table with nobody in it is named in
			// the answer (Skipped).
			v := View{Skipped: cmd.Skipped}
			raw, _ = json.Marshal(RenderLookup(nil, v))
		} else {
			raw, _ = json.Marshal(RenderUsage(err))
		}
		if strings.Contains(string(raw), secret[:20]) || strings.Contains(strings.ToLower(string(raw)), strings.ToLower(secret[:20])) {
			t.Fatalf("%q: the reply repeats the pasted secret: %s", before+secret+after, err)
		}
	})
}
