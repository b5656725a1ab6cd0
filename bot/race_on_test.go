//go:build race

package bot

// raceOn: the race detector is on, and sync.Pool drops some of what is
// put back (encoding/json's encoders among them), so allocation counts
// are not the program's.
const raceOn = true
