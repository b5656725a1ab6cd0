package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"lastactive/internal/state"
)

// downHistory is a DigestSource whose store cannot be read.
type downHistory struct{ failingSource }

func (downHistory) History(context.Context) ([]state.Snapshot, error) {
	return nil, errors.New("state store unavailable")
}

// TestHomeSaysWhenTheStoreIsDown: with the database unreachable, a report
// user's App Home said "No scan of the organisation is stored yet", as on
// a new install, over the weeks of digests stored; the digest says its
// history is unavailable, and so does the tab now.
func TestHomeSaysWhenTheStoreIsDown(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       DigestSource
		want, not string
	}{
		{"nothing stored", storedHistory{}, "No scan of the organisation is stored yet", "cannot reach its database"},
		{"store down", downHistory{}, "cannot reach its database", "No scan of the organisation is stored yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			views := &homeViews{}
			svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
				Digests: NewDigests(DigestConfig{Source: tc.src, Home: views})})
			if err := svc.PublishHome(context.Background(), "UBOSS"); err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(views.views[0].Blocks)
			if s := string(raw); !strings.Contains(s, tc.want) || strings.Contains(s, tc.not) {
				t.Errorf("Home tab: want %q, not %q:\n%s", tc.want, tc.not, s)
			}
		})
	}
}
