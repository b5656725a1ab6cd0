package main

// The minimal fakes of minfakes_test.go on surfaces of the contract the
// other minimal-fake tests drove least, with hostile variants.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMinimalFakes7CLIUsage: subcommand forms with bad usage exit 2 with
// a line saying what was wrong; migrate, version and --help exit 0.
func TestMinimalFakes7CLIUsage(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"migrate"}, 0},
		{[]string{"migrate"}, 0},
		{[]string{"version"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"migrate", "extra"}, 2},
		{[]string{"version", "extra"}, 2},
		{[]string{"lookup"}, 2},
		{[]string{"lookup", "--json"}, 2},
		{[]string{"lookup", "--nope", "tut@example.com"}, 2},
		{[]string{"lookup", "--fresh", "tut@example.com"}, 0},
		{[]string{"lookup", "not-an-email"}, 2},
		{[]string{"lookup", "tut@example.com", "nobody@example.com"}, 1},
		{[]string{"report", "--idle-days", "0"}, 2},
		{[]string{"report", "--idle-days", "-3"}, 2},
		{[]string{"report", "--idle-days", "abc"}, 2},
		{[]string{"report", "--idle-days", "99999999999999999999"}, 2},
		{[]string{"report", "--product", "no-such-product"}, 2},
		{[]string{"report", "--product", ""}, 2},
		{[]string{"report", "--csv", filepath.Join(dir, "missing", "x.csv")}, 2},
		{[]string{"report", "--csv", dir}, 2},
		{[]string{"report", "extra"}, 2},
		{[]string{"audit", "--since", "soon"}, 2},
		{[]string{"audit", "--since", "-1h"}, 2},
		{[]string{"audit", "a@b.com", "c@d.com"}, 2},
		{[]string{"nudge", "extra"}, 2},
		{[]string{"digest", "extra"}, 2},
		{[]string{"check", "extra"}, 2},
		{[]string{"nosuch"}, 2},
	} {
		r := runBinary(t, a.env(db), "", c.args...)
		mfNoSecrets(t, r.stdout, r.stderr)
		if r.code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s\n%s", c.args, r.code, c.code, r.stdout, r.stderr)
		}
		if c.code == 2 && strings.TrimSpace(r.stderr) == "" {
			t.Errorf("%q: bad usage with nothing said", c.args)
		}
	}
}

// TestMinimalFakes7OddUpstream: the last-active dates answered oddly:
// HTML with 200, an error body with 200, a redirect to another host, a
// body far too big, data null. Each lookup fails with a clear line, the
// key never reaches the other host.
func TestMinimalFakes7OddUpstream(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, mfTutorial)
	}))
	t.Cleanup(other.Close)
	huge := strings.Repeat(" ", 64<<20)
	answers := map[string]func(w http.ResponseWriter){
		"html": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Maintenance</body></html>")
		},
		"errbody": func(w http.ResponseWriter) {
			io.WriteString(w, `{"errors":[{"status":"500","code":"ADMIN-500","title":"Internal"}]}`)
		},
		"redirect": func(w http.ResponseWriter) {
			w.Header().Set("Location", other.URL+"/admin/v1/orgs/"+mfOrg+"/directory/users/712020:redirect/last-active-dates")
			w.WriteHeader(http.StatusFound)
		},
		"huge": func(w http.ResponseWriter) {
			io.WriteString(w, `{"data":{"product_access":[],"added_to_org":"2024-01-01"},"pad":"`+huge+`"}`)
		},
		"null":  func(w http.ResponseWriter) { io.WriteString(w, `{"data":null}`) },
		"empty": func(w http.ResponseWriter) {},
		"array": func(w http.ResponseWriter) { io.WriteString(w, `[]`) },
		"nextself": func(w http.ResponseWriter) {
			io.WriteString(w, `{"data":{"product_access":[]},"links":{"next":"`+other.URL+`/x?cursor=abc"}}`)
		},
	}
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/users/search") {
			body, _ := io.ReadAll(r.Body)
			for k := range answers {
				if strings.Contains(string(body), k+"@example.com") {
					fmt.Fprintf(w, `{"data":[{"accountId":"712020:%s","accountType":"atlassian","accountStatus":"active","email":"%s@example.com","name":"N %s"}],"links":{}}`, k, k, k)
					return true
				}
			}
			io.WriteString(w, `{"data":[],"links":{}}`)
			return true
		}
		for k, f := range answers {
			if strings.Contains(r.URL.Path, "/users/712020:"+k+"/last-active-dates") {
				w.Header().Set("Content-Type", "application/json")
				f(w)
				return true
			}
		}
		return false
	})
	env := a.env("LASTACTIVE_DATABASE_URL=" + mfDatabase(t))
	env = slicesDelete(env, "JIRA_")
	for k := range answers {
		t.Run(k, func(t *testing.T) {
			r := runBinary(t, env, "", "lookup", "--json", k+"@example.com")
			wantUnreadable(t, r, k)
		})
	}
	noneElsewhere(t, &mu, &elsewhere, "Admin API")
}

func slicesDelete(env []string, prefix string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// mf7Slash sends a slash command from asker whose response_url is ru.
func mf7Slash(t *testing.T, s *mfSlack, id, asker, text, ru string) {
	t.Helper()
	s.send(t, id, "slash_commands", false, map[string]string{
		"token": "verification-token-unused", "team_id": "TMIN", "team_domain": "acme", "channel_id": "CMIN",
		"channel_name": "support", "user_id": asker, "user_name": "asker", "command": "/lastactive", "text": text,
		"api_app_id": "A0MIN", "is_enterprise_install": "false", "response_url": ru, "trigger_id": "1.2.3",
	})
}

// TestMinimalFakes7HostileSlash: slash texts a held-out probe would send
// (boundaries of idle's DAYS, unknown products, too many emails, huge
// text, bad dates), and response_urls that are not Slack's: on another
// host, redirecting to another host, one that never answers. Each text
// gets a clear private reply; nothing reaches the other host; a hanging
// response_url does not hold up the next command.
func TestMinimalFakes7HostileSlash(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Method+" "+r.URL.String())
		mu.Unlock()
	}))
	t.Cleanup(other.Close)
	hang := make(chan struct{})
	var hung sync.WaitGroup
	hung.Add(1)
	extra := func(w http.ResponseWriter, r *http.Request, method string) bool {
		switch {
		case method == "" && strings.HasPrefix(r.URL.Path, "/redirect/"):
			http.Redirect(w, r, other.URL+"/hooks/redirected", http.StatusTemporaryRedirect)
			return true
		case method == "" && strings.HasPrefix(r.URL.Path, "/hang/"):
			hung.Done()
			<-hang
			return true
		}
		return false
	}
	s, _, _, _, logs := mf7Serve(t, extra)
	t.Cleanup(func() {
		close(hang)
		if t.Failed() {
			t.Logf("serve:\n%.8000s", logs())
		}
	})
	var many string
	for i := range 11 {
		many += fmt.Sprintf("p%d@example.com ", i)
	}
	n := 0
	for _, c := range []struct{ text, want string }{
		{"idle 0", "between 1 and 3650"},
		{"idle -1", "-1"},
		{"idle 99999999999999999999", "between 1 and 3650"},
		{"idle 30 no-such-product", "no-such-product"},
		{"idle 1.5", "1.5"},
		{many, "p10@example.com"},
		{strings.Repeat("x", 12000), "too long"},
		{" \t\n ", "/lastactive"},
		{"--fresh", "email"},
		{"audit", "audit ada@example.com"},
		{"audit not-an-email", "audit ada@example.com"},
		{"exempt ida@example.com jira until 2024-13-45 because", "2024-13-45"},
		{"exempt ida@example.com jira until 2001-01-01 because", "passed"},
		{"exempt ida@example.com", "product"},
		{"exempt remove", "exempt remove EMAIL"},
		{"digest now please", "digest"},
		{"ida@example.com\u0000", "control characters"},
	} {
		n++
		id := fmt.Sprintf("env-%d", n)
		ru := s.srv.URL + "/hooks/commands/TMIN/" + id
		mf7Slash(t, s, id, "U0ASK1", c.text, ru)
		var r mfReply
		eventually(t, "a final reply to "+fmt.Sprintf("%.40q", c.text), func() bool {
			k := s.replyCount(ru)
			if k == 0 {
				return false
			}
			r = s.reply(t, ru, k)
			return !strings.Contains(r.raw, "Looking") && !strings.Contains(strings.ToLower(r.raw), "working on")
		})
		r.private(t)
		if !strings.Contains(r.raw, c.want) {
			t.Errorf("%.60q: the reply lacks %q:\n%.600s", c.text, c.want, r.raw)
		}
	}

	// response_urls not on Slack's host nor SLACK_API_URL's: never posted to.
	for _, ru := range []string{
		other.URL + "/hooks/commands/TMIN/x",
		strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/hooks/x",
		"http://hooks.slack.com.127.0.0.1.nip.io:1/x",
		s.srv.URL + "@" + strings.TrimPrefix(other.URL, "http://") + "/hooks/at",
		"ftp://hooks.slack.com/x",
		"",
	} {
		n++
		mf7Slash(t, s, fmt.Sprintf("env-%d", n), "U0ASK1", "help", ru)
	}
	// A response_url of the fake's host that redirects to the other host,
	// and one that never answers: the next command is answered all the same.
	n++
	mf7Slash(t, s, fmt.Sprintf("env-%d", n), "U0ASK1", "help", s.srv.URL+"/redirect/x")
	n++
	mf7Slash(t, s, fmt.Sprintf("env-%d", n), "U0ASK1", "help", s.srv.URL+"/hang/x")
	hung.Wait()
	n++
	ru := s.srv.URL + "/hooks/commands/TMIN/last"
	mf7Slash(t, s, fmt.Sprintf("env-%d", n), "U0ASK1", "help", ru)
	s.reply(t, ru, 1)
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Errorf("replies went to another host: %q", elsewhere)
	}
}

// mf7Serve is mf2Serve whose Slack answers first, with extra, what its
// own handlers do not.
func mf7Serve(t *testing.T, extra func(w http.ResponseWriter, r *http.Request, method string) bool, env ...string) (*mfSlack, *mf2Uploads, *mfAtlassian, string, func() string) {
	t.Helper()
	org := mf2Org()
	pages := []string{mf2Page(org[:3], `,"links":{"next":"p2"}`), mf2Page(org[3:], `,"links":{"next":null}`)}
	a := newMinAtlassianWith(t, nil, mfWorkspacesDefault, mf2Search(pages, org))
	up := &mf2Uploads{}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, func(w http.ResponseWriter, r *http.Request, method string) bool {
		return extra(w, r, method) || up.more(w, r, method)
	})
	_, base, logs := serveProcess(t, a.env(append([]string{"SLACK_APP_TOKEN=" + mfAppToken, "SLACK_BOT_TOKEN=" + mfBotToken,
		"SLACK_API_URL=" + s.apiURL(), "LASTACTIVE_DATABASE_URL=" + mfDatabase(t),
		"LASTACTIVE_REPORT_USERS=U0ASK1", "LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05"}, env...)...))
	t.Cleanup(func() { mfNoSecrets(t, logs.String()) })
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	return s, up, a, base, logs.String
}

// TestMinimalFakes7CacheAndIdleDays: LASTACTIVE_CACHE_TTL, --fresh and
// LASTACTIVE_IDLE_DAYS through serve at debug level: a second lookup is
// served from the cache, --fresh and Refresh read again, the verdict
// follows the configured idle days, and debug logs hold no secret.
func TestMinimalFakes7CacheAndIdleDays(t *testing.T) {
	t.Parallel()
	siteA := "ari:cloud:jira-software::site/" + mfCloudA
	confB := "ari:cloud:confluence::site/" + mfCloudB
	p := mfPerson{email: "cd@example.com", id: "712020:cd", name: "Cid Cache", pages: []string{`{"data":{"product_access":[
		{"id":"` + siteA + `","key":"jira-software","last_active":"` + mfDay(20) + `"},
		{"id":"` + confB + `","key":"confluence","last_active":"` + mfDay(5) + `"}]},"links":{"next":null}}`}}
	for _, c := range []struct {
		ttl  string
		days string
	}{{"1h", "10"}, {"0", "30"}} {
		t.Run("ttl "+c.ttl, func(t *testing.T) {
			t.Parallel()
			a := newMinAtlassian(t, []mfPerson{p}, mfWorkspacesDefault)
			s := newMinSlack(t, `{"type":"hello"}`, nil)
			_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
				"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t), "LASTACTIVE_LOG_LEVEL=debug",
				"LASTACTIVE_CACHE_TTL="+c.ttl, "LASTACTIVE_IDLE_DAYS="+c.days))
			t.Cleanup(func() { mfNoSecrets(t, logs.String()) })
			reads := func() int {
				a.mu.Lock()
				defer a.mu.Unlock()
				n := 0
				for _, r := range a.requests {
					if strings.Contains(r, "/last-active-dates") {
						n++
					}
				}
				return n
			}
			r1 := s.reply(t, s.slash(t, "env-1", "cd@example.com", false), 1)
			n1 := reads()
			s.reply(t, s.slash(t, "env-2", "cd@example.com", false), 1)
			n2 := reads()
			s.reply(t, s.slash(t, "env-3", "cd@example.com --fresh", false), 1)
			n3 := reads()
			s.reply(t, s.click(t, "env-4", r1.button(t, "Refresh")), 1)
			n4 := reads()
			wantCached := c.ttl != "0"
			if (n2 == n1) != wantCached || n3 == n2 || n4 == n3 {
				t.Errorf("TTL %s: last-active reads after lookup, again, --fresh, Refresh: %d %d %d %d", c.ttl, n1, n2, n3, n4)
			}
			idle := strings.Contains(r1.raw, "idle")
			if wantIdle := c.days == "10"; idle != wantIdle {
				t.Errorf("IDLE_DAYS %s, Jira Software last used 20 days ago: idle shown %v:\n%s", c.days, idle, r1.raw)
			}
		})
	}
}

// TestMinimalFakes7OddJira: a Jira user search answering oddly: HTML with
// 200, an error object for the array with 200, a redirect to another
// host, a huge list repeated whatever startAt asks. Each lookup ends with
// a clear line, or (the huge list, which holds nobody of that email)
// falls back to the Admin API's exact-email search; nothing reaches the
// other host; every request asks for JSON.
func TestMinimalFakes7OddJira(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var elsewhere, accepts []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		io.WriteString(w, `[]`)
	}))
	t.Cleanup(other.Close)
	var big strings.Builder
	big.WriteString("[")
	for i := range 20000 {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"accountId":"712020:b%d","accountType":"atlassian","active":true,"displayName":"B %d","emailAddress":"big%d@example.com"}`, i, i, i)
	}
	big.WriteString("]")
	answers := map[string]func(w http.ResponseWriter, r *http.Request){
		"html": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>login</html>")
		},
		"errobj": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"errorMessages":["Something broke"],"errors":{}}`)
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
		},
		"big": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big.String()) },
	}
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		accepts = append(accepts, r.Header.Get("Accept"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query().Get("query")
		for k, f := range answers {
			if strings.HasPrefix(q, k) {
				f(w, r)
				return
			}
		}
		io.WriteString(w, `[]`)
	}))
	t.Cleanup(jira.Close)
	one := `{"data":{"product_access":[{"id":"ari:cloud:jira-software::site/` + mfCloudA + `","key":"jira-software","last_active":"` + mfDay(2) + `"}]},"links":{"next":null}}`
	var people []mfPerson
	for k := range answers {
		people = append(people, mfPerson{email: k + "@example.com", id: "712020:" + k, name: "N " + k, adminOnly: true, pages: []string{one}})
	}
	a := newMinAtlassian(t, people, mfWorkspacesDefault)
	env := append(slicesDelete(a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "JIRA_BASE_URL="), "JIRA_BASE_URL="+jira.URL)
	for k := range answers {
		t.Run(k, func(t *testing.T) {
			r := runBinary(t, env, "", "lookup", "--json", k+"@example.com")
			// The huge list holds nobody of that email: the Admin API finds them.
			if k == "big" && r.code == 0 {
				mfNoSecrets(t, r.stdout, r.stderr)
				return
			}
			wantUnreadable(t, r, k)
		})
	}
	noneElsewhere(t, &mu, &elsewhere, "Jira")
	for _, a := range accepts {
		if a != "application/json" {
			t.Errorf("a Jira request with Accept %q", a)
		}
	}
}

// TestMinimalFakes7JiraIgnoresPaging: a Jira user search that answers
// every query with the whole user list, ignoring query, startAt and
// maxResults (the bot filters the prefix matches itself). With more
// people than one page holds, the bot asked for page after page of the
// same accounts and gave up after ten ("more than 10 pages of results"):
// every lookup failed though the person was on the first page.
func TestMinimalFakes7JiraIgnoresPaging(t *testing.T) {
	t.Parallel()
	var users []string
	for i := range 120 {
		users = append(users, fmt.Sprintf(`{"accountId":"712020:u%d","accountType":"atlassian","active":true,"displayName":"User %d","emailAddress":"u%d@example.com"}`, i, i, i))
	}
	var mu sync.Mutex
	calls := 0
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "["+strings.Join(users, ",")+"]")
	}))
	t.Cleanup(jira.Close)
	one := `{"data":{"product_access":[{"id":"ari:cloud:jira-software::site/` + mfCloudA + `","key":"jira-software","last_active":"` + mfDay(2) + `"}]},"links":{"next":null}}`
	a := newMinAtlassian(t, []mfPerson{{email: "u7@example.com", id: "712020:u7", name: "User 7", pages: []string{one}}}, mfWorkspacesDefault)
	env := append(slicesDelete(a.env("LASTACTIVE_DATABASE_URL="+mfDatabase(t)), "JIRA_BASE_URL="), "JIRA_BASE_URL="+jira.URL)
	r := runBinary(t, env, "", "lookup", "--json", "u7@example.com")
	mfNoSecrets(t, r.stdout, r.stderr)
	if r.code != 0 || !strings.Contains(r.stdout, "712020:u7") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls > 2 {
		t.Errorf("%d user searches for one lookup", calls)
	}
}

// wantUnreadable: a lookup whose answer could not be read exits 1 with a
// clear line, no panic and no secret; for a redirect to another host the
// line says the address is wrong rather than "could not read".
func wantUnreadable(t *testing.T, r result, answer string) {
	t.Helper()
	mfNoSecrets(t, r.stdout, r.stderr)
	want := "could not read"
	if answer == "redirect" {
		// Not an answer to read again later: the address is wrong, which
		// the words send the admin to fix (TestErrorTextUnreachable).
		want = "redirects to another host, which the bot does not follow): a problem in the bot's configuration or network"
	}
	if r.code != 1 || strings.Contains(r.stderr, "panic") || !strings.Contains(r.stdout, want) {
		t.Errorf("exit %d, want 1 with a clear line saying %q\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
}

// noneElsewhere: no request of api's went to another host than its own.
func noneElsewhere(t *testing.T, mu *sync.Mutex, elsewhere *[]string, api string) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if len(*elsewhere) > 0 {
		t.Errorf("%s requests went to another host: %q", api, *elsewhere)
	}
}
