package reportcmd

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Params
		wantErr string
	}{
		{"defaults", nil, Params{}, ""},
		{"days and products", []string{"--idle-days", "30", "--product", "Confluence", "--product", "jira", "--product", "confluence", "--csv", "x.csv"},
			Params{Days: 30, Products: []string{"confluence", "jira"}, CSVPath: "x.csv"}, ""},
		{"zero days", []string{"--idle-days", "0"}, Params{}, "between 1 and 3650"},
		{"too many days", []string{"--idle-days", "3651"}, Params{}, "between 1 and 3650"},
		{"unknown product", []string{"--product", "nosuch"}, Params{}, "product key"},
		{"two in one flag", []string{"--product", "confluence loom"}, Params{}, "product key"},
		{"digits", []string{"--product", "90"}, Params{}, "product key"},
		{"stray argument", []string{"confluence"}, Params{}, "unexpected argument"},
		{"bad flag", []string{"--nope"}, Params{}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			got, err := Parse(tt.args, &stderr)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Params (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error()+stderr.String(), tt.wantErr) {
				t.Errorf("err %v, stderr %q; want ErrUsage mentioning %q", err, stderr.String(), tt.wantErr)
			}
		})
	}
}
