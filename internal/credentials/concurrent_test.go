package credentials_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/internal/credentials"
)

// barrier answers only once all n APIs have been asked: checks run one
// after another would each wait for the next, which never comes, until
// their deadline.
type barrier struct {
	wg  sync.WaitGroup
	all chan struct{}
}

func newBarrier(n int) *barrier {
	b := &barrier{all: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.all) }()
	return b
}

func (b *barrier) arrive(ctx context.Context) error {
	b.wg.Done()
	select {
	case <-b.all:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type barrierSlack struct{ b *barrier }

func (s barrierSlack) AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error) {
	if err := s.b.arrive(ctx); err != nil {
		return nil, err
	}
	return &slack.AuthTestResponse{Team: "T", User: "U"}, nil
}

func (s barrierSlack) StartSocketModeContext(ctx context.Context) (*slack.SocketModeConnection, string, error) {
	if err := s.b.arrive(ctx); err != nil {
		return nil, "", err
	}
	return &slack.SocketModeConnection{}, "wss://x", nil
}

type barrierAtlassian struct{ b *barrier }

func (a barrierAtlassian) Myself(ctx context.Context) (atlassian.Account, error) {
	if err := a.b.arrive(ctx); err != nil {
		return atlassian.Account{}, err
	}
	return atlassian.Account{AccountID: "me"}, nil
}

func (a barrierAtlassian) FindAccount(context.Context, string) (atlassian.Account, error) {
	return atlassian.Account{AccountID: "me"}, nil
}

func (a barrierAtlassian) Org(ctx context.Context) (atlassian.Org, error) {
	if err := a.b.arrive(ctx); err != nil {
		return atlassian.Org{}, err
	}
	return atlassian.Org{ID: "o", Name: "Org"}, nil
}

// TestChecksRunTogether: the credentials are checked at once, not one
// after another, so that an admin whose firewall hangs every API waits for
// one check's deadline, not the sum of them (80 s with the default 20 s).
// Each fake answers only when all four were asked.
func TestChecksRunTogether(t *testing.T) {
	t.Parallel()
	b := newBarrier(4)
	s, a := barrierSlack{b}, barrierAtlassian{b}
	ch := &credentials.Checker{SlackBot: s, SlackApp: s, Jira: a, JiraEmail: "me@example.com", Admin: a, OrgID: "o",
		Timeout: 5 * time.Second}
	rs := ch.All(context.Background())
	want := []string{credentials.NameSlackBot, credentials.NameSlackApp, credentials.NameJira, credentials.NameJiraBrowse, credentials.NameAdmin}
	if len(rs) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(rs), len(want), rs)
	}
	for i, r := range rs {
		if r.Name != want[i] || r.Status != credentials.OK {
			t.Errorf("result %d: %s %s (%s), want %s ok", i, r.Name, r.Status, r.Detail, want[i])
		}
	}
}
