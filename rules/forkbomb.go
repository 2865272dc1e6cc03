package rules

import (
	"github.com/guard-sh/guard/guard"
)

func forkbombRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "fork-bomb",
		Programs:   nil, // the function can have any name, even ":"
		Decision:   guard.Block,
		Summary:    "a function that starts copies of itself in a pipe or the background (:(){ :|:& };:), or an endless loop whose every statement starts a command in the background (while true; do sleep 1000 & done)",
		Postmortem: "fork bombs pasted from jokes: the process table fills and the host stops answering",
		Match:      matchForkBomb,
	}}
}

func matchForkBomb(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Spawned {
		return guard.Found(guard.Block,
			"to run it a few times, bound the loop (for i in $(seq 10); do …; done; wait), or pace it with a foreground sleep",
			"is a fork bomb: the endless loop starts %s in the background every round and never waits for it, until the process table is full and %s stops answering",
			inv.Program, guard.HostName(inv, host))
	}
	if !inv.Recursive || !(inv.InPipeline || inv.Background) {
		return nil
	}
	return guard.Found(guard.Block,
		"to test process limits, set one first (ulimit -u 200) in a throwaway container",
		"is a fork bomb: the function %s starts copies of itself faster than they end, until the process table is full and %s stops answering",
		inv.Function, guard.HostName(inv, host))
}
