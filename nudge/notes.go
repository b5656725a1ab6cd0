package nudge

import "time"

// Note is one message of the flow; bot renders each kind.
type Note interface{ note() }

// Person is whom a message is about.
type Person struct {
	AccountID, Email, Name string
	SlackUser              string
}

// Item is one idle product in a nudge.
type Item struct {
	NudgeID    string
	Key        string // product key
	ProductID  string // site ARI
	Site       string // host, or cloud ID with "(unknown site)"
	LastActive time.Time
	Answer     string // "", state.AnswerKeep or state.AnswerRelease
	Escalated  bool   // no answer after the reminder: the approvers decide
	Settled    string // how it ended (state.Settled…), "" while open
	SettledAt  time.Time
}

// Ask is the nudge: each idle product with Keep and Release, and who gets
// the seat back.
type Ask struct {
	Person   Person
	Items    []Item
	Reminder bool   // the one reminder after Config.Wait
	Contact  string // approvers, as Slack user IDs: who to ask about it
}

// Approval is a release request as each approver sees it.
type Approval struct {
	RequestID     string
	Person        Person
	Item          Item
	Grant         string // how the access was given: "directly", "by group x", or why unknown
	MonthlySaving float64
	HasPrice      bool
	Currency      string
	Requester     string // Slack user who asked; "" when escalated after silence
	// Unreachable: escalated at once, without a reminder, because the
	// person's Slack account was deactivated after the nudge.
	Unreachable bool
	DecidedBy   string // set once decided
	Decision    string // state.DecisionApprove or state.DecisionKeep
}

// Result tells an approver what a release (or its undo, or the check a day
// later) did.
type Result struct {
	ReleaseID string
	Person    Person
	Item      Item
	Text      string // what happened, for a person
	AdminURL  string // the person in Atlassian Administration
	Undo      bool   // offer Undo (the access was removed here)
}

func (Ask) note()      {}
func (Approval) note() {}
func (Result) note()   {}
