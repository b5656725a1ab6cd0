// Package other is another module: not scanned.
package other

func f(api *slack.Client) { api.PostMessageContext(ctx, "C1") }
