package wire

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"lastactive/bot"
)

// ShareClaims claims a Share in the state store's claim slots, so that the
// replicas given the two envelopes of one double click post it once
// (bot.ShareClaimer). Each claim has a holder of its own: two clicks on one
// process are two claims, not one holder claiming again.
type ShareClaims struct{ D *Durable }

var _ bot.ShareClaimer = ShareClaims{}

// shareReleaseTimeout bounds giving a claim back (the Share was not
// posted); a claim not given back expires with its ttl.
const shareReleaseTimeout = 2 * time.Second

// ClaimShare implements bot.ShareClaimer.
func (c ShareClaims) ClaimShare(ctx context.Context, key string, ttl time.Duration) (bool, func(), error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	slot, holder := "share "+key, "share "+hex.EncodeToString(b[:])
	st := c.D.Store()
	if st == nil {
		return false, nil, errStoreDown
	}
	won, err := st.Claim(ctx, slot, holder, ttl)
	if err != nil && ctx.Err() == nil {
		// Only a failure of the store itself marks it down: a claim that
		// ran out of the bot's short budget (another writer holding the
		// lock a moment) costs the guard across replicas, not every
		// dedupe, claim and audit entry until the next check.
		c.D.observe(err)
	}
	if err != nil || !won {
		return won, nil, err
	}
	return true, func() {
		ctx, cancel := context.WithTimeout(context.Background(), shareReleaseTimeout)
		defer cancel()
		_ = c.D.Release(ctx, slot, holder)
	}, nil
}
