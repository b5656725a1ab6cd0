package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestEverySubcommandAnswersHelp: SUBCOMMAND --help and -h print its usage
// on stdout and exit 0, before reading the configuration or calling
// anything (healthcheck --help must not run the health check).
func TestEverySubcommandAnswersHelp(t *testing.T) {
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) })}
	go srv.Serve(ln) // stopped by Close below
	t.Cleanup(func() { srv.Close() })

	f := startFakes(t)
	env := f.env("LASTACTIVE_HTTP_ADDR=" + ln.Addr().String())
	for _, sub := range []string{"serve", "lookup", "report", "check", "demo", "healthcheck", "version", "nudge", "digest", "audit", "migrate"} {
		for _, flag := range []string{"--help", "-h", "--help=true"} {
			t.Run(sub+" "+flag, func(t *testing.T) {
				args := []string{sub, flag}
				if sub == "lookup" {
					args = []string{sub, "ada@example.com", flag} // after an argument, too
				}
				r := runBinary(t, env, "", args...)
				if r.code != 0 {
					t.Errorf("exit code %d, want 0\n%s", r.code, r.stderr)
				}
				if !strings.HasPrefix(r.stdout, "usage: lastactive") || !strings.Contains(r.stdout, sub) {
					t.Errorf("stdout is not %s's usage:\n%s", sub, r.stdout)
				}
			})
		}
	}
	for _, flag := range []string{"--help", "-h", "--help=true"} {
		if r := runBinary(t, env, "", flag); r.code != 0 || !strings.HasPrefix(r.stdout, "usage: lastactive") && !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%s: exit %d, stdout %.100q: want the usage", flag, r.code, r.stdout)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("healthcheck --help made %d requests", n)
	}
	if n := len(f.atl.Requests()) + len(f.slack.Calls("")); n != 0 {
		t.Errorf("--help made %d upstream calls", n)
	}
}

func TestDashVIsVersion(t *testing.T) {
	r := runBinary(t, []string{}, "", "-v")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "lastactive ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("-v: code %d, %q", r.code, r.stdout)
	}
}

// TestLookupFlagsAfterEmails: flags may follow the emails, as in Slack.
func TestLookupFlagsAfterEmails(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env(), "", "lookup", "ada@example.com", "--fresh", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []struct {
		Email string `json:"email"`
		OK    bool   `json:"ok"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || !got[0].OK || got[0].Email != "ada@example.com" {
		t.Errorf("got %+v (%v) from:\n%s", got, err, r.stdout)
	}
	// After "--" a flag is an argument (and here not an email).
	if r := runBinary(t, f.env(), "", "lookup", "--", "--json"); r.code != 2 {
		t.Errorf("lookup -- --json: exit %d, want 2", r.code)
	}
}

// TestLookupPrintsTheCause: a failed lookup says why on stderr (the cause,
// not only the reply's words), and --json carries it too.
func TestLookupPrintsTheCause(t *testing.T) {
	f := startFakes(t)
	// Every page points to the same next cursor: a loop the client stops.
	defer f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "last-active-dates", Status: 200,
		Body: `{"data":{"product_access":[]},"links":{"next":"c1"}}`})()
	const want = "links.next repeats an earlier cursor"
	r := runBinary(t, f.env(), "", "lookup", "ada@example.com")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "ada@example.com") || !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks the cause %q:\n%s", want, r.stderr)
	}
	r = runBinary(t, f.env(), "", "lookup", "--json", "ada@example.com")
	var got []struct {
		Error struct {
			Kind  string `json:"kind"`
			Cause string `json:"cause"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(got[0].Error.Cause, want) || got[0].Error.Kind != "bad response" {
		t.Errorf("error = %+v, want kind bad response and cause %q", got[0].Error, want)
	}
}

// TestConfigurationThroughTheBinary: placeholders stop serve with exit 2
// naming the variable; a Jira page address is reduced to the site with a
// warning, and the lookup works.
func TestConfigurationThroughTheBinary(t *testing.T) {
	f := startFakes(t)
	r := runBinary(t, f.env("ATLASSIAN_API_KEY=REPLACE-ME"), "", "serve")
	if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_API_KEY still holds the placeholder") || strings.Contains(r.stderr, "REPLACE-ME") {
		t.Errorf("placeholder: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = runBinary(t, f.env("JIRA_BASE_URL="+f.atl.URL()+"/jira/your-work?from=browser"), "", "lookup", "ada@example.com")
	if r.code != 0 {
		t.Fatalf("lookup with a page address: exit %d\n%s", r.code, r.stderr)
	}
	if want := "warning: JIRA_BASE_URL is a page address, not a site: using " + f.atl.URL(); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if strings.Contains(r.stderr, "from=browser") {
		t.Errorf("the warning repeats the query:\n%s", r.stderr)
	}
	r = runBinary(t, []string{}, "", "--help")
	if !strings.Contains(r.stdout, "no (all three or none)") || !strings.Contains(r.stdout, "exact-email search") {
		t.Errorf("--help does not say Jira is optional:\n%s", r.stdout)
	}
}

// TestLookupUsageSpeaksTerminal: a bad email on the command line is told
// in the terminal's words, not pointed at the slash command's help.
func TestLookupUsageSpeaksTerminal(t *testing.T) {
	r := runBinary(t, []string{}, "", "lookup", "notanemail")
	if r.code != 2 || !strings.Contains(r.stderr, "is not an email address") || strings.Contains(r.stderr, "/lastactive") {
		t.Errorf("exit %d, stderr %q; want 2 and the terminal's words", r.code, r.stderr)
	}
}

// TestOrgIDDotSegmentsRefused: an organisation ID of "." or ".." is a dot
// segment in every Admin API path (/admin/v1/orgs/../directory/users/…),
// which a proxy or the gateway resolves to another resource. It stops the
// program at start naming the variable, and nothing is sent.
func TestOrgIDDotSegmentsRefused(t *testing.T) {
	f := startFakes(t)
	for _, org := range []string{".", ".."} {
		r := runBinary(t, f.env("ATLASSIAN_ORG_ID="+org), "", "lookup", "ada@example.com")
		if r.code != 2 || !strings.Contains(r.stderr, "ATLASSIAN_ORG_ID") {
			t.Errorf("ATLASSIAN_ORG_ID=%s: exit %d, want 2 naming the variable; stderr:\n%s", org, r.code, r.stderr)
		}
	}
	if n := f.atl.Count("", "/"); n != 0 {
		t.Errorf("%d requests reached Atlassian, want none", n)
	}
}

// TestVersionRefusesArguments: version takes no arguments, as migrate and
// check do: a mistyped flag is a usage error (exit 2), not a version line
// that a script reads as success; --help, after any spelling of version,
// prints its usage.
func TestVersionRefusesArguments(t *testing.T) {
	for _, args := range [][]string{{"version", "--bogus"}, {"-v", "extra"}, {"--version", "--json"}, {"healthcheck", "--bogus"}} {
		r := runBinary(t, []string{}, "", args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "takes no arguments") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 saying it takes no arguments", args, r.code, r.stdout, r.stderr)
		}
	}
	for _, sub := range []string{"version", "-v", "--version"} {
		r := runBinary(t, []string{}, "", sub, "--help")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: lastactive version") {
			t.Errorf("%s --help: exit %d, %q; want version's usage", sub, r.code, r.stdout)
		}
	}
}

// TestLookupUsageSaysItTakesAnyNumber: the slash command looks up ten
// people at a time and names the rest as not looked up; the terminal's
// lookup has no such limit (one after another). Its usage says so, so that
// an operator does not split a list for nothing, or expect a cut.
func TestLookupUsageSaysItTakesAnyNumber(t *testing.T) {
	r := runBinary(t, []string{}, "", "lookup", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "any number of emails") {
		t.Errorf("lookup --help: exit %d, does not say how many emails it takes:\n%s", r.code, r.stdout)
	}
	r = runBinary(t, []string{}, "", "--help")
	if !strings.Contains(r.stdout, "any number") {
		t.Errorf("--help does not say lookup takes any number of emails:\n%s", r.stdout)
	}
}

// TestHealthcheckNeverUsesAProxy: the health check asks its own server, so
// an HTTP_PROXY set for the bot's upstream calls must not carry it. Go
// skips the proxy only for "localhost" and loopback IP literals: with
// LASTACTIVE_HTTP_ADDR naming the host (its name, a service name, a pod
// address) the probe went to the proxy, which answered for it.
func TestHealthcheckNeverUsesAProxy(t *testing.T) {
	t.Parallel()
	health, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	healthSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("ok\n"))
	})}
	go healthSrv.Serve(health) // stopped by Close below
	t.Cleanup(func() { healthSrv.Close() })

	var proxied atomic.Int32
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxySrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	})}
	go proxySrv.Serve(proxy) // stopped by Close below
	t.Cleanup(func() { proxySrv.Close() })

	_, port, _ := net.SplitHostPort(health.Addr().String())
	proxyURL := "http://" + proxy.Addr().String()
	// "LOCALHOST" is the loopback host (from /etc/hosts, no DNS) by a name
	// Go's proxy rules do not exempt (only "localhost" as written and
	// loopback IPs are), as a host or service name would be in a container.
	for _, addr := range []string{"127.0.0.1:" + port, "LOCALHOST:" + port} {
		env := []string{"PATH=" + os.Getenv("PATH"), "LASTACTIVE_HTTP_ADDR=" + addr,
			"HTTP_PROXY=" + proxyURL, "HTTPS_PROXY=" + proxyURL, "http_proxy=" + proxyURL, "https_proxy=" + proxyURL,
			"LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
		r := runBinary(t, env, "", "healthcheck")
		if r.code != 0 {
			t.Errorf("healthcheck with LASTACTIVE_HTTP_ADDR=%s and a proxy set: exit %d, want 0\n%s", addr, r.code, r.stderr)
		}
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the health check went through the proxy %d times", n)
	}
}
