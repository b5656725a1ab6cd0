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
type SlackFiles struct{ API *slack.Client }

// SendFile implements FileSender.
func (s SlackFiles) SendFile(ctx context.Context, userID string, f File) error {
	ctx, cancel := context.WithTimeout(ctx, fileSendTimeout)
	defer cancel()
	ch, _, _, err := s.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
	if err != nil {
		return fmt.Errorf("slack conversations.open: %w", err)
	}
	_, err = s.API.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename:       f.Name,
		Title:          f.Title,
		InitialComment: f.Comment,
		Reader:         bytes.NewReader(f.Content),
		FileSize:       len(f.Content),
		Channel:        ch.ID,
	})
	if err != nil {
		return fmt.Errorf("slack file upload: %w", err)
	}
	return nil
}
