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
