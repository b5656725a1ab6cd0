package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
)

// fuzzNow is a whole second, so signing times and ages compare exactly.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const fuzzButtonSecret = "fuzz-button-secret"

func fuzzSigner(now time.Time) *ButtonSigner {
	return NewButtonSigner(fuzzButtonSecret, 24*time.Hour, func() time.Time { return now })
}

// FuzzButtonOpen: Open never panics and never accepts a value the signer
// did not make; whatever it did sign comes back unchanged while fresh, and
// is refused as stale (not forged) once old, and as forged under another key.
func FuzzButtonOpen(f *testing.F) {
	signer := fuzzSigner(fuzzNow)
	signed := map[string]bool{}
	for _, v := range []string{"ada@example.com", "ada@example.com grace@example.com", strings.Join(numbered(10), " ")} {
		s := signer.Sign(v)
		signed[s] = true
		f.Add(s, v, int64(0))
		f.Add(strings.Replace(s, "ada@", "grace@", 1), v, int64(25*3600))
		f.Add(s+"~", v, int64(-61))
		f.Add(strings.ToUpper(s), strings.ToUpper(v), int64(-59))
	}
	f.Add("", "", int64(0))
	f.Add("~~", "a@b.co~1~x", int64(1))
	f.Add("a@b.co~+1772366400~AAAAAAAAAAAAAAAAAAAAAA", "a@b.co ", int64(86400))
	other := NewButtonSigner("another secret", 24*time.Hour, func() time.Time { return fuzzNow })

	f.Fuzz(func(t *testing.T, sealed, value string, age int64) {
		// Arbitrary sealed strings: only what we signed may pass.
		if emails, err := signer.Open(sealed); err == nil {
			if !signed[sealed] {
				t.Fatalf("Open accepted %q, which was never signed (emails %q)", sealed, emails)
			}
		} else if !errors.Is(err, ErrForgedButton) && !errors.Is(err, ErrStaleButton) {
			t.Fatalf("Open(%q) = %v, want ErrForgedButton or ErrStaleButton", sealed, err)
		}

		// A value we sign at now-age: the round trip is exact.
		age %= 1 << 33 // ±272 years: keeps the time arithmetic in range
		s := fuzzSigner(fuzzNow.Add(-time.Duration(age) * time.Second)).Sign(value)
		emails, err := signer.Open(s)
		_, perr := ParseButtonValue(value)
		fresh := age <= int64(24*3600) && age >= -int64(24*3600)
		switch {
		case perr != nil || strings.Contains(value, sigSep) || len(s) > maxButtonValue:
			// Slack caps a button value at 2,000 bytes; ButtonValue leaves
			// room for the seal, so only a value it never makes gets here.
			if !errors.Is(err, ErrForgedButton) && !(errors.Is(err, ErrStaleButton) && !fresh) {
				t.Fatalf("signed invalid value %q: Open = %q, %v", value, emails, err)
			}
		case !fresh:
			if !errors.Is(err, ErrStaleButton) {
				t.Fatalf("value signed %d s ago: Open = %q, %v, want ErrStaleButton", age, emails, err)
			}
		case err != nil:
			t.Fatalf("fresh signed value %q refused: %v", value, err)
		case !slices.Equal(emails, strings.Split(value, " ")):
			t.Fatalf("Open returned %q for value %q", emails, value)
		}
		if _, err := other.Open(s); !errors.Is(err, ErrForgedButton) {
			t.Fatalf("a value signed under another key was not refused as forged: %v", err)
		}
	})
}

// fuzzDir is a Directory that counts calls and knows nobody.
type fuzzDir struct{ calls atomic.Int64 }

func (d *fuzzDir) Resolve(context.Context, string) (atlassian.Account, atlassian.Via, error) {
	d.calls.Add(1)
	return atlassian.Account{}, atlassian.ViaAdmin, atlassian.ErrNotFound
}

func (d *fuzzDir) DirectoryUser(context.Context, string) (atlassian.DirectoryUser, error) {
	d.calls.Add(1)
	return atlassian.DirectoryUser{}, atlassian.ErrNotFound
}

func (d *fuzzDir) LastActive(context.Context, string) (*atlassian.Activity, error) {
	d.calls.Add(1)
	return nil, atlassian.ErrNotFound
}

// fuzzUsers resolves every Slack user to one email, counting calls: a
// users.info call is an upstream call too.
type fuzzUsers struct{ calls atomic.Int64 }

func (u *fuzzUsers) EmailOf(context.Context, string) (string, error) {
	u.calls.Add(1)
	return "grace@example.com", nil
}

// recordingTransport answers every request with Slack's "ok" and records
// it, so nothing leaves the process. A path under /redirect/ is answered
// with a 307 towards a cloud metadata address instead.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	scheme, host, path string
	body               []byte
}

func (rt *recordingTransport) requests() []recorded {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.reqs)
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, recorded{r.URL.Scheme, r.URL.Host, r.URL.Path, body})
	rt.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/redirect/") {
		// A trusted host that tries to steer the reply elsewhere.
		return &http.Response{StatusCode: http.StatusTemporaryRedirect,
			Header: http.Header{"Location": {"http://169.254.169.254/latest/meta-data/"}},
			Body:   io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Request: r}, nil
}

// interactionSeed is a block_actions or message_action payload shaped like
// the ones Slack sends (see slacktest.BlockAction and MessageShortcut).
func interactionSeed(typ, user, channel, responseURL string, extra map[string]any) []byte {
	p := map[string]any{
		"type": typ, "token": "verification", "api_app_id": "A0TEST",
		"team": map[string]any{"id": "T0TEST"}, "user": map[string]any{"id": user},
		"channel": map[string]any{"id": channel}, "trigger_id": "1.2", "response_url": responseURL,
	}
	for k, v := range extra {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	return b
}

func buttonAction(actionID, value string) map[string]any {
	return map[string]any{"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "b", "value": value}},
		"container": map[string]any{"type": "message", "is_ephemeral": true}, "state": map[string]any{"values": map[string]any{}}}
}

// FuzzInteraction feeds arbitrary interactive payloads, decoded by slack-go
// as the socket does, to the bot's click and shortcut handling. It never
// panics; it answers at most once, only to Slack; it looks nobody up for a
// requester outside the allow-lists or for a button value it did not sign;
// and it posts in a channel only for a Share click it can trust.
func FuzzInteraction(f *testing.F) {
	signer := fuzzSigner(fuzzNow)
	good := signer.Sign("ada@example.com")
	const okURL = "https://hooks.slack.com/actions/T0/1/abc"
	for _, seed := range [][]byte{
		interactionSeed("block_actions", "U0OK", "C0OK", okURL, buttonAction(ActionShare, good)),
		interactionSeed("block_actions", "U0OK", "C0OK", okURL, buttonAction(ActionRefresh, good)),
		interactionSeed("block_actions", "U0NO", "C0OK", okURL, buttonAction(ActionRefresh, good)),
		interactionSeed("block_actions", "U0OK", "C0NO", okURL, buttonAction(ActionShare, good)),
		interactionSeed("block_actions", "U0OK", "C0OK", okURL, buttonAction(ActionShare, "ada@example.com")),
		interactionSeed("block_actions", "U0OK", "C0OK", "https://evil.example/x", buttonAction(ActionShare, good)),
		interactionSeed("block_actions", "U0OK", "C0OK", "http://127.0.0.1:9/x", buttonAction(ActionRefresh, good)),
		interactionSeed("block_actions", "U0OK", "C0OK", "https://files.slack.com/x", buttonAction(ActionRefresh, good)),
		interactionSeed("block_actions", "U0OK", "C0OK", "http://169.254.169.254/latest/meta-data/", buttonAction(ActionShare, good)),
		interactionSeed("block_actions", "U0OK", "C0OK", "https://hooks.slack.com/redirect/T0/1/abc", buttonAction(ActionRefresh, good)),
		interactionSeed("message_action", "U0OK", "C0OK", "https://hooks.slack.com/redirect/T0/2/abc", map[string]any{"callback_id": ShortcutAuthor, "message": map[string]any{"user": "U0GRACE"}}),
		interactionSeed("block_actions", "U0OK", "C0OK", okURL, buttonAction(ActionAdmin, "")),
		interactionSeed("message_action", "U0OK", "C0OK", okURL, map[string]any{"callback_id": ShortcutAuthor, "message": map[string]any{"user": "U0GRACE", "text": "hi"}}),
		interactionSeed("message_action", "U0NO", "C0OK", okURL, map[string]any{"callback_id": ShortcutAuthor, "message": map[string]any{"user": "U0GRACE"}}),
		interactionSeed("message_action", "U0OK", "C0OK", "", map[string]any{"callback_id": ShortcutAuthor, "message": map[string]any{"user": "U0GRACE"}}),
		interactionSeed("message_action", "U0OK", "C0OK", okURL, map[string]any{"callback_id": ShortcutAuthor, "message": map[string]any{"bot_id": "B1"}}),
		interactionSeed("view_submission", "U0OK", "C0OK", okURL, nil),
		[]byte(`{"type":"block_actions","actions":[null,{"block_id":1}]}`),
		[]byte(`{"type":"block_actions","actions":[{"block_id":"b"}],"state":[]}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var cb slack.InteractionCallback
		if json.Unmarshal(payload, &cb) != nil {
			return // the socket reports it as a bad message; nothing to answer
		}
		rt := &recordingTransport{}
		hc := &http.Client{Transport: rt}
		dir, users := &fuzzDir{}, &fuzzUsers{}
		gate := NewGate(GateConfig{AllowedUsers: []string{"U0OK"}, AllowedChannels: []string{"C0OK"}, PerUserBurst: 1000})
		svc := NewService(ServiceConfig{Lookups: NewLookups(dir, LookupOptions{}), Users: users, Gate: gate,
			OrgID: "org", Now: func() time.Time { return fuzzNow }, Buttons: signer})
		// Both reply paths get the client as internal/wire gives it: one
		// that would follow redirects, made safe by the bot.
		api := slack.New("xoxb-fuzz", slack.OptionHTTPClient(NoRedirects(hc)), slack.OptionAPIURL("https://slack.com/api/"))
		b := NewBot(Transport{Responder: NewResponder(hc, "https://slack.com/api/"), Ephemeral: api}, svc, BotConfig{}, nil, nil)

		ctx := context.Background()
		b.interaction(runCtx{work: ctx, posts: ctx}, job{received: fuzzNow, action: &cb})

		rt.mu.Lock()
		reqs := slices.Clone(rt.reqs)
		rt.mu.Unlock()
		if len(reqs) > 1 {
			t.Fatalf("%d posts for one interaction, want at most 1", len(reqs))
		}
		for _, r := range reqs {
			// Slack's response_url host, or the configured Web API host
			// (chat.postEphemeral), over TLS; never a redirect's target.
			if r.scheme != "https" || (hostOnly(r.host) != "hooks.slack.com" && r.host != "slack.com") {
				t.Fatalf("a reply went to %s://%s", r.scheme, r.host)
			}
		}
		var first *slack.BlockAction
		if len(cb.ActionCallback.BlockActions) > 0 {
			first = cb.ActionCallback.BlockActions[0]
		}
		isButton := cb.Type == slack.InteractionTypeBlockActions && first != nil &&
			(first.ActionID == ActionShare || first.ActionID == ActionRefresh)
		trustedButton := isButton && signed(signer, first.Value)
		isShortcut := cb.Type == slack.InteractionTypeMessageAction && cb.CallbackID == ShortcutAuthor
		allowed := cb.User.ID == "U0OK" && cb.Channel.ID == "C0OK"

		if n := dir.calls.Load() + users.calls.Load(); n > 0 && !(allowed && (trustedButton || isShortcut)) {
			t.Fatalf("%d upstream calls for %s by %q in %q (button %v, signed %v)", n, cb.Type, cb.User.ID, cb.Channel.ID, isButton, trustedButton)
		}
		for _, r := range reqs {
			if bytes.Contains(r.body, []byte(`"response_type":"in_channel"`)) &&
				!(allowed && trustedButton && first.ActionID == ActionShare) {
				t.Fatalf("posted in channel for %s %+v", cb.Type, first)
			}
		}
		if isButton && len(reqs) == 0 && trustedResponseURL(cb.ResponseURL) {
			t.Fatalf("a Share/Refresh click with a Slack response_url got no answer")
		}
	})
}

// signed reports whether the fixed signer accepts v now.
func signed(s *ButtonSigner, v string) bool {
	_, err := s.Open(v)
	return err == nil
}

func trustedResponseURL(raw string) bool {
	r := NewResponder(nil, "https://slack.com/api/")
	u, err := url.Parse(raw)
	return err == nil && r.trusted(u)
}

// hostOnly drops a port from host:port.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
