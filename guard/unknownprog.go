package guard

import (
	"fmt"
	"strings"
)

// UnknownProgramID is the engine's finding for a command whose program
// guard cannot tell, with arguments that would be dangerous for one.
const UnknownProgramID = "unknown-program"

// maxTrials bounds the unknown command words tried against every program
// on one line; past it the line is too complex.
const maxTrials = 256

func unknownProgramRule() *Rule {
	return &Rule{
		ID: UnknownProgramID, Decision: Confirm, Match: func(*Invocation, Host) *Finding { return nil },
		Summary:    "the program a command runs is not known, and its arguments would be dangerous for one",
		Postmortem: "guard's own design: lines written to get past a refusal",
		Explain: `The command word is computed when the line runs: "$tool" filled by read
from a terminal, by $(cat tool.txt), by a variable that is not exported.
(What guard can work out it does: $(printf %s rm), $(basename /bin/rm),
"$@" after set --, "${cmd[@]}", read x <<< rm are rm.) When it cannot
tell which program runs, it judges the arguments as if
the program were each one its rules know, and asks when one of them
would be blocked: "$tool" -rf /opt would delete /opt if $tool is rm.

Correct: name the program (rm -rf /opt/old-release), or check the value
first (echo "$tool").

A command word that is data read when the line runs is asked about
whatever its arguments: read -r line; $line, mapfile -t c; "${c[@]}",
c=$(cat FILE) of a file guard cannot read. The command is never shown,
so nothing can be judged (the same for eval "$line" and bash -c "$line",
reported as hidden code).

A command word guard cannot know whose arguments are harmless to every
program ("$EDITOR" notes.txt) passes, except from a coding agent: an
agent refused once tends to hide the command it was refused, so its
commands must name their program, or they are asked about.`,
	}
}

// firstBlock is the first block among the readings of inv as each
// program the rules know, in order, and that program; the readings after
// it are not judged.
func (e *Engine) firstBlock(inv *Invocation, host Host) (*Finding, string) {
	// The rules about every command have judged inv as it is; with a
	// program guessed they may say more (dd's of= is disk-overwrite's),
	// and only that counts.
	already := map[string]bool{}
	for _, r := range e.anyCmd {
		if f := e.match(r, inv, host); f != nil {
			already[r.ID] = true
		}
	}
	for _, program := range e.candidates() {
		try := *inv
		try.Program = program
		try.Command = Arg{Text: inv.Command.Text, Value: program, Known: true}
		var memo inertMemo
		for _, r := range e.rulesFor(program) {
			if already[r.ID] {
				continue
			}
			if f := e.ask(r, &try, host, &memo); f != nil && f.Decision == Block {
				return f, program
			}
		}
	}
	return nil, ""
}

// tryPrograms judges an invocation whose program is unknown as if it were
// each program the rules know. When the words would be blocked for one of
// them, it asks, naming that program: asking rather than blocking, since
// which program runs is a guess. Readings that would only ask are left
// out: any word is the name of some database or user, and a command word
// guard cannot see ("$EDITOR" notes.txt) is common and harmless.
func (e *Engine) tryPrograms(inv *Invocation, host Host) *Finding {
	blocked, program := e.firstBlock(inv, host)
	if blocked == nil {
		return nil
	}
	what := unknownParts(inv)
	return &Finding{
		Rule: UnknownProgramID, Decision: Confirm, Command: inv.Text,
		Message: fmt.Sprintf("guard cannot tell which program %s runs (%s is only known when the line runs); if it is %s, this %s",
			inv.Command.Text, what, program, strings.TrimPrefix(blocked.Message, "this ")),
		Hint: fmt.Sprintf("name the program instead of %s; to see what it is: echo %s", inv.Command.Text, inv.Command.Text),
	}
}

// unknownForAgent: a coding agent's command whose program guard cannot
// tell is asked about whatever its arguments: an agent refused once tends
// to hide the command ($(cat cmd.txt), a decoded string), and an agent
// has no reason not to name the program it runs.
func unknownForAgent(inv *Invocation) Finding {
	what := unknownParts(inv)
	return Finding{
		Rule: UnknownProgramID, Decision: Confirm, Command: inv.Text,
		Message: fmt.Sprintf("guard cannot tell which program %s runs (%s is only known when the line runs), and a coding agent's command must name it",
			inv.Command.Text, what),
		Hint: "run the command with its program named, so that it can be checked",
	}
}

// unknownData: a command word that is data the line reads when it runs
// (read from the terminal, mapfile, $(cat FILE) of a file guard cannot
// read) is asked about whatever its arguments: the command itself is
// never shown, so nothing can be judged. "$EDITOR" and "$@" are values
// set before the line and pass.
func unknownData(inv *Invocation) Finding {
	return Finding{
		Rule: UnknownProgramID, Decision: Confirm, Command: inv.Text,
		Message: fmt.Sprintf("guard cannot tell what %s runs: %s is data read when the line runs (typed at the terminal, or from a file guard cannot read), so the command itself is never shown",
			inv.Command.Text, unknownParts(inv)),
		Hint: fmt.Sprintf("type the command itself; to see what it would be first: echo %s", inv.Command.Text),
	}
}

// dataMayHoldCommand: the data may be a whole command, not only a
// program's name: it is unquoted (split into words when the line runs),
// a list ("${c[@]}"), the only word, or other words are data too. A
// quoted "$tool" with known arguments is only a name, and tryPrograms
// judges those arguments for every program (read tool; "$tool"
// --version passes).
func dataMayHoldCommand(inv *Invocation) bool {
	word := inv.Command.Text
	if len(inv.Args) == 0 || !strings.HasPrefix(word, `"`) || strings.Contains(word, "[@]") || strings.Contains(word, "$@") {
		return true
	}
	for _, a := range inv.Args {
		if !a.Known {
			return true
		}
	}
	return false
}

// unknownParts names what makes inv's program unknown, for messages.
func unknownParts(inv *Invocation) string {
	if what := strings.Join(inv.Command.Unknown, ", "); what != "" {
		return what
	}
	return inv.Command.Text
}
