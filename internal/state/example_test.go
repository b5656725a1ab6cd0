package state_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"lastactive/internal/state"
)

func Example() {
	dir, err := os.MkdirTemp("", "lastactive-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	store, err := state.Open(ctx, "sqlite:"+filepath.Join(dir, "lastactive.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}

	// A lookup, recorded by the bot.
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	err = store.Append(ctx, state.AuditEntry{
		At: at, Actor: "U024BE7LH", Emails: []string{"ada@example.com"},
		Kind: state.KindLookup, Outcome: state.OutcomeOK, Detail: "4 products",
	})
	if err != nil {
		log.Fatal(err)
	}

	// `/lastactive audit ADA@example.com` reads it back, whatever the case.
	entries, err := store.Audit(ctx, state.AuditQuery{Target: "ADA@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fmt.Println(e.At.Format(time.RFC3339), e.Actor, e.Kind, e.Emails, e.Outcome)
	}

	// An envelope delivered twice is answered once.
	first, _ := store.FirstDelivery(ctx, "1d5e7f-envelope", state.EnvelopeTTL)
	again, _ := store.FirstDelivery(ctx, "1d5e7f-envelope", state.EnvelopeTTL)
	fmt.Println(first, again)

	// Output:
	// 2026-11-26T09:30:00Z U024BE7LH lookup [ada@example.com] ok
	// true false
}
