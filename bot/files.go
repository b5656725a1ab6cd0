package bot

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// FileSender delivers a file privately to a Slack user.
type FileSender interface {
	SendFile(ctx context.Context, userID string, f File) error
}

// File is a file for a person's direct messages.
type File struct {
	Name, Title, Comment string
	Content              []byte
}

// fileSendTimeout bounds one delivery: a CSV of 100,000 rows is a few MiB.
const fileSendTimeout = time.Minute

// SlackFiles is the FileSender backed by the Slack Web API: conversations.open
// for the direct message channel (scope im:write), then the two-step upload
// files.getUploadURLExternal and files.completeUploadExternal (files:write).
// Each call is retried as SlackAPI allows (a 429 is waited out); the bytes
// themselves are posted once.
type SlackFiles struct{ API *SlackAPI }

// SendFile implements FileSender.
func (s SlackFiles) SendFile(ctx context.Context, userID string, f File) error {
	ctx, cancel := context.WithTimeout(ctx, fileSendTimeout)
	defer cancel()
	api := s.API.Client
	var ch *slack.Channel
	err := s.API.call(ctx, "conversations.open", true, func(ctx context.Context) (err error) {
		ch, _, _, err = api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
		return err
	})
	if err != nil {
		return err
	}
	var up *slack.GetUploadURLExternalResponse
	err = s.API.call(ctx, "files.getUploadURLExternal", true, func(ctx context.Context) (err error) {
		up, err = api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: f.Name, FileSize: len(f.Content)})
		return err
	})
	if err != nil {
		return err
	}
	if err := api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: up.UploadURL, Reader: bytes.NewReader(f.Content), Filename: f.Name}); err != nil {
		return fmt.Errorf("slack file upload: %w", stripURL(err))
	}
	// Completing twice could share the file twice: only a 429 (which Slack
	// did not carry out) is repeated.
	return s.API.call(ctx, "files.completeUploadExternal", false, func(ctx context.Context) error {
		_, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files:          []slack.FileSummary{{ID: up.FileID, Title: f.Title}},
			Channel:        ch.ID,
			InitialComment: f.Comment,
		})
		return err
	})
}
