package bot

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzTrustedURLs: a response_url or an upload URL from a payload is a
// target only if trusted; one trusted is sent to the host it was trusted
// for, as the request is built from it again (Post sends u.String(), the
// HTTP client parses it anew), never to another.
func FuzzTrustedURLs(f *testing.F) {
	for _, s := range []string{
		"https://hooks.slack.com/commands/T1/1/x", "https://hooks.slack.com:443/x", "http://hooks.slack.com/x",
		"https://hooks.slack.com@evil.example/x", "https://evil.example/?https://hooks.slack.com",
		"http://127.0.0.1:9999/response/1", "http://127.0.0.1:9998/response/1", "https://files.slack.com/upload/v1/x",
		"https://evil.slack.com.example/x", "https://files.slack.com:8443/x", "https://HOOKS.SLACK.COM/x",
		"https:hooks.slack.com/x", "//hooks.slack.com/x", "https://hooks.slack.com%2f@evil/x", "https://[::1]:9999/x",
		"https://hooks.slack.com/\\@evil", "https://hooks.slack.com#@evil", "https://files.slack-gov.com/x",
	} {
		f.Add(s, "http://127.0.0.1:9999/api/")
	}
	f.Add("https://hooks.slack.com/x", "https://slack.com/api/")
	f.Add("https://files.slack.com/x", "http://u:p@127.0.0.1:1/api/")
	f.Fuzz(func(t *testing.T, raw, api string) {
		a, aerr := url.Parse(api)
		apiHost := ""
		if aerr == nil && (a.Scheme == "https" || a.Scheme == "http") {
			apiHost = strings.ToLower(a.Host)
		}
		// dialled is where a request built from s would go.
		dialled := func(s string) (scheme, host string, ok bool) {
			u, err := url.Parse(s)
			if err != nil || u.User != nil {
				return "", "", false
			}
			return u.Scheme, strings.ToLower(u.Host), true
		}
		u, err := url.Parse(raw)
		if err == nil && NewResponder(nil, api).trusted(u) {
			scheme, host, ok := dialled(u.String())
			if !ok {
				t.Fatalf("response_url %q trusted, sent as %q, which does not parse", raw, u.String())
			}
			hooks := scheme == "https" && (host == SlackHooksHost || host == SlackHooksHost+":443")
			if !hooks && (host != apiHost || scheme != a.Scheme) {
				t.Fatalf("response_url %q (API %q) trusted, sent to %s://%s", raw, api, scheme, host)
			}
		}
		if TrustedUploadURL(api, raw) {
			scheme, host, ok := dialled(raw)
			if !ok {
				t.Fatalf("upload URL %q trusted but does not parse", raw)
			}
			name := host
			if h, _, found := strings.Cut(host, ":"); found && !strings.HasPrefix(host, "[") {
				name = h
			}
			slack := scheme == "https" && (name == "slack.com" || strings.HasSuffix(name, ".slack.com") ||
				name == "slack-gov.com" || strings.HasSuffix(name, ".slack-gov.com"))
			if !slack && (host != apiHost || scheme != a.Scheme) {
				t.Fatalf("upload URL %q (API %q) trusted, sent to %s://%s", raw, api, scheme, host)
			}
		}
	})
}
