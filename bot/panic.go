package bot

import "lastactive/internal/recovered"

// ErrInternal is the error of work that panicked: a bug in the bot, which
// costs that answer, not the process (internal/recovered). The person is
// told something went wrong; the log has the stack.
var ErrInternal = recovered.ErrPanic

const internalText = "Something went wrong on the bot's side while answering this. Try again, and tell your Slack admin if it keeps happening."
