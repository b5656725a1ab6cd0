package bottest_test

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestUnsetFunctionsFail: a fake never answers what no test decided; it
// counts the call and returns an error naming the method.
func TestUnsetFunctionsFail(t *testing.T) {
	ctx := context.Background()
	d := &bottest.Directory{}
	if _, _, err := d.Resolve(ctx, "a@example.com"); err == nil {
		t.Error("Resolve without ResolveFunc succeeded")
	}
	if _, err := d.LastActive(ctx, "acc"); err == nil {
		t.Error("LastActive without LastActiveFunc succeeded")
	}
	if _, err := d.DirectoryUser(ctx, "acc"); err == nil {
		t.Error("DirectoryUser without DirectoryUserFunc succeeded")
	}
	if d.ResolveCalls.Load() != 1 || d.LastActiveCalls.Load() != 1 || d.DirectoryUserCalls.Load() != 1 {
		t.Errorf("calls = %d, %d, %d; want 1, 1, 1", d.ResolveCalls.Load(), d.LastActiveCalls.Load(), d.DirectoryUserCalls.Load())
	}
	u := &bottest.Users{}
	if _, err := u.EmailOf(ctx, "U1"); err == nil || u.Calls.Load() != 1 {
		t.Errorf("EmailOf = %v after %d calls; want an error after 1", err, u.Calls.Load())
	}
	for _, err := range (&bottest.OrgDirectory{}).OrgUsers(ctx, atlassian.UserQuery{}) {
		if err == nil {
			t.Error("OrgUsers without OrgUsersFunc yielded no error")
		}
	}
}

func TestFilesRecordsAndAnswers(t *testing.T) {
	refused := errors.New("refused")
	f := &bottest.Files{SendFileFunc: func(_ context.Context, userID string, _ bot.File) error {
		if userID == "UNO" {
			return refused
		}
		return nil
	}}
	ctx := context.Background()
	if err := f.SendFile(ctx, "U1", bot.File{Name: "a.csv", Content: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := f.SendFile(ctx, "UNO", bot.File{Name: "b.csv"}); !errors.Is(err, refused) {
		t.Fatalf("SendFile = %v, want the func's error", err)
	}
	sent := f.Sent()
	if len(sent) != 2 || sent[0].UserID != "U1" || sent[0].File.Name != "a.csv" || sent[1].UserID != "UNO" {
		t.Errorf("Sent() = %+v", sent)
	}
}

func TestOrgYieldsInOrder(t *testing.T) {
	var got []string
	for u, err := range bottest.Org(atlassian.OrgUser{AccountID: "a"}, atlassian.OrgUser{AccountID: "b"}).OrgUsers(context.Background(), atlassian.UserQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.AccountID)
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("got %v, want [a b]", got)
	}
	boom := errors.New("boom")
	for _, err := range bottest.FailingOrg(boom).OrgUsers(context.Background(), atlassian.UserQuery{}) {
		if !errors.Is(err, boom) {
			t.Errorf("FailingOrg yielded %v", err)
		}
	}
}
