package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"lastactive/atlassian"
	"lastactive/bot"
)

// TestLookupJSONWritesNoRawTerminalControls: a display name is whatever
// its owner typed into their Atlassian profile. lookup --json wrote its C1
// controls (U+009B, a one-byte CSI a terminal may act on) and bidi
// overrides (U+202E) raw, as audit --json did
// (TestAuditJSONWritesNoRawTerminalControls): they are \u escapes now, and
// decode to the same name.
func TestLookupJSONWritesNoRawTerminalControls(t *testing.T) {
	t.Parallel()
	name := "Ada\u009b2J \u202eecalevol\u202c"
	p := bot.Person{Query: "ada@example.com", Account: atlassian.Account{AccountID: "a1", DisplayName: name},
		Activity: &atlassian.Activity{Products: []atlassian.ProductActivity{{
			ID: "ari:cloud:jira-software::site/s1", Key: "jira-software", LastActive: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}}}}
	var b bytes.Buffer
	if err := writeJSON(&b, []bot.Person{p}, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), 90, atlassian.Sites{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if i := strings.IndexFunc(out, func(c rune) bool {
		return c >= 0x7f && c < 0xa0 || unicode.Is(unicode.Cf, c)
	}); i >= 0 {
		t.Errorf("lookup --json wrote %U raw:\n%q", []rune(out[i:])[0], out)
	}
	var got []struct {
		Name string `json:"display_name"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || len(got) != 1 || got[0].Name != name {
		t.Errorf("decoded %+v (%v), want the name %q as Atlassian gave it\n%s", got, err, name, out)
	}
}
