package flagerr

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func parse(args ...string) error {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Bool("post", false, "")
	fs.Int("n", 0, "")
	return fs.Parse(args)
}

func TestHide(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args       []string
		want, hide string
	}{
		{[]string{"--post=maybe"}, `invalid boolean value "maybe" for -post`, ""},
		{[]string{"--post=xoxb-1234567890-SECRET"}, "invalid boolean value (22 characters, not shown) for -post", "SECRET"},
		{[]string{"-n", "abc"}, `invalid value "abc" for flag -n`, ""},
		{[]string{"-n", `a"very"long"quoted"token`}, "invalid value (24 characters, not shown) for flag -n", "token"},
		{[]string{"--bogus=xoxb-1234567890-SECRET"}, "flag provided but not defined: -bogus", ""},
		// A third dash, or none before the =: the flag package quotes the
		// whole argument, value and all.
		{[]string{"---post=xoxb-1234567890-SECRET"}, "bad flag syntax: ---post=(22 characters, not shown)", "SECRET"},
		{[]string{"-=xoxb-1234567890-SECRET"}, "bad flag syntax: -=(22 characters, not shown)", "SECRET"},
		{[]string{"---post=maybe"}, "bad flag syntax: ---post=maybe", ""},
		{[]string{"---post"}, "bad flag syntax: ---post", ""},
		// A token typed as the flag's name, its "=" forgotten.
		{[]string{"--xoxb-1234567890-SECRET"}, "flag provided but not defined: (22 characters, not shown)", "SECRET"},
		{[]string{"-Zm9vYmFyYmF6cXV4SECRET0123"}, "flag provided but not defined: (26 characters, not shown)", "SECRET"},
		{[]string{"--dry-run"}, "flag provided but not defined: -dry-run", ""},
		// "email:token" typed as a flag's name.
		{[]string{"--ada@example.com:ATATT3xFfGF0SECRET"}, "flag provided but not defined: (34 characters, not shown)", "SECRET"},
	} {
		err := Hide(parse(c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) || (c.hide != "" && strings.Contains(err.Error(), c.hide)) {
			t.Errorf("%q: %v, want %q without %q", c.args, err, c.want, c.hide)
		}
	}
	if Hide(nil) != nil {
		t.Error("Hide(nil) is not nil")
	}
	if err := Hide(parse("-h")); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Hide(-h) = %v, want flag.ErrHelp kept", err)
	}
}

func FuzzHide(f *testing.F) {
	f.Add(`invalid value "xoxb-123" for flag -n: parse error`)
	f.Add(`invalid boolean value "a\"b" for -post: x`)
	f.Fuzz(func(t *testing.T, msg string) {
		out := Hide(errors.New(msg))
		if out == nil {
			t.Fatal("nil for an error")
		}
	})
}

func TestQuote(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ arg, want string }{
		{"bogus", `"bogus"`},
		{"--port", `"--port"`},
		{"SLACK_BOT_TOKEN=xoxb-1-SECRET", `"SLACK_BOT_TOKEN"`},
		{"--slack-bot-token=xoxb-1-SECRET", `"--slack-bot-token"`},
		{"http://127.0.0.1:8080/healthz", `"http://127.0.0.1:8080/healthz"`},
		{"ada@example.com", `"ada@example.com"`},
		{"--idle-days-for-every-product", `"--idle-days-for-every-product"`},
		{strings.Repeat("é", 30), `"` + strings.Repeat("é", 20) + `…"`},
		{"xoxb-1", "(6 characters, not shown)"},
		{"--xapp-1-A01-SECRET", "(19 characters, not shown)"},
		{"ATATT3xFfGF0SECRET", "(18 characters, not shown)"},
		{"a1b2c3d4e5f6g7h8i9j0k", "(21 characters, not shown)"},
		{"a1b2c3d4e5f6g7h8i9j", `"a1b2c3d4e5f6g7h8i9j"`},
	} {
		if got := Quote(c.arg); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.arg, got, c.want)
		}
	}
}
