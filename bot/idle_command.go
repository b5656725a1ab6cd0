package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/recovered"
	"lastactive/seat"
)

// Scanner builds org-wide idle-seat reports from a shared scan of the
// organisation, and says how far the scan in flight has come.
// *seat.Scanner satisfies it.
type Scanner interface {
	Report(ctx context.Context, o seat.Options, fresh bool, waiting func()) (*seat.Report, error)
	Progress() (seat.Progress, bool)
}

// Slack allows 5 posts to one response_url in 30 minutes. An idle report
// spends them as: the "report running" message, at most
// maxProgressUpdates updates of it, and the result, which replaces it.
const (
	maxProgressUpdates = 3
	// DefaultProgressEvery is the least time between two updates of the
	// "report running" message.
	DefaultProgressEvery = 5 * time.Second
)

// idle answers an "idle" command for an allowed report user: a progress
// message while the organisation is read, updated with the accounts read
// so far, then the summary, with the CSV sent to the requester's direct
// messages first so the summary can say where it went. Every call of
// progress happens on the caller's goroutine, in order, before idle
// returns.
func (s *Service) idle(ctx context.Context, req Request, cmd Command, progress func(Message)) Reply {
	days := cmd.IdleDays
	if days <= 0 {
		days = s.cfg.IdleDays
	}
	reply := Reply{Kind: KindIdle, Targets: cmd.Products}
	// One report at a time per person: the scan is shared, but each report
	// holds every row of the organisation and its CSV until it is sent.
	if !s.idleStart(req.UserID) {
		reply.Outcome = OutcomeRateLimited
		reply.Message = RenderNoticeKind(NoticeBusy, idleRunningText)
		return reply
	}
	defer s.idleEnd(req.UserID)
	// The token is taken after that check, as the digest, Full list and
	// Scan now take theirs: a repeat while the report runs is told so and
	// costs nothing. Taken first, repeats spent the tokens, were answered
	// "rate limited" rather than "already running", and refused the
	// requester's next report (TestIdleRepeatTakesNoToken).
	if r, limited := s.takeReport(req, KindIdle); limited {
		return r
	}
	// At most MaxReportsAtOnce in the process; a report that waits its
	// turn says so, in place of one of its progress updates.
	updates := maxProgressUpdates
	release, _, err := s.reportSlot(ctx, func() {
		if progress != nil {
			progress(RenderNoticeKind(NoticeBusy, reportQueuedText))
			updates--
		}
	})
	if err != nil {
		reply.Outcome = OutcomeFailed
		reply.Message = RenderIdleError(err)
		return reply
	}
	defer release()
	rep, err := s.report(ctx, seat.Options{Days: days, Products: cmd.Products}, cmd.Fresh, days, progress, updates)
	if err != nil {
		reply.Outcome = OutcomeFailed
		if errors.Is(err, atlassian.ErrRateLimited) {
			reply.Outcome = OutcomeRateLimited
		}
		s.log.Warn("idle report failed", "requester", req.UserID, "err", err)
		reply.Message = RenderIdleError(err)
		return reply
	}

	s.markExempt(ctx, req.UserID, rep)
	d := s.deliver(ctx, req.UserID, rep)
	reply.Outcome = OutcomeOK
	if d.Err != nil || d.Off {
		reply.Outcome = OutcomePartial
	}
	reply.Message = RenderIdleReport(rep, d)
	return reply
}

// markExempt marks the report's exempt seats, when exemptions are kept;
// when they cannot be read the report says so rather than pass for one
// with none.
func (s *Service) markExempt(ctx context.Context, requester string, rep *seat.Report) {
	if s.cfg.Exemptions == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := s.cfg.Exemptions.Exemptions(ctx, rep.Now)
	if err != nil {
		s.log.Warn("idle report: exemptions not read", "requester", requester, "err", err)
		rep.ExemptionsUnread = true
		return
	}
	rep.MarkExempt(SeatExemptions(list))
}

// SeatExemptions is list as a report marks it (seat.Report.MarkExempt):
// the digest's Builder reads them through it too.
func SeatExemptions(list []Exemption) []seat.Exemption {
	ex := make([]seat.Exemption, len(list))
	for i, e := range list {
		ex[i] = seat.Exemption{Email: e.Email, Product: e.Product, Until: e.Until}
	}
	return ex
}

const idleRunningText = "Your idle seats report is already running: its result will replace its “Report running” message, " +
	"and the full list will arrive in your direct messages. Ask again once it is done."

// idleStart records that user's idle report is being made, and false when
// one is already.
func (s *Service) idleStart(user string) bool {
	s.idleMu.Lock()
	defer s.idleMu.Unlock()
	if s.idling[user] {
		return false
	}
	if s.idling == nil {
		s.idling = map[string]bool{}
	}
	s.idling[user] = true
	return true
}

func (s *Service) idleEnd(user string) {
	s.idleMu.Lock()
	defer s.idleMu.Unlock()
	delete(s.idling, user)
}

// report asks the Scanner for a report on a goroutine of its own, which
// it always waits for (Report returns when ctx ends), and meanwhile posts
// the progress: once when the report has to wait for a scan, then at most
// every ProgressEvery, when the count has moved, maxProgressUpdates times.
func (s *Service) report(ctx context.Context, o seat.Options, fresh bool, days int, progress func(Message), maxUpdates int) (*seat.Report, error) {
	type result struct {
		rep *seat.Report
		err error
	}
	done := make(chan result, 1)
	waiting := make(chan struct{})
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: recovered.Log(s.log, "report", r)}
			}
		}()
		rep, err := s.cfg.Scanner.Report(ctx, o, fresh, func() { close(waiting) })
		done <- result{rep, err}
	}()

	var tick <-chan time.Time
	updates, shown := 0, 0
	for {
		select {
		case r := <-done:
			// waiting is closed before done is sent: a report that had to
			// wait says so first, even when select saw both at once.
			if waiting != nil && progress != nil {
				select {
				case <-waiting:
					progress(RenderIdleProgress(days, seat.Progress{}))
				default:
				}
			}
			return r.rep, r.err
		case <-waiting:
			waiting = nil
			if progress == nil {
				continue
			}
			progress(RenderIdleProgress(days, seat.Progress{}))
			t := time.NewTicker(s.cfg.ProgressEvery)
			defer t.Stop()
			tick = t.C
		case <-tick:
			p, ok := s.cfg.Scanner.Progress()
			if !ok || p.Read == shown {
				continue
			}
			progress(RenderIdleProgress(days, p))
			shown = p.Read
			if updates++; updates >= maxUpdates {
				tick = nil
			}
		}
	}
}

// deliver sends the report's CSV to userID's direct messages, never to the
// channel: it lists every person in the organisation.
func (s *Service) deliver(ctx context.Context, userID string, rep *seat.Report) Delivery {
	d := Delivery{File: seat.CSVName(rep), Rows: len(rep.Rows), Header: seat.CSVHeaderOf(rep)}
	if s.cfg.Files == nil {
		d.Off = true
		return d
	}
	// The CSV is written twice, once to count its bytes (Slack asks for
	// the size first) and once into the upload, rather than held whole: for
	// 50,000 people it is tens of MB, beside the report's rows.
	size := countWriter{w: io.Discard}
	if err := seat.WriteCSV(&size, rep); err != nil {
		d.Err = err
		return d
	}
	f := File{
		Name:  d.File,
		Title: fmt.Sprintf("Idle seats: not used for %s (%s)", days(rep.Days), rep.Now.UTC().Format(time.DateOnly)),
		Comment: fmt.Sprintf("The full list of your /lastactive idle report: %s, one per person and product.",
			seat.Count(len(rep.Rows), "row", "rows")),
		Write: func(w io.Writer) error { return seat.WriteCSV(w, rep) },
		Size:  int(size.n),
	}
	if err := s.cfg.Files.SendFile(ctx, userID, f); err != nil {
		s.log.Error("idle report: CSV not delivered", "requester", userID, "err", err)
		d.Err = err
	}
	return d
}

// MaxReportsAtOnce is how many org-wide reports (idle, Full list, Scan
// now, the private digest) one process builds at once. Each holds every
// row of the organisation, and its CSV while it is sent: about 45 MB for
// 50,000 people with the shared scan, so a third at once would take the
// process past its 128 MiB container. The others wait their turn.
const MaxReportsAtOnce = 2

const reportQueuedText = "Two org-wide reports are being made now: yours starts when one of them ends, and its result will come here."

// reportSlot takes one of the process's MaxReportsAtOnce report slots,
// waiting for one while ctx lasts; queued, when not nil, is called once
// if it has to wait. release gives the slot back.
func (s *Service) reportSlot(ctx context.Context, queued func()) (release func(), waited bool, err error) {
	release = func() { <-s.reportSlots }
	select {
	case s.reportSlots <- struct{}{}:
		return release, false, nil
	default:
	}
	if queued != nil {
		queued()
	}
	select {
	case s.reportSlots <- struct{}{}:
		return release, true, nil
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
}
