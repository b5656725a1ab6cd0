package bot

import "github.com/slack-go/slack"

// A method value counts as a call; im:write.
func open(api *slack.Client) any { return api.OpenConversation }
