package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"lastactive/internal/backoff"
	"lastactive/internal/slackcode"
)

// ReplyMode says who sees a response_url reply and whether it replaces the
// message the URL came from: Slack's response_type and replace_original,
// as one value so that no call can ask for a combination the bot never means.
type ReplyMode int

// The reply modes.
const (
	// Private is a new ephemeral message, seen only by the asker.
	Private ReplyMode = iota
	// PrivateReplace replaces the ephemeral message the URL belongs to (a
	// report's progress note, a reply whose Refresh was clicked).
	PrivateReplace
	// Public is a new message everyone in the channel sees (Share).
	Public
)

// responseType is Slack's response_type for m.
func (m ReplyMode) responseType() string {
	if m == Public {
		return "in_channel"
	}
	return "ephemeral"
}

// responseBody is what a response_url takes.
type responseBody struct {
	ResponseType    string        `json:"response_type"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original"`
}

// Responder posts replies to Slack response URLs. Slack allows five posts
// per URL within 30 minutes, so it retries only what Slack asks to be
// retried (429, 5xx), and a transport error only when the request certainly
// did not reach Slack (no connection, or its writing failed), a few times.
// A request sent whole whose answer was lost is not posted again
// (ErrReplyUnconfirmed): the asker would see the reply twice.
type Responder struct {
	client *http.Client
	// trusted says which hosts may receive a reply. Replies carry personal
	// data, so a forged payload must not send them elsewhere.
	trusted func(*url.URL) bool
	retry   backoff.Policy
	clock   backoff.Clock // nil: the real clock; tests replace it
	// log hears of a reply Slack took whose answer could not be read
	// whole; nil: the Bot's (NewBot), or none.
	log *slog.Logger
}

// now reads the Responder's clock, the one its waits go by.
func (r *Responder) now() time.Time {
	if r.clock == nil {
		return time.Now()
	}
	return r.clock.Now()
}

// ReplyRetry is the Responder's policy: 3 attempts, backing off from 1 s,
// and never more than 20 s of waiting in all. A Retry-After from Slack wins
// but is believed up to maxReplyWait only: a reply that late is of no use.
var ReplyRetry = backoff.Policy{Base: time.Second, Max: 2 * time.Second, Attempts: 3, Budget: 20 * time.Second}

const maxReplyWait = 10 * time.Second

// SlackHooksHost is where Slack's response_urls point.
const SlackHooksHost = "hooks.slack.com"

// NewResponder returns a Responder. Replies go only to
// https://hooks.slack.com and to the scheme, host and port of apiURL, the
// Slack Web API base URL in use (a test's fake or an enterprise proxy):
// nothing else, not even another port of the same machine. Redirects are
// never followed: a trusted host that answers 307 must not steer a reply,
// with its personal data, somewhere else (such as a cloud metadata address).
func NewResponder(client *http.Client, apiURL string) *Responder {
	if client == nil {
		client = &http.Client{}
	}
	if client.Timeout >= replyAttemptTimeout {
		// Each attempt has its own deadline (post), never later than
		// this; over a transport net/http does not know, it would serve
		// the Timeout the legacy way, a goroutine and a timer a post.
		c := *client
		c.Timeout = 0
		client = &c
	}
	var api *url.URL
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
		api = u
	}
	return &Responder{
		client: NoRedirects(client),
		retry:  ReplyRetry,
		trusted: func(u *url.URL) bool {
			if u.User != nil {
				return false
			}
			if u.Scheme == "https" && (u.Host == SlackHooksHost || u.Host == SlackHooksHost+":443") {
				return true
			}
			return api != nil && u.Scheme == api.Scheme && u.Host == api.Host
		},
	}
}

// TrustedUploadURL reports whether raw, an upload URL from
// files.getUploadURLExternal's answer, may receive a file: https on Slack's
// own domains (files.slack.com; slack-gov.com for GovSlack), as slack-go
// itself allows, or the scheme, host and port of apiURL, the Web API base
// URL in use (a test's fake or an enterprise proxy). A file is a report's
// CSV, everyone with a seat: an answer naming another host, even another
// port of this machine, must not steer it there.
func TrustedUploadURL(apiURL, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" {
		return false
	}
	if a, err := url.Parse(apiURL); err == nil && a.Host != "" && a.User == nil && (a.Scheme == "https" || a.Scheme == "http") &&
		u.Scheme == a.Scheme && strings.EqualFold(u.Host, a.Host) {
		return true
	}
	if u.Scheme != "https" || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, d := range []string{"slack.com", "slack-gov.com"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// NoRedirects returns a copy of c that never follows a redirect: the
// redirect answer itself is returned, and the caller treats it as a failure.
// Every client that posts replies to Slack uses it (response_url posts here,
// chat.postEphemeral through slack-go, built by internal/wire).
func NoRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// SlackHTTP returns the client for slack-go: c following no redirect
// (NoRedirects), its answers read up to MaxSlackAnswer, a 429's
// Retry-After said in seconds (limitAnswers), and user records reduced to
// the fields the bot reads (leanUsers).
func SlackHTTP(c *http.Client) *http.Client {
	return limitAnswers(NoRedirects(c), MaxSlackAnswer)
}

// MaxSlackAnswer bounds what is read of one Slack Web API answer: a page
// of users.list (200 profiles) is well under a MiB, so an answer past this
// is a broken proxy or a hostile server, not Slack.
const MaxSlackAnswer = 16 << 20

// ErrSlackAnswerTooLarge ends the reading of an answer over its cap.
var ErrSlackAnswerTooLarge = errors.New("slack answer larger than the bot reads")

// limitAnswers returns a copy of c whose answers end with
// ErrSlackAnswerTooLarge after n bytes: slack-go decodes an answer whole,
// so without it an endless body would be held in memory until the
// client's timeout. Its 429s carry Retry-After in seconds.
//
// c's Timeout becomes the transport's own: a request whose context has no
// deadline sooner is given one that far off, until its body is closed.
// Left on the client, over this transport net/http does not know, it was
// served the legacy way: a goroutine, a timer and a Request.Cancel (which
// starts a second goroutine in the transport) for every call.
func limitAnswers(c *http.Client, n int64) *http.Client {
	cc := *c
	next := cc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cc.Transport = cappedTransport{next: next, max: n, timeout: cc.Timeout}
	cc.Timeout = 0
	return &cc
}

type cappedTransport struct {
	next    http.RoundTripper
	max     int64
	timeout time.Duration // each request's bound, with its body; 0: none
}

func (t cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var cancel context.CancelFunc
	if t.timeout > 0 {
		dl := time.Now().Add(t.timeout)
		if had, ok := req.Context().Deadline(); !ok || had.After(dl) {
			var ctx context.Context
			ctx, cancel = context.WithDeadline(req.Context(), dl)
			req = req.WithContext(ctx)
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return resp, err
	}
	if resp.Body == nil {
		if cancel != nil {
			cancel()
		}
	} else {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: t.max, cancel: cancel}
		if resp.StatusCode == http.StatusOK && leanUsersAnswer(req) {
			// Only the user fields the bot reads (leanUsers).
			leanUsersBody(resp)
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" {
		// slack-go reads Retry-After as whole seconds only: an HTTP date or
		// garbage became a number-parsing error, which no caller can tell
		// from a refusal. Say it in seconds (capped as Atlassian's are),
		// or 0 when it says nothing usable: still a rate limit.
		d, _ := backoff.RetryAfterHeader(resp.Header, time.Now())
		resp.Header.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10))
	}
	return resp, nil
}

// CloseIdleConnections passes through to the wrapped transport.
func (t cappedTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type cappedBody struct {
	io.ReadCloser
	left   int64
	cancel context.CancelFunc // the request's own deadline; nil: none
}

// Close closes the body and ends the request's own deadline.
func (b *cappedBody) Close() error {
	err := b.ReadCloser.Close()
	if b.cancel != nil {
		b.cancel()
	}
	return err
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the cap: only the end of the body may follow.
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		return 0, ErrSlackAnswerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// sleepCtx waits d or until ctx is done. (The Socket Mode reconnect loop
// uses it; replies wait with backoff.Sleep.)
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrUntrustedURL is returned for a response_url, or a file's upload URL,
// that is not Slack's.
var ErrUntrustedURL = errors.New("not a Slack URL")

// ErrBlocksRefused is matched (errors.Is) by a reply Slack refused for its
// blocks (invalid_blocks and the like): the same reply as its plain text
// alone may still be taken.
var ErrBlocksRefused = errors.New("slack refused the reply's blocks")

// ErrReplyURLGone is matched (errors.Is) by a reply Slack refused because
// its response_url can take no more: expired (after 30 minutes), used up
// (after 5 posts), or unknown. Slack posted nothing, so the same answer may
// go another way without showing twice.
var ErrReplyURLGone = errors.New("response_url expired or used up")

// ErrReplyUnconfirmed is matched (errors.Is) by a reply whose whole request
// was sent but whose answer was lost (the connection dropped, or the attempt
// timed out waiting): Slack may have shown it, so it is not posted again.
var ErrReplyUnconfirmed = errors.New("reply sent but Slack's answer was lost")

// urlGone reports whether a response_url's refusal says the URL itself is
// gone rather than the message refused.
func urlGone(status int, code string) bool {
	switch code {
	case "expired_url", "used_url", "invalid_url":
		return true
	}
	return status == http.StatusNotFound || status == http.StatusGone
}

// blocksRefused reports whether Slack's error code refuses a message's
// blocks rather than the message.
func blocksRefused(code string) bool {
	switch code {
	case "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long":
		return true
	}
	return false
}

// replyError is a response_url's refusal, naming Slack's error code when
// the answer (JSON or plain text) carries one of its shape.
func replyError(status int, data []byte) error {
	code := ""
	trimmed := bytes.TrimSpace(data)
	var ans struct {
		Error string `json:"error"`
	}
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if json.Unmarshal(trimmed, &ans) == nil {
			code = ans.Error
		}
	} else {
		code = string(trimmed)
	}
	msg := "slack refused the reply"
	if status != http.StatusOK {
		msg = fmt.Sprintf("slack answered %d", status)
	}
	if !slackcode.Valid(code) {
		code = ""
	}
	if urlGone(status, code) {
		return fmt.Errorf("%s: %w", strings.TrimSpace(msg+" "+code), ErrReplyURLGone)
	}
	if code == "" {
		return errors.New(msg)
	}
	if blocksRefused(code) {
		return fmt.Errorf("%s %s: %w", msg, code, ErrBlocksRefused)
	}
	return fmt.Errorf("%s %s", msg, code)
}

// Post sends msg to responseURL.
func (r *Responder) Post(ctx context.Context, responseURL string, msg Message, mode ReplyMode) error {
	u, err := url.Parse(responseURL)
	if err != nil || !r.trusted(u) {
		return ErrUntrustedURL
	}
	body, err := json.Marshal(responseBody{ResponseType: mode.responseType(), Text: msg.Text, Blocks: msg.Blocks, ReplaceOriginal: mode == PrivateReplace})
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	var (
		last   error
		waited time.Duration
	)
	for n := 1; ; n++ {
		retry, hint, unread, err := r.post(ctx, u.String(), body)
		if err == nil {
			if unread != nil && r.log != nil {
				r.log.Warn("reply taken: Slack answered 200, but the rest of its answer could not be read; counted as delivered "+
					"and not posted again (Slack refuses a reply with a 4xx or 5xx status, not a 200)", "err", unread)
			}
			return nil
		}
		last = err
		wait := hint
		if wait <= 0 {
			wait = r.retry.Delay(n, nil)
		}
		if !retry || ctx.Err() != nil || r.retry.Exhausted(n, waited, wait) {
			break
		}
		if err := backoff.Sleep(ctx, r.clock, wait); err != nil {
			return fmt.Errorf("post reply: %w", err)
		}
		waited += wait
	}
	return fmt.Errorf("post reply: %w", last)
}

// replyAttemptTimeout bounds one attempt of a response_url post.
const replyAttemptTimeout = 10 * time.Second

// post makes one attempt. retry says whether another may follow; hint is
// Slack's Retry-After (capped), or 0 for the policy's backoff. unread is
// why the body of a success could not be read whole (cut short, or never
// sent before the attempt's deadline): the status said Slack took the
// reply, so it is one (what did arrive is still read for a refusal), and
// the caller tells the operator.
func (r *Responder) post(ctx context.Context, target string, body []byte) (retry bool, hint time.Duration, unread, err error) {
	ctx, cancel := context.WithTimeout(ctx, replyAttemptTimeout)
	defer cancel()
	var sent sendTrace
	ctx = httptrace.WithClientTrace(ctx, sent.trace())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, 0, nil, errors.New("build request")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := r.client.Do(req)
	if err != nil {
		// The URL carries a one-time secret path: never echo it.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		if !sent.unsent() && !sent.closedAsIdle(err) {
			// Slack may have taken it: a second post would show twice.
			return false, 0, nil, fmt.Errorf("send: %w: %w", ErrReplyUnconfirmed, err)
		}
		return true, 0, nil, fmt.Errorf("send: %w", err)
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := backoff.RetryAfterHeader(resp.Header, r.now()); ok && d > 0 {
			hint = min(d, maxReplyWait)
		}
		return true, hint, nil, errors.New("slack answered 429")
	case resp.StatusCode >= 500:
		return true, 0, nil, fmt.Errorf("slack answered %d", resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return false, 0, nil, replyError(resp.StatusCode, data)
	}
	// Slack answers "ok" as text or {"ok":true} as JSON; any other success
	// (204, an empty object) took the reply too. Only an answer that says
	// it refused ({"ok":false}, an error code) is a refusal.
	var ok struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &ok); err == nil && (ok.OK != nil && !*ok.OK || ok.OK == nil && ok.Error != "") {
			return false, 0, nil, replyError(resp.StatusCode, data)
		}
	}
	return false, 0, rerr, nil
}

// sendTrace follows one attempt's connection and writing, to tell a request
// that never reached Slack from one whose answer was lost.
type sendTrace struct {
	mu                          sync.Mutex
	conn, reused, wrote, failed bool
}

func (s *sendTrace) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			s.mu.Lock()
			s.conn, s.reused = true, i.Reused
			s.mu.Unlock()
		},
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			s.mu.Lock()
			if i.Err == nil {
				s.wrote = true
			} else {
				s.failed = true
			}
			s.mu.Unlock()
		},
	}
}

// closedAsIdle reports whether err is a kept-alive connection closed before
// any answer (end of file): the race of a server closing an idle connection
// just as a request goes out on it, which net/http retries itself for a GET
// but not for a POST. Slack closed that connection unread, so the post is
// made again; the rarer server that read a post and then closed without a
// word gets it twice, which beats an answer never seen.
func (s *sendTrace) closedAsIdle(err error) bool {
	s.mu.Lock()
	reused := s.reused
	s.mu.Unlock()
	return reused && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "server closed idle connection"))
}

// unsent reports whether the request certainly did not reach Slack whole:
// no connection was had, or its writing failed (and no other try of it,
// such as net/http's own on a fresh connection, was written whole). A
// connection had and no word of the writing's end counts as sent: HTTP/2
// may give up waiting before it says.
func (s *sendTrace) unsent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.wrote && (!s.conn || s.failed)
}
