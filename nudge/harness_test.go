package nudge

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
	"lastactive/seat"
)

// post is one message the recorder received.
type post struct {
	To   string
	Ref  Ref
	Note Note
}

// recorder is a Messenger that keeps what it was asked to send.
type recorder struct {
	mu      sync.Mutex
	posts   []post
	updates []post
	n       int
}

var _ Messenger = (*recorder)(nil)

func (r *recorder) Post(_ context.Context, to string, n Note) (Ref, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	ref := Ref{Channel: "D" + to, TS: fmt.Sprintf("1700000000.%06d", r.n)}
	r.posts = append(r.posts, post{To: to, Ref: ref, Note: n})
	return ref, nil
}

func (r *recorder) Update(_ context.Context, ref Ref, n Note) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, post{Ref: ref, Note: n})
	return nil
}

func (r *recorder) sent() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}

func (r *recorder) updated() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.updates...)
}

// slackPeople maps emails to Slack users.
type slackPeople map[string]string

func (p slackPeople) SlackUsers(context.Context) (map[string]string, error) {
	return maps.Clone(p), nil
}

// SlackUserGone: a user none of the emails maps to is gone.
func (p slackPeople) SlackUserGone(_ context.Context, user string) (bool, error) {
	for _, id := range p {
		if id == user {
			return false, nil
		}
	}
	return true, nil
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	org    *atlassiantest.Org
	srv    *atlassiantest.Server
	client *atlassian.Client
	store  *state.Store
	url    string
	msgs   *recorder
	clock  *clock
	people slackPeople
	cfg    Config
	e      *Engine
}

// Slack users of the release sample; grace has none.
const (
	uFrances = "U0FRANCES"
	uJohn    = "U0APP1" // john is also an approver: he cannot approve his own request
	uRadia   = "U0RADIA"
	uDonald  = "U0DONALD"
	uSophie  = "U0SOPHIE"
	uLeslie  = "U0LESLIE"
	uShafi   = "U0SHAFI"
)

func newHarness(t *testing.T, writeKey bool) *harness {
	t.Helper()
	return newHarnessOrg(t, writeKey, nil)
}

// newHarnessOrg is newHarness on the release org as mut changes it.
func newHarnessOrg(t *testing.T, writeKey bool, mut func(*atlassiantest.Org)) *harness {
	t.Helper()
	now := time.Now().UTC()
	h := &harness{org: atlassiantest.ReleaseOrg(now), msgs: &recorder{}, clock: &clock{t: now}}
	if mut != nil {
		mut(h.org)
	}
	h.srv = atlassiantest.NewServer(h.org)
	t.Cleanup(h.srv.Close)
	cfg := atlassian.Config{AdminBaseURL: h.srv.URL(), OrgID: h.org.ID, APIKey: atlassiantest.APIKey}
	if writeKey {
		cfg.AdminWriteKey = atlassiantest.AdminWriteKey
	}
	var err error
	if h.client, err = atlassian.New(cfg); err != nil {
		t.Fatal(err)
	}
	h.url = "sqlite:" + filepath.Join(t.TempDir(), "state.db")
	h.store = openStore(t, h.url)
	h.people = slackPeople{
		atlassiantest.ReleaseDirectEmail: uFrances, atlassiantest.ReleaseGroupEmail: uJohn,
		atlassiantest.ReleaseSharedGroupEmail: uRadia, atlassiantest.ReleaseIdleGroupEmail: uDonald,
		atlassiantest.ReleaseSyncedEmail: uSophie, atlassiantest.ReleaseOrgAdminEmail: uLeslie, atlassiantest.ReleaseInferredEmail: uShafi,
	}
	scanner := seat.NewScanner(seat.ScanConfig{Dir: h.client, TTL: time.Hour})
	t.Cleanup(scanner.Close)
	h.cfg = Config{
		Mode: On, Products: []string{"confluence"}, Prices: seat.Prices{"confluence": 6.05}, Currency: "USD", IdleDays: 90,
		Wait: time.Hour, Approvers: []string{"U0APP1", "U0APP2", "U0APP3"}, OrgID: h.org.ID,
		Scans: scanner, Directory: h.client, Sites: seat.NewSiteBook(h.client, seat.SiteBookOptions{}), People: h.people,
		Messages: h.msgs, Store: func() Store { return h.store }, Now: h.clock.Now, PostEvery: time.Millisecond,
	}
	h.e = New(h.cfg)
	return h
}

func openStore(t *testing.T, url string) *state.Store {
	t.Helper()
	s, err := state.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func (h *harness) account(t *testing.T, email string) atlassiantest.User {
	t.Helper()
	u, ok := h.org.Lookup(email)
	if !ok {
		t.Fatalf("no %s in the sample", email)
	}
	return u
}

// trail is the audit trail about email, oldest first, as "kind outcome".
func (h *harness) trail(t *testing.T, email string) []state.AuditEntry {
	t.Helper()
	es, err := h.store.Audit(context.Background(), state.AuditQuery{Target: email, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func seatOptions(now time.Time) seat.Options {
	return seat.Options{Days: 90, Products: []string{"confluence"}, Now: now}
}
