// Package nudge is "keep or release": it asks people who leave a product
// seat idle whether they still need it, and takes the seat back, with an
// approver's consent, when they do not. It speaks neither Slack nor SQL:
// the consumer-owned interfaces below are met by bot (messages, buttons),
// atlassian (the directory and the release calls) and internal/state (the
// store), wired together by internal/wire.
//
// A round (Engine.Round, once per claimed slot of LASTACTIVE_NUDGE_SCHEDULE)
// takes the people idle in the covered products from a fresh-enough org
// scan (when the scan fails the round asks nobody and says ErrNoOrgScan,
// ErrNoSlackUsers when the Slack users cannot be read before the first ask,
// and the schedule runs the slot again) and, per person, skips with a recorded reason: exempt, asked in the
// last 30 days, answered Keep in the last 90 (or an approver's Keep or
// Undo of a release in the last 90), org admins, accounts an
// identity provider manages, accounts that hold no seat, people active
// again (re-read just before sending) and people without a Slack user (the
// round reads the workspace's members once, People.SlackUsers). At
// most Config.Max people are asked. Each gets one message listing each idle
// product with Keep and Release. A restarted round, or a second replica,
// sends nothing twice: each (round, person, product) is stored once before
// its message goes out. A dry run sends nothing and records what it
// decided (state.DryRun, the first MaxDryRunRows of each list and every
// count), which App Home shows.
//
// Keep is recorded and the message says "Kept, thank you". Release, and
// silence after one reminder (Config.Wait, twice), become a release request
// that every approver but the requester sees with the facts re-read (last
// active, how access was granted, the monthly saving). The first decision
// closes it for all (the store decides atomically); the other approvers'
// copies are updated to say who decided.
//
// An approved release, with the write key, plans the change
// (atlassian.PlanRelease: synced accounts, org admins and groups that give
// more are refused with the reason and the Admin link), applies it, reads
// it back (SeatHeld) and posts the result with Undo, which restores exactly
// the steps done (a seat limit reached meanwhile is explained). Without the
// write key the approver gets the Admin link and, a day later, a check of
// whether an admin removed the access. Every step is in the audit trail.
package nudge
