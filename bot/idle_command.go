package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"lastactive/atlassian"
	"lastactive/seat"
)

// Scanner builds org-wide idle-seat reports from a shared scan of the
// organisation. *seat.Scanner satisfies it.
type Scanner interface {
	Report(ctx context.Context, o seat.Options, fresh bool, waiting func()) (*seat.Report, error)
}

// idle answers an "idle" command for an allowed report user: a progress
// message while the organisation is read, then the summary, with the CSV
// sent to the requester's direct messages first so the summary can say
// where it went. It uses two posts of the response_url at most (Slack
// allows five).
func (s *Service) idle(ctx context.Context, req Request, cmd Command, progress func(Message)) Reply {
	days := cmd.IdleDays
	if days <= 0 {
		days = s.cfg.IdleDays
	}
	reply := Reply{Kind: KindIdle, Targets: cmd.Products}
	rep, err := s.cfg.Scanner.Report(ctx, seat.Options{Days: days, Products: cmd.Products}, cmd.Fresh, func() {
		if progress != nil {
			progress(RenderIdleProgress(days))
		}
	})
	if err != nil {
		reply.Outcome = OutcomeFailed
		if errors.Is(err, atlassian.ErrRateLimited) {
			reply.Outcome = OutcomeRateLimited
		}
		s.log.Warn("idle report failed", "requester", req.UserID, "err", err)
		reply.Message = RenderIdleError(err)
		return reply
	}

	d := s.deliver(ctx, req.UserID, rep)
	reply.Outcome = OutcomeOK
	if d.Err != nil || d.Off {
		reply.Outcome = OutcomePartial
	}
	reply.Message = RenderIdleReport(rep, d)
	return reply
}

// deliver sends the report's CSV to userID's direct messages, never to the
// channel: it lists every person in the organisation.
func (s *Service) deliver(ctx context.Context, userID string, rep *seat.Report) Delivery {
	d := Delivery{File: seat.CSVName(rep), Rows: len(rep.Rows)}
	if s.cfg.Files == nil {
		d.Off = true
		return d
	}
	var buf bytes.Buffer
	if err := seat.WriteCSV(&buf, rep); err != nil {
		d.Err = err
		return d
	}
	f := File{
		Name:    d.File,
		Title:   fmt.Sprintf("Idle seats: not used for %d days (%s)", rep.Days, rep.Now.UTC().Format(time.DateOnly)),
		Comment: fmt.Sprintf("The full list of your /lastactive idle report: %d rows, one per person and product.", len(rep.Rows)),
		Content: buf.Bytes(),
	}
	if err := s.cfg.Files.SendFile(ctx, userID, f); err != nil {
		s.log.Error("idle report: CSV not delivered", "requester", userID, "err", err)
		d.Err = err
	}
	return d
}
