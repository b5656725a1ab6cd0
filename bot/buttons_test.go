package bot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestButtonSignerAcceptsOlderKeys: after a rotation of the secret (the bot
// token), buttons sealed with the one before are accepted once its key is
// handed to AcceptOlder, and only those it sealed while in use (a leaked old
// token cannot mint new ones); forged and stale ones are refused as before,
// and a stale one under an older key reads as stale, not forged.
func TestButtonSignerAcceptsOlderKeys(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	before := NewButtonSigner("xoxb-before", time.Hour, clock)
	after := NewButtonSigner("xoxb-after", time.Hour, clock)
	value := ButtonValue([]string{"ada@example.com"})
	sealed := before.Sign(value)
	if _, err := after.Open(sealed); !errors.Is(err, ErrForgedButton) {
		t.Fatalf("Open with another secret's key: %v, want forged", err)
	}
	rotated := now.Add(time.Minute)
	after.AcceptOlder([]OlderKey{{Key: before.Key(), Until: rotated}, {Key: after.Key(), Until: rotated}, {Key: []byte("short"), Until: rotated}})
	emails, err := after.Open(sealed)
	if err != nil || len(emails) != 1 || emails[0] != "ada@example.com" {
		t.Fatalf("Open after AcceptOlder: %v, %v", emails, err)
	}
	if _, err := after.Open(sealed[:len(sealed)-2] + "xx"); !errors.Is(err, ErrForgedButton) {
		t.Errorf("altered value: %v, want forged", err)
	}
	other := NewButtonSigner("xoxb-stranger", time.Hour, clock)
	if _, err := after.Open(other.Sign(value)); !errors.Is(err, ErrForgedButton) {
		t.Errorf("a key never accepted: %v, want forged", err)
	}
	// Sealed under the old key after it went out of use: refused.
	now = now.Add(10 * time.Minute)
	if _, err := after.Open(before.Sign(value)); !errors.Is(err, ErrForgedButton) {
		t.Errorf("a new button under the retired key: %v, want forged", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := after.Open(sealed); !errors.Is(err, ErrStaleButton) {
		t.Errorf("old button under an older key: %v, want stale", err)
	}
}

// TestButtonSignerAsksForKeysItDoesNotKnow: a seal under no known key makes
// the signer ask its key source again, at most once per interval, so that a
// replica learns the key another one began to use in a rolling rotation
// (before, it learnt keys only at start and refused half the clicks).
func TestButtonSignerAsksForKeysItDoesNotKnow(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := NewButtonSigner("xoxb-a", time.Hour, clock)
	b := NewButtonSigner("xoxb-b", time.Hour, clock)
	var store []OlderKey
	asked := 0
	a.SetKeySource(func() ([]OlderKey, error) { asked++; return store, nil }, 10*time.Second)
	sealed := b.Sign(ButtonValue([]string{"ada@example.com"}))
	if _, err := a.Open(sealed); !errors.Is(err, ErrForgedButton) || asked != 1 {
		t.Fatalf("unknown key, empty store: %v after %d asks", err, asked)
	}
	store = []OlderKey{{Key: b.Key(), Until: now.Add(time.Hour)}} // b recorded its key
	if _, err := a.Open(sealed); !errors.Is(err, ErrForgedButton) || asked != 1 {
		t.Errorf("within the interval: %v after %d asks, want forged without asking", err, asked)
	}
	now = now.Add(11 * time.Second)
	if _, err := a.Open(sealed); err != nil || asked != 2 {
		t.Errorf("after the interval: %v after %d asks, want accepted", err, asked)
	}
	if _, err := a.Open(sealed); err != nil || asked != 2 {
		t.Errorf("known now: %v after %d asks, want accepted without asking", err, asked)
	}
}

// TestButtonSignerClockSteppedBack: the wall clock stepped back (NTP
// correcting a clock an hour fast, or a replica a few minutes behind the
// one that made the button) put every button made since a minute or more
// in the future, and each click on them in the next hour was refused as
// "too old": Share, Refresh, and a nudge's Keep or Release. A value we
// sealed is good within its maximum age of now, either way; one sealed
// further ahead than that is still refused.
func TestButtonSignerClockSteppedBack(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, maxAge := range []time.Duration{24 * time.Hour, ReleaseButtonMaxAge} {
		s := NewButtonSigner("xoxb-token", maxAge, clock)
		sealed := s.Sign(ButtonValue([]string{"ada@example.com"}))
		now = now.Add(-55 * time.Minute) // stepped back an hour, five minutes later
		if _, err := s.Open(sealed); err != nil {
			t.Errorf("max age %v: a button made five minutes ago, after the clock stepped back an hour: %v", maxAge, err)
		}
		now = now.Add(-maxAge)
		if _, err := s.Open(sealed); !errors.Is(err, ErrStaleButton) {
			t.Errorf("max age %v: a button sealed more than its max age ahead: %v, want stale", maxAge, err)
		}
		now = now.Add(maxAge + 55*time.Minute)
	}
}

// TestSignIsValueTimeMAC pins the sealed form, value~unix~MAC of value, a
// NUL and the time, however often the signer is used: other replicas and
// the buttons already in people's messages read it so.
func TestSignIsValueTimeMAC(t *testing.T) {
	t.Parallel()
	now := time.Unix(1796000000, 0)
	s := NewButtonSigner("xoxb-pinned", time.Hour, func() time.Time { return now })
	for _, value := range []string{"", "a", ButtonValue([]string{"ada@example.com"}), ButtonValue([]string{"ada@example.com", "grace@example.com"}), strings.Repeat("x", 1900)} {
		for range 3 {
			want := value + "~1796000000~" + macWith(s.Key(), value, "1796000000")
			if got := s.Sign(value); got != want {
				t.Fatalf("Sign(%.20q) = %q, want %q", value, got, want)
			}
		}
	}
}

func BenchmarkButtonSign(b *testing.B) {
	s := NewButtonSigner("xoxb-bench", time.Hour, nil)
	value := ButtonValue([]string{"ada@example.com"})
	b.ReportAllocs()
	for b.Loop() {
		s.Sign(value)
	}
}
