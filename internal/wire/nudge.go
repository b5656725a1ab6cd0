package wire

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/internal/schedule"
	"lastactive/internal/state"
	"lastactive/nudge"
)

// nudgeRunTimeout bounds one scheduled round: the org scan at the Admin
// API's pace, then up to LASTACTIVE_NUDGE_MAX people at a message a second.
const nudgeRunTimeout = 45 * time.Minute

// NudgeSettings is the keep-or-release part of Settings.
type NudgeSettings struct {
	Mode      nudge.Mode // "" or Off: no scheduled rounds (the buttons still work)
	Products  []string
	Schedule  schedule.Schedule
	Max       int
	Wait      time.Duration
	Approvers []string
	// Messages and People replace the Slack calls (tests, the CLI without Slack).
	Messages nudge.Messenger
	People   nudge.People
	// PostEvery: see nudge.Config (0: a second).
	PostEvery time.Duration
	Now       func() time.Time
	// Actor: see nudge.Config (the CLI's "cli:USER"; empty in serve).
	Actor string
}

// buildNudges builds the keep-or-release engine when reports and the
// store are on, its Slack side when Slack is, and the round loop when the
// mode asks for rounds. It fills cfg.Release so the Service answers the
// buttons.
func (a *App) buildNudges(s Settings, client *atlassian.Client, web *bot.SlackAPI, cfg *bot.ServiceConfig) {
	if a.Scanner == nil || s.State == nil {
		return
	}
	ns := s.Nudge
	seal := bot.NewButtonSigner(s.SlackBotToken+"\x00keep or release", bot.ReleaseButtonMaxAge, nil)
	seal.SetKeySource(keySource(s.State, "keep or release"), keyReloadEvery)
	a.sealers = append(a.sealers, sealer{purpose: "keep or release", signer: seal})
	nc := nudge.Config{
		Mode: ns.Mode, Products: ns.Products, Prices: s.SeatPrices, Currency: s.Currency, IdleDays: s.IdleDays,
		Max: ns.Max, Wait: ns.Wait, Approvers: ns.Approvers, OrgID: s.OrgID,
		Scans: a.Scanner, Directory: client, Sites: a.Sites, People: ns.People, Messages: ns.Messages,
		Store: func() nudge.Store {
			if st := s.State.Store(); st != nil {
				return nudgeStore{st, s.State} // each call with its own deadline, observed
			}
			return nil
		},
		Now: ns.Now, PostEvery: ns.PostEvery, Logger: s.Logger, Actor: ns.Actor,
		// A lookup or a report after a release or an undo shows the access
		// as it is now.
		Changed: func(email, accountID string) {
			a.Lookups.Forget(email, accountID)
			a.Scanner.Changed()
		},
	}
	if web != nil {
		if nc.Messages == nil {
			nc.Messages = bot.SlackNotes{API: web, Seal: seal}
		}
		if nc.People == nil {
			nc.People = bot.SlackPeople{API: web}
		}
	}
	if s.Currency == "" {
		nc.Currency = "USD"
	}
	a.Nudge = nudge.New(nc)
	cfg.Release = &bot.KeepRelease{Flow: a.Nudge, Seal: seal, Records: NudgeRecords{D: s.State}, DryRun: ns.Mode == nudge.DryRun}
	if ns.Mode != nudge.On && ns.Mode != nudge.DryRun || ns.Schedule == nil || nc.Messages == nil && ns.Mode == nudge.On {
		return
	}
	host, _ := os.Hostname()
	dry := ns.Mode == nudge.DryRun
	a.nudgeLoop = &schedule.Loop{
		Name: "nudge", Schedule: ns.Schedule, Claims: s.State, Logger: s.Logger,
		Holder: host + " " + rand.Text()[:10], // unique per process, as the digest's
		Run: func(ctx context.Context, slot time.Time) error {
			ctx, cancel := context.WithTimeout(ctx, nudgeRunTimeout)
			defer cancel()
			name := "nudge " + slot.UTC().Format(time.RFC3339)
			sum, err := a.Nudge.Round(ctx, name, dry)
			s.Logger.Info("nudge round", "slot", slot.UTC(), "dry_run", dry, "asked", len(sum.Asked), "skipped", len(sum.Skipped), "err", err)
			if errors.Is(err, nudge.ErrRoundRunning) {
				// A manual round holds the claim: this slot did nothing
				// and is tried again a minute later.
				return fmt.Errorf("%w: %w", schedule.ErrNotDone, err)
			}
			if dry || ctx.Err() != nil {
				// Stopped during the round: no follow-ups now; the round is
				// run again by the next process (retryIfStopped).
				return retryIfAskedNobody(retryIfStopped(ctx, err))
			}
			// Follow-ups run even when the scan failed: they do not need it,
			// and each step is recorded once, so the retry repeats none.
			if ferr := a.Nudge.FollowUp(ctx); ferr != nil && err == nil {
				err = ferr
			}
			return retryIfAskedNobody(err)
		},
	}
}

// runNudges runs the round schedule until ctx is done.
func (a *App) runNudges(ctx context.Context) {
	if a.nudgeLoop != nil {
		_ = a.nudgeLoop.Serve(ctx)
	}
}

// NudgeRecords reads keep or release's records for App Home from the
// store, each read with its own deadline (nudgeStoreTimeout); while the
// store is down every read fails with bot.ErrAuditUnavailable.
type NudgeRecords struct{ D *Durable }

var _ bot.KeepReleaseRecords = NudgeRecords{}

func (r NudgeRecords) store() (*state.Store, error) {
	if st := r.D.Store(); st != nil {
		return st, nil
	}
	return nil, bot.ErrAuditUnavailable
}

// Unanswered implements bot.KeepReleaseRecords.
func (r NudgeRecords) Unanswered(ctx context.Context) ([]state.Nudge, error) {
	st, err := r.store()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return st.Unanswered(ctx)
}

// PendingRequests implements bot.KeepReleaseRecords.
func (r NudgeRecords) PendingRequests(ctx context.Context) ([]state.ReleaseRequest, error) {
	st, err := r.store()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return st.PendingRequests(ctx)
}

// LastDryRun implements bot.KeepReleaseRecords.
func (r NudgeRecords) LastDryRun(ctx context.Context) (state.DryRun, error) {
	st, err := r.store()
	if err != nil {
		return state.DryRun{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, nudgeStoreTimeout)
	defer cancel()
	return st.LastDryRun(ctx)
}

// retryIfStopped marks err with schedule.ErrNotDone when the round ended
// because the process is stopping (ctx is done): the claim is given back
// and the next process runs the round again, which asks only the people
// this one had not asked yet (a person is asked once per round).
func retryIfStopped(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && !errors.Is(err, schedule.ErrNotDone) {
		return fmt.Errorf("%w: stopped part-way: %w", schedule.ErrNotDone, err)
	}
	return err
}

// retryIfAskedNobody marks err with schedule.ErrNotDone when the round's org
// scan failed (nudge.ErrNoOrgScan) or the Slack users could not be read
// (nudge.ErrNoSlackUsers): it asked nobody, so the claim is given back and
// the slot runs again while under an hour late, as a digest's whose scan
// failed does (bot.ErrDigestNotMade).
func retryIfAskedNobody(err error) error {
	if (errors.Is(err, nudge.ErrNoOrgScan) || errors.Is(err, nudge.ErrNoSlackUsers)) && !errors.Is(err, schedule.ErrNotDone) {
		return fmt.Errorf("%w: %w", schedule.ErrNotDone, err)
	}
	return err
}
