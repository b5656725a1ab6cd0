package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/internal/backoff"
	"lastactive/internal/slackcode"
	"lastactive/seat"
)

// SlackKind is the category of a failed Slack Web API call. Callers branch
// on it with errors.Is, e.g. errors.Is(err, bot.ErrSlackTokenRejected); a
// *SlackError matches exactly one kind.
type SlackKind string

func (k SlackKind) Error() string { return string(k) }

// The kinds of Slack Web API failure.
const (
	// ErrSlackTokenRejected: Slack refused the bot token (invalid_auth,
	// account_inactive, token_revoked, token_expired, not_authed,
	// not_allowed_token_type). Nothing the asker does helps; an operator must
	// replace SLACK_BOT_TOKEN or reinstall the app.
	ErrSlackTokenRejected SlackKind = "slack rejected the bot token"
	// ErrSlackRateLimited: 429 or "ratelimited" after every retry;
	// SlackError.RetryAfter says how long Slack asked us to wait.
	ErrSlackRateLimited SlackKind = "slack is rate limiting the bot"
	// ErrSlackUnavailable: 5xx, Slack's own fatal_error or
	// service_unavailable, a transport failure or a timeout, or a 200
	// answer that could not be read (not JSON, cut short, a field of
	// another type, larger than MaxSlackAnswer, its connection reset),
	// after every retry.
	ErrSlackUnavailable SlackKind = "slack unavailable"
	// ErrSlackMissingScope: the app lacks a scope the method needs.
	ErrSlackMissingScope SlackKind = "slack app lacks a scope"
	// ErrSlackRefused: any other method error (user_not_found,
	// channel_not_found, …); SlackError.Code names it.
	ErrSlackRefused SlackKind = "slack refused the call"
)

// SlackError is one failed Slack Web API call. Its text names the method,
// the kind and Slack's error code or HTTP status: never a token, a URL or
// a request body.
type SlackError struct {
	Method     string // e.g. "users.info"
	Kind       SlackKind
	Code       string // Slack's error code ("invalid_auth"); "" for HTTP and transport failures
	Status     int    // HTTP status when the call got a non-200 answer, else 0
	RetryAfter time.Duration
	Attempts   int   // how many times the call was made
	Err        error // the cause, URLs stripped
	// Needed is what missing_scope says the method needs
	// ("users:read.email"), when it has the shape of scope names.
	Needed string
	// Messages are Slack's response_metadata.messages (invalid_blocks
	// points at the block it refused), each kept only when it has the
	// shape of Slack's words (safeSlackMessage).
	Messages []string
}

func (e *SlackError) Error() string {
	s := fmt.Sprintf("slack %s: %s", e.Method, e.Kind)
	switch {
	case e.Code != "" && e.Needed != "":
		s += " (" + e.Code + ": needs " + e.Needed + ")"
	case e.Code != "":
		s += " (" + e.Code + ")"
	case e.Status != 0:
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	case e.Err != nil:
		s += ": " + e.Err.Error()
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(", after %d attempts", e.Attempts)
	}
	if len(e.Messages) > 0 {
		s += "; slack says: " + strings.Join(e.Messages, "; ")
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded)
// still sees a timeout.
func (e *SlackError) Unwrap() error { return e.Err }

// Is matches the error's kind.
func (e *SlackError) Is(target error) bool {
	k, ok := target.(SlackKind)
	return ok && k == e.Kind
}

// SlackRetry is the retry policy of the bot's Slack Web API calls: 3 attempts
// and at most 15 s of waiting, so a mention lookup or a report's file stays
// well inside its own deadline. Slack's Retry-After wins over the backoff;
// a Retry-After longer than what is left of the budget fails at once, with
// the wait in the error.
var SlackRetry = backoff.Policy{Base: 500 * time.Millisecond, Max: 4 * time.Second, Attempts: 3, Budget: 15 * time.Second}

// SlackAPI runs the bot's own Slack Web API calls (users.info,
// conversations.open, the two-step file upload) with the one retry policy,
// classifies their failures (SlackError), and watches the bot token: when
// Slack starts refusing it, one loud log line and one OnTokenRejected call,
// not one per command.
type SlackAPI struct {
	Client *slack.Client
	// URL is the Web API base URL Client uses (SLACK_API_URL): a file's
	// upload URL must be on Slack's file host or here (TrustedUploadURL).
	URL string
	// Retry bounds one call's retries; zero fields take SlackRetry's values.
	Retry backoff.Policy
	// Clock times the waits; nil is the real clock.
	Clock  backoff.Clock
	Logger *slog.Logger // nil: discard
	// OnTokenRejected, when set, is called each time Slack starts refusing
	// the bot token (a change of state, not every refused call). Readiness
	// uses it to mark the bot not ready at once.
	OnTokenRejected func(err error)
	// Metrics counts the calls that failed, by method and kind; nil
	// counts nothing.
	Metrics *Metrics

	rejected atomic.Bool
	profiles profiles // what SlackUsers read (users.info), kept briefly
	limited  sync.Map // method → time.Time: Slack's Retry-After holds until then
}

// perChannel are the methods Slack limits per channel rather than per app
// and workspace: one channel's 429 says nothing about another's posts.
var perChannel = map[string]bool{"chat.postMessage": true}

// limitedUntil is when the last Retry-After Slack gave method ends.
func (a *SlackAPI) limitedUntil(method string) time.Time {
	v, _ := a.limited.Load(method)
	until, _ := v.(time.Time)
	return until
}

// sharedLimitMax bounds how long one Retry-After holds a method's other
// calls: Slack's own are a minute at most, and a day's from a broken proxy
// must not stop every App Home for a day.
const sharedLimitMax = time.Minute

// limit records that Slack refuses method for d: the method's other calls
// wait it out instead of being sent and refused (Slack counts those too).
// It returns when the limit ends, the later of this one and one recorded.
func (a *SlackAPI) limit(method string, d time.Duration) time.Time {
	until := a.now().Add(d)
	if perChannel[method] {
		return until
	}
	if d > sharedLimitMax {
		a.limit(method, sharedLimitMax)
		return until
	}
	for {
		v, loaded := a.limited.LoadOrStore(method, until)
		if !loaded {
			return until
		}
		if had := v.(time.Time); !had.Before(until) {
			return had
		} else if a.limited.CompareAndSwap(method, had, until) {
			return until
		}
	}
}

// now is the Clock's time.
func (a *SlackAPI) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock.Now()
}

// TokenRejected reports whether the last call that reached Slack had the
// bot token refused.
func (a *SlackAPI) TokenRejected() bool { return a.rejected.Load() }

// call runs fn, the Web API method named method, retrying what Slack asks to
// be retried. safeOn5xx says the method may be repeated after a 5xx or a
// transport failure (it may have been carried out); a 429 is always safe,
// since Slack did nothing.
func (a *SlackAPI) call(ctx context.Context, method string, safeOn5xx bool, fn func(context.Context) error) error {
	err := a.try(ctx, method, safeOn5xx, fn)
	if se := (*SlackError)(nil); errors.As(err, &se) {
		a.Metrics.slackFailed(method, se.Kind)
	}
	return err
}

// try is call without the count.
func (a *SlackAPI) try(ctx context.Context, method string, safeOn5xx bool, fn func(context.Context) error) error {
	p := a.Retry
	if p == (backoff.Policy{}) {
		p = SlackRetry
	}
	p, err := p.WithDefaults()
	if err != nil {
		return fmt.Errorf("slack %s: retry policy: %w", method, err)
	}
	var (
		waited    time.Duration
		waitedOut time.Time // the end of the last limit this call waited out
	)
	for n := 1; ; n++ {
		if until := a.limitedUntil(method); until.After(waitedOut) && until.After(a.now()) {
			// Another call of method was answered 429 a moment ago.
			wait := until.Sub(a.now())
			waitedOut = until
			if p.Exhausted(n, waited, wait) || !fitsDeadline(ctx, wait) {
				return &SlackError{Method: method, Kind: ErrSlackRateLimited, Status: http.StatusTooManyRequests,
					RetryAfter: wait, Attempts: n - 1, Err: errors.New("slack is rate limiting " + method)}
			}
			if err := backoff.Sleep(ctx, a.Clock, wait); err != nil {
				return &SlackError{Method: method, Kind: ErrSlackRateLimited, Status: http.StatusTooManyRequests,
					RetryAfter: wait, Attempts: n - 1, Err: err}
			}
			waited += wait
		}
		err := fn(ctx)
		if err == nil {
			a.tokenOK()
			return nil
		}
		se := classifySlack(method, err)
		se.Attempts = n
		if se.Kind == ErrSlackTokenRejected {
			a.tokenRefused(se)
			return se
		}
		if se.Kind == ErrSlackRefused || se.Kind == ErrSlackMissingScope {
			a.tokenOK() // Slack read the token and refused something else
		}
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return se
		case se.Kind == ErrSlackRateLimited:
			wait = max(se.RetryAfter, time.Second)
			waitedOut = a.limit(method, wait)
			wait = max(wait, waitedOut.Sub(a.now()))
		case se.Kind == ErrSlackUnavailable && safeOn5xx && !atlassian.TLSRefused(err):
			// A server that will not speak TLS with the bot (a refused
			// certificate, plain HTTP, no protocol in common) refuses the
			// next attempt the same way.
			wait = p.Delay(n, nil)
		default:
			return se
		}
		if p.Exhausted(n, waited, wait) || !fitsDeadline(ctx, wait) {
			return se
		}
		if err := backoff.Sleep(ctx, a.Clock, wait); err != nil {
			return se
		}
		waited += wait
	}
}

// neverConnected reports whether err is a call whose connection to Slack
// (or to the proxy before it) was never made: refused, unroutable, its
// name not resolved. No byte of the request left, so it was certainly not
// done. A failure after connecting (a reset, a timeout, a 5xx) may have
// been.
func neverConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// fitsDeadline reports whether waiting d leaves ctx alive.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

func (a *SlackAPI) tokenOK() {
	if a.rejected.CompareAndSwap(true, false) {
		a.log().Info("Slack accepts the bot token again")
	}
}

func (a *SlackAPI) tokenRefused(se *SlackError) {
	if !a.rejected.CompareAndSwap(false, true) {
		return
	}
	a.log().Error("Slack rejected the bot token: every mention, shortcut and report file fails until SLACK_BOT_TOKEN is replaced (reinstall the app to get a new xoxb- token)",
		"method", se.Method, "code", se.Code)
	if a.OnTokenRejected != nil {
		a.OnTokenRejected(se)
	}
}

func (a *SlackAPI) log() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// classifySlack turns what slack-go returned into a SlackError.
func classifySlack(method string, err error) *SlackError {
	se := &SlackError{Method: method, Kind: ErrSlackRefused, Err: stripURL(err)}
	var (
		rl   *slack.RateLimitedError
		sc   slack.StatusCodeError
		resp slack.SlackErrorResponse
	)
	switch {
	case errors.As(err, &rl):
		se.Kind, se.Status, se.RetryAfter = ErrSlackRateLimited, http.StatusTooManyRequests, rl.RetryAfter
	case errors.As(err, &sc):
		se.Status = sc.Code
		switch {
		case sc.Code == http.StatusTooManyRequests:
			se.Kind = ErrSlackRateLimited
		case sc.Code >= 500:
			se.Kind = ErrSlackUnavailable
		case sc.Code == http.StatusUnauthorized:
			se.Kind = ErrSlackTokenRejected
		}
	case errors.As(err, &resp):
		se.Code = slackCode(resp.Err)
		se.Kind = slackCodeKind(se.Code)
		se.Err = nil // resp says no more than the code, and may say it verbatim
		if se.Kind == ErrSlackMissingScope && scopeList(resp.Needed) {
			se.Needed = resp.Needed
		}
		for _, m := range resp.ResponseMetadata.Messages {
			if len(se.Messages) == maxSlackMessages {
				break
			}
			if safeSlackMessage(strings.ReplaceAll(m, "[json-pointer:", "[")) {
				se.Messages = append(se.Messages, m)
			}
		}
	case errors.Is(err, context.Canceled):
		// Our own stop, not Slack's failure; the kind still says "no answer".
		se.Kind = ErrSlackUnavailable
	case errors.Is(err, errNoChannel):
		// An answer without what it is for: no usable answer, not a refusal.
		se.Kind = ErrSlackUnavailable
	case errors.Is(err, ErrSlackAnswerTooLarge):
		// A broken proxy or a hostile server, not Slack refusing.
		se.Kind, se.Err = ErrSlackUnavailable, ErrSlackAnswerTooLarge
	case unreadableAnswer(err) != nil:
		// A 200 whose body slack-go could not decode (a proxy's page, a
		// cut answer, a field of another type): no usable answer, not a
		// refusal.
		se.Kind, se.Err = ErrSlackUnavailable, unreadableAnswer(err)
	default:
		// Transport failures and timeouts: no answer from Slack. slack-go
		// returns a failure to read the body as the read's own error, not
		// a *url.Error: a reset connection mid-answer is a net.Error.
		var (
			ue *url.Error
			ne net.Error
		)
		if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
			se.Kind = ErrSlackUnavailable
		}
	}
	return se
}

// errNoChannel is conversations.open answered ok without a channel ID.
var errNoChannel = errors.New("the answer names no channel")

// errAnswerNotJSON words an answer that is not JSON, or was cut short: the
// decoder's own words may quote a byte of it.
var errAnswerNotJSON = errors.New("the answer could not be read: it is not JSON, or it was cut short")

// unreadableAnswer words err when it is slack-go's failure to decode an
// answer, nil otherwise. A field of another type is named by its path and
// the Go type it should have (the decoder's own words quote a number of
// the body); anything else is said without the decoder's words, so no
// part of the body reaches a log. A transport failure (a *url.Error, an
// io.EOF of a connection closed before the answer) is not one.
func unreadableAnswer(err error) error {
	var (
		ue  *url.Error
		typ *json.UnmarshalTypeError
		syn *json.SyntaxError
	)
	switch {
	case errors.As(err, &ue):
		return nil
	case errors.As(err, &typ) && typ.Type != nil:
		field := typ.Field
		if field == "" {
			field = "(the answer itself)"
		}
		return fmt.Errorf("the answer could not be read: its field %s is not a %s", field, typ.Type)
	case errors.As(err, &typ), errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errAnswerNotJSON
	}
	return nil
}

// unreadableCode stands for an "error" that is not a code: a proxy or a
// broken Slack that repeats the request (the form carries the bot token).
const unreadableCode = "unreadable_error_code"

// slackCode keeps Slack's error code when it has the shape of one
// (slackcode.Valid, as check requires), so that nothing else Slack or a
// proxy put there reaches an error or a log.
func slackCode(code string) string {
	if !slackcode.Valid(code) {
		return unreadableCode
	}
	return code
}

// scopeList reports whether s has the shape of missing_scope's "needed":
// up to 8 scope names (users:read.email), comma-separated, each a
// lower-case letter then up to 63 of [a-z0-9_.:]. Nothing else of it is
// repeated. Written out rather than as a regexp: the counted repetitions
// of `^[a-z][a-z0-9_.:]{0,63}(,[a-z][a-z0-9_.:]{0,63}){0,7}$` compiled to
// some 150 KB of heap kept for the process's life (the test holds the
// regexp as the oracle: FuzzSlackShapesAgreeWithTheirRegexps).
func scopeList(s string) bool {
	for n := 1; ; n++ {
		item, rest, more := strings.Cut(s, ",")
		if !isScope(item) {
			return false
		}
		if !more {
			return true
		}
		if n == 8 {
			return false
		}
		s = rest
	}
}

// isScope: a lower-case letter, then up to 63 of [a-z0-9_.:].
func isScope(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// safeSlackMessage reports whether s has the shape of what Slack says in
// response_metadata.messages ("[ERROR] must be less than 3001 characters
// [json-pointer:/blocks/1/text/text]"): words, numbers and a block pointer,
// 1 to 200 of [A-Za-z0-9 ,.:;'"/()[]_]. A message with anything else (a
// "-" or "=" of an echoed token or form, outside "json-pointer") is left
// out, as is one past 200 characters. Written out for the reason
// scopeList is.
func safeSlackMessage(s string) bool {
	if len(s) == 0 || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(` ,.:;'"/()[]_`, c) >= 0) {
			return false
		}
	}
	return true
}

// maxSlackMessages bounds the messages kept of one answer.
const maxSlackMessages = 3

// slackCodeKind sorts Slack's documented error codes.
func slackCodeKind(code string) SlackKind {
	switch code {
	case "invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed", "not_allowed_token_type", "team_access_not_granted":
		return ErrSlackTokenRejected
	case "ratelimited", "rate_limited":
		return ErrSlackRateLimited
	case "fatal_error", "internal_error", "service_unavailable", "request_timeout":
		return ErrSlackUnavailable
	case "missing_scope":
		return ErrSlackMissingScope
	}
	return ErrSlackRefused
}

// stripURL drops the URL from a transport error: an upload URL carries a
// one-time secret in its path.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// slackFailureText words a Slack failure for the person who asked; ok is
// false when err is not a SlackError. what says what the call was for
// ("read this Slack user's profile").
func slackFailureText(err error, what string) (string, bool) {
	var se *SlackError
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Kind {
	case ErrSlackTokenRejected:
		return "Slack rejected the bot's token, so it could not " + what + ". Your Slack admin has been alerted in the bot's log and it is being fixed; try again later.", true
	case ErrSlackRateLimited:
		return "Slack is rate limiting the bot, so it could not " + what + "; try again " + seat.RetryIn(se.RetryAfter) + ".", true
	case ErrSlackUnavailable:
		return "Slack did not answer when the bot tried to " + what + "; try again in a minute.", true
	case ErrSlackMissingScope:
		if se.Needed != "" {
			return "The Slack app lacks the scope " + se.Needed + " it needs to " + what + ". Ask your Slack admin to add it (api.slack.com/apps → OAuth & Permissions) and reinstall the app.", true
		}
		return "The Slack app lacks a scope it needs to " + what + ". Ask your Slack admin to check the app's scopes.", true
	}
	return "Slack refused when the bot tried to " + what + "; try again, and tell your Slack admin if it keeps happening.", true
}
