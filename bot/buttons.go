package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ButtonSigner seals the values of the Share and Refresh buttons: the emails
// they redo, when they were made, and an HMAC, so a forged or altered value
// is refused and an old one is recognised as stale. Replicas built from the
// same secret accept each other's buttons.
type ButtonSigner struct {
	key []byte
	// macs are HMACs keyed with key, reset for each seal: the key's pads
	// are hashed once, not for every button of every reply.
	macs   sync.Pool
	older  atomic.Pointer[[]OlderKey] // other secrets' keys, still accepted (AcceptOlder)
	maxAge time.Duration
	now    func() time.Time

	// source, when set, is asked again for the other keys when a seal
	// matches none known, at most once per every (SetKeySource).
	source   func() ([]OlderKey, error)
	every    time.Duration
	reloadMu sync.Mutex
	reloaded time.Time
}

// OlderKey is the key of another secret (the bot token before a rotation,
// or after it on another replica) and the last time it may have sealed a
// button: a value sealed under it later than that is not accepted, so a
// leaked old token cannot mint new buttons.
type OlderKey struct {
	Key   []byte
	Until time.Time
}

// NewButtonSigner derives the signing key from secret (any configured
// secret: only a one-way hash of it is kept). Buttons older than maxAge are
// stale.
func NewButtonSigner(secret string, maxAge time.Duration, now func() time.Time) *ButtonSigner {
	if now == nil {
		now = time.Now
	}
	k := sha256.Sum256([]byte("lastactive button key\x00" + secret))
	s := &ButtonSigner{key: k[:], maxAge: maxAge, now: now}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// Key is the signing key (a hash of the secret), to be remembered where a
// later secret's signer can find it (AcceptOlder).
func (s *ButtonSigner) Key() []byte { return s.key }

// MaxAge is how long a sealed value stays usable.
func (s *ButtonSigner) MaxAge() time.Duration { return s.maxAge }

// AcceptOlder makes Open also accept values sealed with keys, each up to
// its Until: those of the secrets before the current one (a rotated bot
// token), so that buttons already in people's messages keep working, or of
// the next one on another replica during a rolling rotation. It replaces
// the earlier list; safe for concurrent use with Open.
func (s *ButtonSigner) AcceptOlder(keys []OlderKey) {
	var kept []OlderKey
	for _, k := range keys {
		if len(k.Key) == len(s.key) && !hmac.Equal(k.Key, s.key) {
			kept = append(kept, k)
		}
	}
	s.older.Store(&kept)
}

// SetKeySource makes Open ask source for the other keys again when a seal
// matches no key it knows, at most once per every: a replica then learns the
// key another one began to use (a rolling rotation of the bot token), and
// one that could not read them at start learns them later. Set it before
// the first Open.
func (s *ButtonSigner) SetKeySource(source func() ([]OlderKey, error), every time.Duration) {
	s.source, s.every = source, every
}

// ErrStaleButton and ErrForgedButton are the two ways a click is refused.
var (
	ErrStaleButton  = errors.New("button is too old")
	ErrForgedButton = errors.New("button value is not one we made")
)

const sigSep = "~"

// Sign returns value sealed with the current time.
func (s *ButtonSigner) Sign(value string) string {
	// b is value, a NUL and the time, as macWith hashes them, then becomes
	// the sealed value in place: value~time~MAC. The MAC's sum is made in
	// b's spare room, out of the way of its encoding.
	b := make([]byte, 0, len(value)+2*len(sigSep)+20+macChars+sha256.Size)
	b = append(b, value...)
	b = append(b, 0)
	b = strconv.AppendInt(b, s.now().Unix(), 10)
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(b)
	var sum [macBytes]byte
	copy(sum[:], m.Sum(b[len(b):]))
	s.macs.Put(m)
	b[len(value)] = sigSep[0]
	b = append(b, sigSep...)
	return string(base64.RawURLEncoding.AppendEncode(b, sum[:]))
}

// A seal's MAC is the first macBytes of the HMAC, macChars in base64.
const (
	macBytes = 16
	macChars = (macBytes*8 + 5) / 6
)

func (s *ButtonSigner) mac(value, ts string) string { return macWith(s.key, value, ts) }

func macWith(key []byte, value, ts string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	m.Write([]byte{0})
	m.Write([]byte(ts))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:macBytes])
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

// OpenRefresh is Open for a Refresh button: the emails, and whom the
// answer named as not looked up (ParseRefreshValue).
func (s *ButtonSigner) OpenRefresh(sealed string) ([]string, View, error) {
	value, err := s.unseal(sealed)
	if err != nil {
		return nil, View{}, err
	}
	emails, extra, err := ParseRefreshValue(value)
	if err != nil {
		return nil, View{}, ErrForgedButton
	}
	return emails, extra, nil
}

// unseal checks the seal and age of a value and returns it as it was signed.
func (s *ButtonSigner) unseal(sealed string) (string, error) {
	value, at, ok := s.verify(sealed)
	if !ok {
		return "", ErrForgedButton
	}
	// Only we seal, so a seal from the future is our clock's doing (stepped
	// back by NTP, or another replica's running ahead): it is good within
	// maxAge either way, not "too old" for the next hour.
	if age := s.now().Sub(at); s.maxAge > 0 && (age > s.maxAge || age < -s.maxAge) {
		return "", ErrStaleButton
	}
	return value, nil
}

// verify checks the seal of a value, not its age, and returns the value and
// when it was sealed.
func (s *ButtonSigner) verify(sealed string) (value string, at time.Time, ok bool) {
	if len(sealed) > 2000 {
		return "", time.Time{}, false
	}
	parts := strings.Split(sealed, sigSep)
	if len(parts) != 3 {
		return "", time.Time{}, false
	}
	value, ts, mac := parts[0], parts[1], parts[2]
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !s.sealedByUs(value, ts, mac, time.Unix(sec, 0)) {
		return "", time.Time{}, false
	}
	return value, time.Unix(sec, 0), true
}

// sealedValue is the value of sealed if the bot sealed it, however old:
// whom a refused click (not allowed, or too old) was about, for the trail.
// It must never lead to a lookup.
func (s *ButtonSigner) sealedValue(sealed string) string {
	value, _, _ := s.verify(sealed)
	return value
}

// about is whom a Share or Refresh value the bot sealed, however old (see
// sealedValue), was about: the emails, and each Slack user of a Refresh
// whose email was not read, as refusedAbout names them.
func (s *ButtonSigner) about(sealed string) (emails []string, people []Person) {
	// A Refresh names after "|" whom it did not look up: not whom it was about.
	emails, _, _ = ParseRefreshValue(s.sealedValue(sealed))
	// A Slack user whose email was not read ("@U…") is a Person of their own.
	targets := make([]Target, len(emails))
	for i, e := range emails {
		targets[i] = Target{Email: e}
		if strings.HasPrefix(e, "@") {
			targets[i] = Target{UserID: e[1:]}
		}
	}
	return refusedAbout(targets)
}

// sealedByUs reports whether mac seals value and ts (at) under the current
// key, or under another accepted one that was in use at.
func (s *ButtonSigner) sealedByUs(value, ts, mac string, at time.Time) bool {
	if hmac.Equal([]byte(mac), []byte(s.mac(value, ts))) {
		return true
	}
	if s.sealedByOlder(value, ts, mac, at) {
		return true
	}
	return s.reload() && s.sealedByOlder(value, ts, mac, at)
}

func (s *ButtonSigner) sealedByOlder(value, ts, mac string, at time.Time) bool {
	older := s.older.Load()
	if older == nil {
		return false
	}
	for _, k := range *older {
		if !at.After(k.Until) && hmac.Equal([]byte(mac), []byte(macWith(k.Key, value, ts))) {
			return true
		}
	}
	return false
}

// reload asks the key source again, unless it was asked within every; it
// reports whether it did.
func (s *ButtonSigner) reload() bool {
	if s.source == nil {
		return false
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	now := s.now()
	if !s.reloaded.IsZero() && now.Sub(s.reloaded) < s.every {
		return false
	}
	s.reloaded = now
	keys, err := s.source()
	if err != nil {
		return false
	}
	s.AcceptOlder(keys)
	return true
}
