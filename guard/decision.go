package guard

import (
	"encoding/json"
	"fmt"
)

// Decision is what guard answers for a line. Decisions are ordered: a more
// severe decision compares greater, so the verdict of a line is the maximum
// of its findings.
type Decision int

const (
	Allow Decision = iota
	Warn
	Confirm
	Block
)

var decisionNames = [...]string{"allow", "warn", "confirm", "block"}

func (d Decision) String() string {
	if d < Allow || d > Block {
		return fmt.Sprintf("decision(%d)", int(d))
	}
	return decisionNames[d]
}

// ParseDecision reads a decision name as written in JSON, policy files and
// test data.
func ParseDecision(s string) (Decision, error) {
	for i, name := range decisionNames {
		if s == name {
			return Decision(i), nil
		}
	}
	return Allow, fmt.Errorf("unknown decision %q (want allow, warn, confirm or block)", s)
}

// ExitCode is the exit status of `guard check` for the decision.
func (d Decision) ExitCode() int {
	switch d {
	case Confirm:
		return 10
	case Block:
		return 20
	}
	return 0
}

func (d Decision) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

func (d *Decision) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	parsed, err := ParseDecision(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
