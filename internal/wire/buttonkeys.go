package wire

import (
	"context"
	"time"

	"lastactive/bot"
	"lastactive/internal/state"
)

// sealer is one kind of button the bot seals, under its own key.
type sealer struct {
	purpose string // "buttons" (Share, Refresh) or "keep or release"
	signer  *bot.ButtonSigner
}

// buttonKeyTimeout bounds remembering and reading the keys at start and
// stop.
const buttonKeyTimeout = 2 * time.Second

// rememberButtonKeys records each sealer's key in the store as in use now,
// and lets each accept the keys of its purpose still in use within its
// buttons' lifetime: after SLACK_BOT_TOKEN is rotated (the keys are hashes
// of it), the buttons already in people's messages keep working. Without a
// store (or while it is away) nothing is remembered and only the current
// key is accepted. With accept false (at stop) it only records the time.
func rememberButtonKeys(ctx context.Context, st *state.Store, sealers []sealer, now time.Time, accept bool) error {
	if st == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, buttonKeyTimeout)
	defer cancel()
	for _, s := range sealers {
		if err := st.RememberButtonKey(ctx, s.purpose, s.signer.Key(), now); err != nil {
			return err
		}
		if !accept {
			continue
		}
		keys, err := st.ButtonKeys(ctx, s.purpose, now.Add(-s.signer.MaxAge()))
		if err != nil {
			return err
		}
		s.signer.AcceptOlder(keys)
	}
	return nil
}

// buttonKeyEvery is how often a running process records its keys as still
// in use: a rotated token's successor accepts buttons sealed up to then.
const buttonKeyEvery = time.Hour

// keepButtonKeys records the keys as in use every buttonKeyEvery until ctx
// is done. (Not at the stop itself: the stop's 10 s are the Bot's and the
// audit's.)
func (a *App) keepButtonKeys(ctx context.Context) {
	t := time.NewTicker(buttonKeyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := rememberButtonKeys(ctx, a.State.Store(), a.sealers, time.Now(), false); err != nil {
				a.log.Warn("button keys not recorded as in use", "err", err)
			}
		}
	}
}
