package wire

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/internal/state"
)

// TestExemptCommandStoresAndAudits: /lastactive exempt through the built
// graph writes the exemption to the store, with who and why, and its
// audit entry; the round reads it with state.Store.Exempt.
func TestExemptCommandStoresAndAudits(t *testing.T) {
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	app, err := Build(Settings{AdminAPIURL: "http://127.0.0.1:1", OrgID: "org", APIKey: "k", ReportUsers: []string{"UBOSS"}, State: d})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { app.Audit.Run(ctx); close(done) }()
	r := app.Service.Answer(context.Background(), bot.Request{UserID: "UBOSS", ChannelID: "C1",
		Text: "exempt ada@example.com confluence until 2099-01-31 writes the yearly handbook"}, nil)
	if r.Outcome != bot.OutcomeOK {
		t.Fatalf("exempt: %v %s", r.Outcome, r.Message.Text)
	}
	cancel()
	<-done
	s := d.Store()
	if ok, err := s.Exempt(context.Background(), "ada@example.com", "confluence", time.Now()); !ok || err != nil {
		t.Fatalf("Exempt = %v, %v", ok, err)
	}
	list, _ := s.Exemptions(context.Background(), time.Now())
	if len(list) != 1 || list[0].By != "UBOSS" || list[0].Reason != "writes the yearly handbook" {
		t.Fatalf("stored %+v", list)
	}
	trail, err := s.Audit(context.Background(), state.AuditQuery{Target: "ada@example.com"})
	if err != nil || len(trail) != 1 || trail[0].Kind != state.KindExempt || !strings.Contains(trail[0].Detail, "writes the yearly handbook") {
		t.Fatalf("audit %+v %v", trail, err)
	}
}
