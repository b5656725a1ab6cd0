package wire

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"lastactive/bot"
	"lastactive/digest"
	"lastactive/internal/schedule"
	"lastactive/seat"
)

// digestRunTimeout bounds one scheduled digest: a scan of a large
// organisation at the Admin API's pace (seat.DefaultScanTimeout) plus the
// upload and the post.
const digestRunTimeout = 35 * time.Minute

// buildDigests builds the digest and App Home parts when reports are on:
// the digest Builder on the shared Scanner, the Slack calls, and, with a
// channel, the schedule loop. web is nil without Slack.
func (a *App) buildDigests(s Settings, web *bot.SlackAPI) (*bot.Digests, error) {
	if a.Scanner == nil {
		return nil, nil
	}
	// The site book's hourly read names the sites and gives their capacity.
	dc := digest.Config{Scanner: a.Scanner, Sites: a.Sites, IdleDays: s.IdleDays, Channel: s.DigestChannel != "", Logger: s.Logger}
	if s.State != nil {
		dc.Store = s.State
		// Exempt seats are marked in the digest and its snapshot, as in
		// the idle report (bot's markExempt).
		ex := ExemptionStore{D: s.State}
		dc.Exemptions = func(ctx context.Context, at time.Time) ([]seat.Exemption, error) {
			list, err := ex.Exemptions(ctx, at)
			if err != nil {
				return nil, err
			}
			return bot.SeatExemptions(list), nil
		}
	}
	cfg := bot.DigestConfig{Source: digest.NewBuilder(dc), Channel: s.DigestChannel, Logger: s.Logger}
	if web != nil {
		cfg.Images, cfg.Poster, cfg.Home = bot.SlackFiles{API: web}, bot.SlackChat{API: web}, bot.SlackViews{API: web}
	}
	if s.DigestImages != nil {
		cfg.Images = s.DigestImages
	}
	if s.DigestPoster != nil {
		cfg.Poster = s.DigestPoster
	}
	d := bot.NewDigests(cfg)
	if s.DigestChannel != "" && s.State != nil && s.DigestSchedule != nil && cfg.Poster != nil {
		host, _ := os.Hostname()
		a.digestLoop = &schedule.Loop{
			Name: "digest", Schedule: s.DigestSchedule, Claims: s.State, Logger: s.Logger,
			// Unique per process: a restarted replica must not renew (and so
			// re-run) the claim its previous life took.
			Holder: host + " " + rand.Text()[:10],
			Run: func(ctx context.Context, slot time.Time) error {
				ctx, cancel := context.WithTimeout(ctx, digestRunTimeout)
				defer cancel()
				s.Logger.Info("digest slot", "slot", slot.UTC())
				emails, ids, err := d.PostNamed(ctx)
				if errors.Is(err, bot.ErrDigestNotMade) {
					// Nothing was posted: the slot runs again.
					return fmt.Errorf("%w: %w", schedule.ErrNotDone, err)
				}
				a.auditDigest(s.DigestChannel, slot, emails, ids, err)
				return err
			},
		}
	}
	return d, nil
}

// auditDigest writes a posted (or failed) scheduled digest to the audit
// trail, by the bot, naming whom it showed (the people idle longest).
func (a *App) auditDigest(channel string, slot time.Time, emails, accountIDs []string, err error) {
	if a.Audit == nil {
		return
	}
	e := bot.AuditEvent{At: time.Now(), Action: bot.AuditDigest, Outcome: bot.OutcomeOK, Emails: emails, AccountIDs: accountIDs,
		Detail: "posted to channel " + channel + " for the slot of " + slot.UTC().Format(time.RFC3339)}
	if err != nil {
		e.Outcome = bot.OutcomeFailed
	}
	a.Audit.Record(e)
}

// runDigests runs the digest schedule until ctx is done.
func (a *App) runDigests(ctx context.Context) {
	if a.digestLoop != nil {
		_ = a.digestLoop.Serve(ctx)
	}
}
