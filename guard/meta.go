package guard

// Ids of the findings the engine itself makes.
const (
	UnparsedID   = "unparsed-line"
	TooComplexID = "line-too-complex"
	InternalID   = "internal-error"
	GuardOffID   = "guard-off"
)

// MetaRules are the engine's own findings, listed in the catalog so that
// `guard explain` knows them. They match nothing by themselves.
func MetaRules() []*Rule {
	never := func(*Invocation, Host) *Finding { return nil }
	return append([]*Rule{
		{
			ID: UnparsedID, Decision: Warn, Match: never,
			Summary:    "the line does not parse; guard judged it word by word",
			Postmortem: "guard's own design",
			Explain: `The line is not valid shell syntax for the dialect guard was told
(bash by default): an unterminated quote, an if without fi, another shell's
syntax. The shell will most likely refuse it too, but guard does not rely
on that: it splits the line into words with a tolerant tokenizer and
judges the commands it finds, so "rm -rf / 'oops" is still caught.

Correct: fix the quoting. If the line is zsh or mksh syntax, tell guard:
guard check --shell mksh -- LINE.`,
		},
		{
			ID: TooComplexID, Decision: Confirm, Match: never,
			Summary:    "the line is too large or runs too many commands to judge completely",
			Postmortem: "guard's own design",
			Explain: `guard bounds the work it does per line so that a huge paste or a
hostile line cannot hang a login shell. Past the bound (16 MB, or 20,000
commands) the rest of the line is not checked, and guard asks for
confirmation rather than let unseen commands through.

Correct: put the commands in a script, read it, and run it as a file.`,
		},
		{
			ID: GuardOffID, Decision: Warn, Match: never,
			Summary:    "GUARD=off before a command: the operator turned guard off for it",
			Postmortem: "guard's own design",
			Explain: `The escape hatch: GUARD=off rm -rf build/ runs that one command without
any rule being applied. It is deliberate (you type it), visible (guard
prints this warning) and recorded (the audit log keeps the line). It
applies to that command and what it runs (sudo, bash -c), not to the rest
of the line.

For a whole shell session, guard allow RULE acknowledges one rule.`,
		},
		{
			ID: InternalID, Decision: Confirm, Match: never,
			Summary:    "guard itself failed while judging the line",
			Postmortem: "guard's own design",
			Explain: `A bug in guard stopped it from judging the line completely. It neither
lets the line through unseen nor locks you out: it asks for confirmation,
and the message carries the error. Please report it with the line.`,
		},
	}, reachRules()...)
}
