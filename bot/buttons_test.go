package bot

import (
	"errors"
	"testing"
	"time"
)

// TestButtonSignerAcceptsOlderKeys: after a rotation of the secret (the bot
// token), buttons sealed with the one before are accepted once its key is
// handed to AcceptOlder, and only then; forged and stale ones are refused
// as before.
func TestButtonSignerAcceptsOlderKeys(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	before := NewButtonSigner("xoxb-before", time.Hour, clock)
	after := NewButtonSigner("xoxb-after", time.Hour, clock)
	sealed := before.Sign(ButtonValue([]string{"ada@example.com"}))
	if _, err := after.Open(sealed); !errors.Is(err, ErrForgedButton) {
		t.Fatalf("Open with another secret's key: %v, want forged", err)
	}
	after.AcceptOlder([][]byte{before.Key(), after.Key(), []byte("short")})
	emails, err := after.Open(sealed)
	if err != nil || len(emails) != 1 || emails[0] != "ada@example.com" {
		t.Fatalf("Open after AcceptOlder: %v, %v", emails, err)
	}
	if _, err := after.Open(sealed[:len(sealed)-2] + "xx"); !errors.Is(err, ErrForgedButton) {
		t.Errorf("altered value: %v, want forged", err)
	}
	other := NewButtonSigner("xoxb-stranger", time.Hour, clock)
	if _, err := after.Open(other.Sign(ButtonValue([]string{"ada@example.com"}))); !errors.Is(err, ErrForgedButton) {
		t.Errorf("a key never accepted: %v, want forged", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := after.Open(sealed); !errors.Is(err, ErrStaleButton) {
		t.Errorf("old button under an older key: %v, want stale", err)
	}
	after.AcceptOlder(nil)
	now = now.Add(-2 * time.Hour)
	if _, err := after.Open(sealed); !errors.Is(err, ErrForgedButton) {
		t.Errorf("after AcceptOlder(nil): %v, want forged", err)
	}
}
