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

// buttonKeyTimeout bounds one recording or reading of the keys.
const buttonKeyTimeout = 2 * time.Second

// rememberButtonKeys records each sealer's key in the store as in use now;
// with accept, it also hands each sealer the keys of its purpose the store
// knows (olderKeys). Each sealer reads them again itself when a click's
// seal matches none (keySource, set by Build: a rolling rotation, where
// another replica began to use a new key). After SLACK_BOT_TOKEN is rotated
// (the keys are hashes of it), the buttons already in people's messages
// keep working. Without a store (or while it is away) nothing is recorded,
// and a sealer accepts its own key until a read succeeds.
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
		keys, err := olderKeys(ctx, st, s.purpose, now)
		if err != nil {
			return err
		}
		s.signer.AcceptOlder(keys)
	}
	return nil
}

// olderKeys reads the keys of purpose recorded in the last
// ButtonKeyRetention, each accepted for buttons sealed up to an hour (the
// record's interval) after it was last recorded in use: whether such a
// button is still young enough is the signer's age check, so an old button
// reads as stale, not forged.
func olderKeys(ctx context.Context, st *state.Store, purpose string, now time.Time) ([]bot.OlderKey, error) {
	keys, err := st.ButtonKeys(ctx, purpose, now.Add(-state.ButtonKeyRetention))
	if err != nil {
		return nil, err
	}
	out := make([]bot.OlderKey, len(keys))
	for i, k := range keys {
		out[i] = bot.OlderKey{Key: k.Key, Until: k.LastUsed.Add(buttonKeyEvery + time.Minute)}
	}
	return out, nil
}

// keySource is a sealer's way to read the keys again (SetKeySource).
func keySource(d *Durable, purpose string) func() ([]bot.OlderKey, error) {
	return func() ([]bot.OlderKey, error) {
		st := d.Store()
		if st == nil {
			return nil, errStoreDown
		}
		ctx, cancel := context.WithTimeout(context.Background(), buttonKeyTimeout)
		defer cancel()
		return olderKeys(ctx, st, purpose, time.Now())
	}
}

// keyReloadEvery is the least time between two reads of the keys for
// seals that match none (a flood of forged clicks costs one read per
// interval).
const keyReloadEvery = 10 * time.Second

// buttonKeyEvery is how often a running process records its keys as still
// in use: a rotated token's successor accepts buttons sealed up to then.
const buttonKeyEvery = time.Hour

// keepButtonKeys records the keys as in use every buttonKeyEvery until ctx
// is done; every minute while a record fails (a store away at start), so
// that other replicas learn this one's key soon. (Not at the stop itself:
// the stop's 10 s are the Bot's and the audit's.)
func (a *App) keepButtonKeys(ctx context.Context, recorded bool, retry, every time.Duration) {
	wait := func(ok bool) time.Duration {
		if ok {
			return every
		}
		return retry
	}
	t := time.NewTimer(wait(recorded))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := rememberButtonKeys(ctx, a.State.Store(), a.sealers, time.Now(), false)
			if err == nil && a.State.Store() == nil {
				err = errStoreDown
			}
			if err != nil {
				a.log.Warn("button keys not recorded as in use", "err", err)
			}
			t.Reset(wait(err == nil))
		}
	}
}
