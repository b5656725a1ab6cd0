package main

// The release's harder answers against the minimal fakes of
// minfakes3_test.go: Undo refused for the seat limit, a revoke or a
// membership removal whose outcome is unknown (5xx, a gateway page, the
// connection cut after the request was sent), a group that gives more than
// one product, role assignments in the deprecated shape, paged role
// assignments and group search, and a read-back that still shows the seat.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mf4Wrap sees every Admin API request before the fake of mf3Admin (next).
type mf4Wrap func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool

// mf4Serve is mf3Serve with wrap in front of the fake and setup run on the
// people and groups before the bot starts.
func mf4Serve(t *testing.T, hold string, a *mf3Admin, setup func(a *mf3Admin), wrap mf4Wrap, env ...string) *mf3Bot {
	t.Helper()
	ida := &mf3Person{id: "712020:ida", email: "ida@example.com", name: "Ida Idle", daysIdle: 200,
		direct: map[string]string{}, products: map[string]string{mf3SiteA: "jira-software"}}
	a.people = map[string]*mf3Person{ida.id: ida}
	jiraUsers := &mf3Group{id: "8f3b4c1e-0000-4000-8000-00000000g001", name: "jira-software-users-acme",
		members: map[string]bool{}, grants: map[string]string{mf3SiteA: "atlassian/user"}}
	a.groups = []*mf3Group{jiraUsers}
	switch hold {
	case "direct":
		ida.direct[mf3SiteA] = "atlassian/user"
	case "group":
		jiraUsers.members[ida.id] = true
	case "both":
		ida.direct[mf3SiteA] = "atlassian/user"
		jiraUsers.members[ida.id] = true
	}
	if setup != nil {
		setup(a)
	}
	more := a.more
	if wrap != nil {
		more = func(w http.ResponseWriter, r *http.Request) bool { return wrap(w, r, a.more) }
	}
	fake := newMinAtlassianWith(t, nil, mfWorkspacesDefault, more)
	up := &mf2Uploads{memberPages: mf3Members}
	s := newMinSlackWith(t, `{"type":"hello"}`, nil, up.more)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	_, base, logs := serveProcess(t, fake.env(append([]string{"SLACK_APP_TOKEN=" + mfAppToken, "SLACK_BOT_TOKEN=" + mfBotToken,
		"SLACK_API_URL=" + s.apiURL(), db, "LASTACTIVE_APPROVERS=U0APP1,U0APP2", "ATLASSIAN_ADMIN_WRITE_KEY=" + mf3WriteKey,
		"LASTACTIVE_SEAT_PRICES=jira-software=8.60", "LASTACTIVE_NUDGE=on", "LASTACTIVE_NUDGE_SCHEDULE=@every 2s"}, env...)...))
	t.Cleanup(func() {
		mf3NoSecrets(t, logs.String())
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	eventually(t, "/readyz 200", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
	return &mf3Bot{s: s, up: up, a: a, fake: fake, db: db, logs: logs.String}
}

// mf4Approve clicks Release as the person and Approve as U0APP1.
func (b *mf3Bot) mf4Approve(t *testing.T) {
	t.Helper()
	_, value, block := b.waitButton(t, "U0IDA1", "nudge_release")
	b.click(t, "U0IDA1", "nudge_release", value, block, true)
	_, value, block = b.waitButton(t, "U0APP1", "release_approve")
	b.click(t, "U0APP1", "release_approve", value, block, true)
}

func mf4IsWrite(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasSuffix(p, "/roles/revoke") || strings.HasSuffix(p, "/roles/assign") || strings.Contains(p, "/memberships")
}

// mf4Said reports whether a message to U0APP1 holds want.
func (b *mf3Bot) mf4Texts(channel string) string {
	var all []string
	for _, m := range b.messages() {
		if m.channel == channel {
			all = append(all, m.text+"\n"+m.blocks)
		}
	}
	return strings.ToLower(strings.Join(all, "\n---\n"))
}

// TestMinimalFakesUndoSeatLimit: the seat went to someone else before the
// Undo: the assign or the membership POST is answered 409 with the licence
// code. The approver is told the seat limit is full and what to do; the
// write is tried once, not retried.
func TestMinimalFakesUndoSeatLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, hold, body string }{
		{"role assign ADMIN-UAM-409-3", "direct", `{"errors":[{"status":"409","code":"ADMIN-UAM-409-3","title":"Product License Limit Exceeded"}]}`},
		{"membership ADMIN-409-3", "group", `{"errors":[{"status":"409","code":"ADMIN-409-3","title":"You've exceeded your user limit for an app that the group grants"}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var mu = make(chan struct{}, 1)
			undoTries := 0
			b := mf4Serve(t, c.hold, &mf3Admin{}, nil, func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool {
				if r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/roles/assign") || strings.HasSuffix(r.URL.Path, "/memberships")) {
					mu <- struct{}{}
					undoTries++
					<-mu
					w.WriteHeader(http.StatusConflict)
					io.WriteString(w, c.body)
					return true
				}
				return next(w, r)
			})
			b.mf4Approve(t)
			_, value, block := b.waitButton(t, "U0APP1", "release_undo")
			b.click(t, "U0APP1", "release_undo", value, block, true)
			b.said(t, "U0APP1", "seat limit")
			if low := b.mf4Texts("U0APP1"); strings.Contains(low, "restored:") {
				t.Errorf("an undo refused for the seat limit said restored:\n%s", low)
			}
			mu <- struct{}{}
			n := undoTries
			<-mu
			if n != 1 {
				t.Errorf("the undo's write was tried %d times, want 1", n)
			}
			if trail := b.audit(t); !strings.Contains(trail, `"undo"`) {
				t.Errorf("the trail lacks the undo:\n%s", trail)
			}
		})
	}
}

// TestMinimalFakesReleaseOutcomeUnknown: the revoke or the membership
// DELETE reaches Atlassian and is made, but the answer is a 500, a 502
// gateway page, or the connection is cut. The bot must read the access
// back before telling the approver anything, and with the seat read back
// free say it is released, with an Undo that restores it; it never writes
// twice. When the write was not made, the read-back shows the seat and the
// approver is not told it was released. Held both directly and through a
// group, the revoke read back as made is done and the group is left next
// (the seat, still held through the group, read back as taken, and the
// release stopped there with nothing to undo).
func TestMinimalFakesReleaseOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, hold, answer string
		made               bool
		writes             int // 0: one
	}{
		{"revoke and leave 500, both made", "both", "500", true, 2},
		{"revoke 500, made", "direct", "500", true, 0},
		{"revoke cut, made", "direct", "cut", true, 0},
		{"leave 502, made", "group", "502", true, 0},
		{"leave cut, made", "group", "cut", true, 0},
		{"revoke 500, not made", "direct", "500", false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := &mf3Admin{}
			b := mf4Serve(t, c.hold, a, nil, func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool {
				if !mf4IsWrite(r) || r.Method == http.MethodPost && !strings.HasSuffix(r.URL.Path, "/revoke") {
					return next(w, r)
				}
				if c.made {
					next(httptest.NewRecorder(), r)
				} else {
					a.mu.Lock()
					a.writes = append(a.writes, r.Method+" "+r.URL.Path)
					a.keys = append(a.keys, r.Method+" "+r.URL.Path+" write")
					a.mu.Unlock()
				}
				switch c.answer {
				case "500":
					w.WriteHeader(http.StatusInternalServerError)
					io.WriteString(w, `{"errors":[{"status":"500","code":"ADMIN-500-1","title":"Internal error"}]}`)
				case "502":
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadGateway)
					io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
				case "cut":
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
				}
				return true
			})
			b.mf4Approve(t)
			var res mf3Message
			if c.made {
				res, _, _ = b.waitButton(t, "U0APP1", "release_undo")
			} else {
				res = b.said(t, "U0APP1", "administration")
			}
			low := strings.ToLower(res.text + res.blocks)
			writes := max(c.writes, 1)
			if w := b.writes(); len(w) != writes {
				t.Errorf("the release wrote %d times, want %d: %q", len(w), writes, w)
			}
			// The read-back: the role assignments read after the write.
			b.a.mu.Lock()
			keys := slices.Clone(b.a.keys)
			b.a.mu.Unlock()
			i := slices.IndexFunc(keys, func(k string) bool {
				return strings.HasPrefix(k, "DELETE ") || strings.Contains(k, "/roles/revoke")
			})
			if i < 0 || !slices.ContainsFunc(keys[i+1:], func(k string) bool { return strings.Contains(k, "/role-assignments") }) {
				t.Errorf("no read-back after the write: %q", keys)
			}
			if c.made && !strings.Contains(low, "released") {
				t.Errorf("the seat was freed and read back free, but the approver was told:\n%s\n%s", res.text, res.blocks)
			}
			if !c.made && (strings.Contains(low, "released") || strings.Contains(res.blocks, `"release_undo"`)) {
				t.Errorf("nothing was changed, but the approver was told:\n%s\n%s", res.text, res.blocks)
			}
			if !c.made {
				return
			}
			_, value, block := b.waitButton(t, "U0APP1", "release_undo")
			b.click(t, "U0APP1", "release_undo", value, block, true)
			b.said(t, "U0APP1", "restored")
			if w := b.writes(); len(w) != 2*writes {
				t.Errorf("writes after the undo: %q", w)
			}
		})
	}
}

// mf4ConfluenceStamp is Confluence's last-active date in a users search
// answer.
var mf4ConfluenceStamp = regexp.MustCompile(`"key":"confluence","lastActiveTimestamp":"[^"]*"`)

// TestMinimalFakesReleaseGroupGivesMore: the group that gives the person
// Jira Software gives Confluence too. With Confluence in use nothing is
// removed and the approver is told why, with the Admin link; with
// Confluence unused the membership goes, and the approver is told that
// the other product went with it.
func TestMinimalFakesReleaseGroupGivesMore(t *testing.T) {
	t.Parallel()
	for _, used := range []bool{true, false} {
		t.Run(fmt.Sprintf("confluence used %v", used), func(t *testing.T) {
			t.Parallel()
			b := mf4Serve(t, "group", &mf3Admin{}, func(a *mf3Admin) {
				a.groups[0].grants[mf3ConfB] = "atlassian/user"
				if used {
					a.people["712020:ida"].products[mf3ConfB] = "confluence"
				}
			}, func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool {
				if !used || !strings.HasSuffix(r.URL.Path, "/users/search") {
					return next(w, r)
				}
				rec := httptest.NewRecorder()
				ok := next(rec, r)
				// Confluence used yesterday, whatever stamp the fake wrote:
				// its 200 days ago, to the millisecond, is not the one
				// computed here a moment later.
				body := mf4ConfluenceStamp.ReplaceAllString(rec.Body.String(), `"key":"confluence","lastActiveTimestamp":"`+mf2Stamp(1)+`"`)
				w.WriteHeader(rec.Code)
				io.WriteString(w, body)
				return ok
			})
			b.mf4Approve(t)
			if used {
				res := b.said(t, "U0APP1", "https://admin.atlassian.com/o/"+mfOrg+"/users/712020:ida")
				if low := strings.ToLower(res.text + res.blocks); !strings.Contains(low, "also gives") {
					t.Errorf("the approver was not told why:\n%s", res.text)
				}
				if w := b.writes(); len(w) != 0 {
					t.Errorf("writes: %q", w)
				}
				return
			}
			res, _, _ := b.waitButton(t, "U0APP1", "release_undo")
			if low := strings.ToLower(res.text); !strings.Contains(low, "other product") {
				t.Errorf("the group's other product went too, and the approver was not told:\n%s", res.text)
			}
		})
	}
}

// TestMinimalFakesReleaseShapes: role assignments with only the deprecated
// roles list (no methods: refused, nothing written, the approver told);
// role assignments and group search paged behind links.next (followed,
// released); a read-back that still shows the seat (eventual consistency:
// not told it is free, Undo offered, not written twice).
func TestMinimalFakesReleaseShapes(t *testing.T) {
	t.Parallel()
	t.Run("deprecated roles only", func(t *testing.T) {
		t.Parallel()
		b := mf4Serve(t, "direct", &mf3Admin{}, nil, func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool {
			if !strings.HasSuffix(r.URL.Path, "/role-assignments") {
				return next(w, r)
			}
			io.WriteString(w, `{"data":[{"resourceId":"`+mf3SiteA+`","roles":["atlassian/user"]}]}`)
			return true
		})
		b.mf4Approve(t)
		b.said(t, "U0APP1", "https://admin.atlassian.com/o/"+mfOrg+"/users/712020:ida")
		if w := b.writes(); len(w) != 0 {
			t.Errorf("writes: %q", w)
		}
		noErrors(t, b.logs())
	})
	t.Run("paged", func(t *testing.T) {
		t.Parallel()
		b := mf4Serve(t, "group", &mf3Admin{}, nil, func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool {
			switch {
			case strings.HasSuffix(r.URL.Path, "/role-assignments") && r.URL.Query().Get("cursor") == "":
				io.WriteString(w, `{"data":[],"links":{"next":"ra-2"}}`)
				return true
			case strings.HasSuffix(r.URL.Path, "/groups/search"):
				raw, _ := io.ReadAll(r.Body)
				if !bytes.Contains(raw, []byte(`"cursor"`)) {
					io.WriteString(w, `{"data":[],"links":{"next":"g-2"}}`)
					return true
				}
				r.Body = io.NopCloser(bytes.NewReader(raw))
			}
			return next(w, r)
		})
		b.mf4Approve(t)
		res, _, _ := b.waitButton(t, "U0APP1", "release_undo")
		if low := strings.ToLower(res.text); !strings.Contains(low, "released") {
			t.Errorf("the result: %s", res.text)
		}
		if w := b.writes(); len(w) != 1 || !strings.HasPrefix(w[0], "DELETE ") {
			t.Errorf("writes: %q", w)
		}
	})
	t.Run("read back still held", func(t *testing.T) {
		t.Parallel()
		a := &mf3Admin{}
		b := mf4Serve(t, "direct", a, nil, func(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request) bool) bool {
			if mf4IsWrite(r) && strings.HasSuffix(r.URL.Path, "/revoke") {
				// Accepted, not yet visible.
				a.mu.Lock()
				a.writes = append(a.writes, r.Method+" "+r.URL.Path)
				a.mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
				return true
			}
			return next(w, r)
		})
		b.mf4Approve(t)
		res := b.said(t, "U0APP1", "still")
		if low := strings.ToLower(res.text); strings.Contains(low, "released:") || strings.Contains(low, "is free") {
			t.Errorf("told free: %s", res.text)
		}
		if w := b.writes(); len(w) != 1 {
			t.Errorf("writes: %q", w)
		}
	})
}
