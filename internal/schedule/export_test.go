package schedule

import "time"

// SetClaimTimeout sets how long a claim may take, and returns the undo.
func SetClaimTimeout(d time.Duration) func() {
	old := claimTimeout
	claimTimeout = d
	return func() { claimTimeout = old }
}

// SleepWall is the real clock's Sleep with its clock and timers given.
var SleepWall = sleepWall
