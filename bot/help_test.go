package bot

import (
	"regexp"
	"strings"
	"testing"
)

// helpExampleRe finds the command examples of the help: `/lastactive …`.
var helpExampleRe = regexp.MustCompile("`/lastactive([^`]*)`")

// TestRenderHelpCoversTheContract: the help shows an example of every
// command of the contract, each example is a command the parser accepts
// (so the help cannot teach a form that fails), and the lines of the
// commands only report users may run say so.
func TestRenderHelpCoversTheContract(t *testing.T) {
	t.Parallel()
	m := RenderHelp()
	mustCheck(t, m)
	section := sectionText(t, m, "help_examples")
	seen := map[string]bool{}
	for line := range strings.SplitSeq(section, "\n") {
		for _, ex := range helpExampleRe.FindAllStringSubmatch(line, -1) {
			text := strings.TrimSpace(ex[1])
			if strings.HasPrefix(text, "@") { // a mention: Slack sends <@U…>
				seen["mention"] = true
				continue
			}
			c, err := ParseCommand(text)
			if err != nil {
				t.Errorf("help example %q does not parse: %v", text, err)
				continue
			}
			form := ""
			switch c.Kind {
			case CmdHelp:
				form = "help"
			case CmdLookup:
				form = "one person"
				if len(c.Targets) > 1 {
					form = "several people"
				}
				if c.Fresh {
					form = "fresh"
				}
			case CmdIdle:
				form = "idle"
			case CmdAudit:
				form = "audit"
			case CmdDigest:
				form = "digest"
			case CmdExempt:
				form = map[ExemptOp]string{ExemptAdd: "exempt", ExemptList: "exempt list", ExemptRemove: "exempt remove"}[c.Exempt.Op]
			}
			seen[form] = true
			reportOnly := c.Kind == CmdIdle || c.Kind == CmdAudit || c.Kind == CmdDigest || c.Kind == CmdExempt
			if reportOnly != strings.Contains(line, "report users only") {
				t.Errorf("help line of %s: report-only %v, but the line says:\n%s", form, reportOnly, line)
			}
		}
	}
	var missing []string
	for _, form := range []string{"one person", "several people", "mention", "fresh", "idle", "audit", "digest",
		"exempt", "exempt list", "exempt remove", "help"} {
		if !seen[form] {
			missing = append(missing, form)
		}
	}
	if len(missing) > 0 {
		t.Errorf("help has no example of %s:\n%s", strings.Join(missing, ", "), section)
	}
}
