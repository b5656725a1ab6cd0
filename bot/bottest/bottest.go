// Package bottest holds small fakes of the interfaces package bot consumes
// (the Atlassian directory, the org directory, the Slack user directory and
// the file sender). Each is a struct of function fields: a test sets only
// the functions its case needs, and a call to one left nil fails the test
// that made it, so a fake never answers something nobody decided.
//
// Fakes of whole services (Slack, Atlassian) that speak the real protocol
// over loopback live in bot/slacktest and atlassian/atlassiantest; these are
// for unit tests of bot's own logic.
package bottest

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/seat"
)

// Compile-time checks: each fake satisfies the interface it stands in for.
var (
	_ bot.Directory     = (*Directory)(nil)
	_ bot.UserDirectory = (*Users)(nil)
	_ bot.FileSender    = (*Files)(nil)
	_ seat.OrgDirectory = (*OrgDirectory)(nil)
)

// Directory is a bot.Directory. ResolveCalls, LastActiveCalls and
// DirectoryUserCalls count the calls made, whether or not the function was set.
type Directory struct {
	ResolveFunc       func(ctx context.Context, email string) (atlassian.Account, atlassian.Via, error)
	LastActiveFunc    func(ctx context.Context, accountID string) (*atlassian.Activity, error)
	DirectoryUserFunc func(ctx context.Context, accountID string) (atlassian.DirectoryUser, error)

	ResolveCalls, LastActiveCalls, DirectoryUserCalls atomic.Int64
}

// Resolve calls ResolveFunc.
func (d *Directory) Resolve(ctx context.Context, email string) (atlassian.Account, atlassian.Via, error) {
	d.ResolveCalls.Add(1)
	if d.ResolveFunc == nil {
		return atlassian.Account{}, "", fmt.Errorf("bottest.Directory: Resolve(%q) called but ResolveFunc is nil", email)
	}
	return d.ResolveFunc(ctx, email)
}

// LastActive calls LastActiveFunc.
func (d *Directory) LastActive(ctx context.Context, accountID string) (*atlassian.Activity, error) {
	d.LastActiveCalls.Add(1)
	if d.LastActiveFunc == nil {
		return nil, fmt.Errorf("bottest.Directory: LastActive(%q) called but LastActiveFunc is nil", accountID)
	}
	return d.LastActiveFunc(ctx, accountID)
}

// DirectoryUser calls DirectoryUserFunc.
func (d *Directory) DirectoryUser(ctx context.Context, accountID string) (atlassian.DirectoryUser, error) {
	d.DirectoryUserCalls.Add(1)
	if d.DirectoryUserFunc == nil {
		return atlassian.DirectoryUser{}, fmt.Errorf("bottest.Directory: DirectoryUser(%q) called but DirectoryUserFunc is nil", accountID)
	}
	return d.DirectoryUserFunc(ctx, accountID)
}

// Users is a bot.UserDirectory.
type Users struct {
	EmailOfFunc func(ctx context.Context, userID string) (string, error)

	Calls atomic.Int64
}

// EmailOf calls EmailOfFunc.
func (u *Users) EmailOf(ctx context.Context, userID string) (string, error) {
	u.Calls.Add(1)
	if u.EmailOfFunc == nil {
		return "", fmt.Errorf("bottest.Users: EmailOf(%q) called but EmailOfFunc is nil", userID)
	}
	return u.EmailOfFunc(ctx, userID)
}

// Files is a bot.FileSender that records what it was asked to send, then
// answers with SendFileFunc (nil: success).
type Files struct {
	SendFileFunc func(ctx context.Context, userID string, f bot.File) error

	mu   sync.Mutex
	sent []Sent
}

// Sent is one file Files was asked to send.
type Sent struct {
	UserID string
	File   bot.File
}

// SendFile records the file, its Content written when it streams, and
// calls SendFileFunc.
func (f *Files) SendFile(ctx context.Context, userID string, file bot.File) error {
	if file.Write != nil {
		b, err := file.Bytes()
		if err != nil {
			return err
		}
		file.Content, file.Write = b, nil
	}
	f.mu.Lock()
	f.sent = append(f.sent, Sent{UserID: userID, File: file})
	f.mu.Unlock()
	if f.SendFileFunc == nil {
		return nil
	}
	return f.SendFileFunc(ctx, userID, file)
}

// Sent returns the files sent so far, oldest first.
func (f *Files) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// OrgDirectory is a seat.OrgDirectory.
type OrgDirectory struct {
	OrgUsersFunc func(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error]
}

// OrgUsers calls OrgUsersFunc.
func (o *OrgDirectory) OrgUsers(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error] {
	if o.OrgUsersFunc == nil {
		return func(yield func(atlassian.OrgUser, error) bool) {
			yield(atlassian.OrgUser{}, fmt.Errorf("bottest.OrgDirectory: OrgUsers called but OrgUsersFunc is nil"))
		}
	}
	return o.OrgUsersFunc(ctx, q)
}

// Org is an OrgDirectory that yields users in order.
func Org(users ...atlassian.OrgUser) *OrgDirectory {
	return &OrgDirectory{OrgUsersFunc: atlassiantest.OrgUserList(users).OrgUsers}
}

// FailingOrg is an OrgDirectory whose scan fails at once with err.
func FailingOrg(err error) *OrgDirectory {
	return &OrgDirectory{OrgUsersFunc: atlassiantest.FailingOrgUsers{Err: err}.OrgUsers}
}
