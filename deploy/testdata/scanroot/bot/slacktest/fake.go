// Package slacktest is a fake: it names methods without the bot calling them.
package slacktest

var routes = []string{"chat.postMessage"}

func f(api *slack.Client) { api.PostMessageContext(ctx, "C1") }
