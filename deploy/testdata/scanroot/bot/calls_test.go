package bot

// Tests may call anything: not scanned.
func init() { api.PostMessageContext(ctx, "C1") }
