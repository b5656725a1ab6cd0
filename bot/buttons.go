package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ButtonSigner seals the values of the Share and Refresh buttons: the emails
// they redo, when they were made, and an HMAC, so a forged or altered value
// is refused and an old one is recognised as stale. Replicas built from the
// same secret accept each other's buttons.
type ButtonSigner struct {
	key    []byte
	older  atomic.Pointer[[][]byte] // earlier secrets' keys, still accepted (AcceptOlder)
	maxAge time.Duration
	now    func() time.Time
}

// NewButtonSigner derives the signing key from secret (any configured
// secret: only a one-way hash of it is kept). Buttons older than maxAge are
// stale.
func NewButtonSigner(secret string, maxAge time.Duration, now func() time.Time) *ButtonSigner {
	if now == nil {
		now = time.Now
	}
	k := sha256.Sum256([]byte("lastactive button key\x00" + secret))
	return &ButtonSigner{key: k[:], maxAge: maxAge, now: now}
}

// Key is the signing key (a hash of the secret), to be remembered where a
// later secret's signer can find it (AcceptOlder).
func (s *ButtonSigner) Key() []byte { return s.key }

// MaxAge is how long a sealed value stays usable.
func (s *ButtonSigner) MaxAge() time.Duration { return s.maxAge }

// AcceptOlder makes Open also accept values sealed with keys: those of the
// secrets before the current one (a rotated bot token), so that buttons
// already in people's messages keep working. It replaces the earlier list;
// safe for concurrent use with Open.
func (s *ButtonSigner) AcceptOlder(keys [][]byte) {
	var kept [][]byte
	for _, k := range keys {
		if len(k) == len(s.key) && !hmac.Equal(k, s.key) {
			kept = append(kept, k)
		}
	}
	s.older.Store(&kept)
}

// ErrStaleButton and ErrForgedButton are the two ways a click is refused.
var (
	ErrStaleButton  = errors.New("button is too old")
	ErrForgedButton = errors.New("button value is not one we made")
)

const sigSep = "~"

// Sign returns value sealed with the current time.
func (s *ButtonSigner) Sign(value string) string {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	return value + sigSep + ts + sigSep + s.mac(value, ts)
}

func (s *ButtonSigner) mac(value, ts string) string { return macWith(s.key, value, ts) }

func macWith(key []byte, value, ts string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	m.Write([]byte{0})
	m.Write([]byte(ts))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Open checks a sealed value and returns the emails it carries.
func (s *ButtonSigner) Open(sealed string) ([]string, error) {
	value, err := s.unseal(sealed)
	if err != nil {
		return nil, err
	}
	emails, err := ParseButtonValue(value)
	if err != nil {
		return nil, ErrForgedButton
	}
	return emails, nil
}

// unseal checks the seal and age of a value and returns it as it was signed.
func (s *ButtonSigner) unseal(sealed string) (string, error) {
	if len(sealed) > 2000 {
		return "", ErrForgedButton
	}
	parts := strings.Split(sealed, sigSep)
	if len(parts) != 3 {
		return "", ErrForgedButton
	}
	value, ts, mac := parts[0], parts[1], parts[2]
	if !s.sealedByUs(value, ts, mac) {
		return "", ErrForgedButton
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", ErrForgedButton
	}
	if age := s.now().Sub(time.Unix(sec, 0)); s.maxAge > 0 && (age > s.maxAge || age < -time.Minute) {
		return "", ErrStaleButton
	}
	return value, nil
}

// sealedByUs reports whether mac seals value and ts under the current key
// or an older one still accepted.
func (s *ButtonSigner) sealedByUs(value, ts, mac string) bool {
	if hmac.Equal([]byte(mac), []byte(s.mac(value, ts))) {
		return true
	}
	if older := s.older.Load(); older != nil {
		for _, k := range *older {
			if hmac.Equal([]byte(mac), []byte(macWith(k, value, ts))) {
				return true
			}
		}
	}
	return false
}
