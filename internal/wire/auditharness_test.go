package wire

import (
	"context"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// auditStores are the stores the wired audit tests run on: what the trail
// keeps must read the same on both.
var auditStores = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"SQLite", func(t *testing.T) string { u, _ := sqliteURL(t); return u }},
	{"PostgreSQL", postgresSchemaURL},
}

// wiredBot is the bot as Build wires it, over atl, a fake Slack and the
// store at a URL, running until stop or the test's end.
type wiredBot struct {
	app  *App
	sl   *slacktest.Server
	d    *Durable
	logs *syncBuf
	// ctx bounds the test's waits (60 s).
	ctx context.Context
	// stop ends Run and returns its error (the stop flushes the audit
	// writer); later calls return the same.
	stop func() error
}

// startWiredBot builds and runs the bot; tune, if not nil, adjusts the
// settings before Build. It does not wait for the bot's connections.
func startWiredBot(t *testing.T, url string, atl *atlassiantest.Server, tune func(*Settings)) *wiredBot {
	t.Helper()
	w := &wiredBot{sl: slacktest.NewServer(), logs: &syncBuf{}}
	t.Cleanup(w.sl.Close)
	w.d, _ = openTestDurable(t, url, w.logs)
	if w.d.Store() == nil {
		t.Fatalf("store not open:\n%s", w.logs.String())
	}
	s := fakeSettings(atl)
	s.SlackAppToken, s.SlackBotToken, s.SlackAPIURL = slacktest.AppToken, slacktest.BotToken, w.sl.APIURL()
	s.Bot = bot.BotConfig{ShutdownTimeout: 10 * time.Second}
	s.State = w.d
	if tune != nil {
		tune(&s)
	}
	app, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	w.app = app
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	var once sync.Once
	var runErr error
	w.stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { w.stop() })
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(wcancel)
	w.ctx = wctx
	return w
}
