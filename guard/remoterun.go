package guard

import (
	"encoding/json"
	"strings"
)

// Tools that run a command on another machine, as ssh does, each with its
// own way of naming the machine and the command: what the command does is
// judged there (onAnotherHost), as `ssh HOST CMD` is.

// remoteRunnerFor returns how to read the command a remote runner sends,
// nil for other programs.
func remoteRunnerFor(program string) wrapFunc {
	switch program {
	case "mosh":
		return wrapMosh
	case "vagrant":
		return wrapVagrant
	case "gcloud":
		return wrapGcloudSSH
	case "multipass":
		return wrapMultipass
	case "limactl", "lima":
		return wrapLima
	case "aws":
		return wrapSSMSendCommand
	case "az":
		return wrapAzRunCommand
	}
	return nil
}

// runRemote judges code as run by the login shell of host.
func (r *resolver) runRemote(outer *Invocation, code, host, via string, sc *scope) {
	r.runCodeWith(outer, code, sc, via, codeOpts{adjust: onAnotherHost(host, "")})
}

var moshSpec = OptSpec{ShortValue: "p", LongValue: []string{"client", "server", "ssh", "predict", "port", "family", "bind-server", "experimental-remote-ip"}, StopAtOperand: true}

// wrapMosh: mosh [OPTIONS] [--] HOST [--] [COMMAND…]: without a command,
// a login shell there.
func wrapMosh(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, moshSpec)
	if len(p.Operands) == 0 {
		return
	}
	host := hostOf(p.Operands[0])
	rest := p.Rest
	if len(rest) > 0 && rest[0].Value == "--" {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		r.runRemote(outer, joinCode(rest, r.lineLang()), host, "mosh "+host, sc)
	}
}

// wrapVagrant: vagrant ssh [NAME] -c CMD (--command CMD).
func wrapVagrant(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) == 0 || outer.Args[0].Value != "ssh" {
		return
	}
	before, _, _ := splitAtDashes(outer.Args[1:])
	p := ParseOptions(before, OptSpec{ShortValue: "c", LongValue: []string{"command"}})
	cmd, ok := p.Value("c", "command")
	if !ok {
		return
	}
	host := "the vagrant machine"
	if len(p.Operands) > 0 {
		host = "vagrant " + p.Operands[0].Value
	}
	r.runRemote(outer, joinCode([]Arg{cmd}, r.lineLang()), host, "vagrant ssh", sc)
}

// wrapGcloudSSH: gcloud compute ssh INSTANCE --command CMD (and gcloud
// compute tpus tpu-vm ssh), or the words after -- that ssh takes as the
// command.
func wrapGcloudSSH(r *resolver, outer *Invocation, sc *scope) {
	before, after, dashes := splitAtDashes(outer.Args)
	p := ParseOptions(before, OptSpec{LongValue: []string{"command", "zone", "project", "ssh-key-file", "ssh-flag", "container", "worker", "account", "configuration", "verbosity", "impersonate-service-account", "strict-host-key-checking", "troubleshoot", "ssh-key-expiration", "ssh-key-expire-after"}})
	words := ArgValues(p.Operands)
	ssh := -1
	for i, w := range words {
		if w == "ssh" && i > 0 {
			ssh = i
			break
		}
	}
	if ssh < 0 || ssh+1 >= len(words) || words[0] != "compute" && words[0] != "alpha" && words[0] != "beta" {
		return
	}
	host := hostOf(p.Operands[ssh+1])
	if cmd, ok := p.Value("command"); ok {
		r.runRemote(outer, joinCode([]Arg{cmd}, r.lineLang()), host, "gcloud compute ssh "+host, sc)
	} else if dashes && len(after) > 0 {
		r.runRemote(outer, joinCode(after, r.lineLang()), host, "gcloud compute ssh "+host, sc)
	}
}

// wrapMultipass: multipass exec VM [--] CMD….
func wrapMultipass(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "dn", LongValue: []string{"working-directory", "name"}, StopAtOperand: true})
	words := append(p.Operands, p.Rest...)
	if len(words) < 2 || words[0].Value != "exec" {
		return
	}
	host := "multipass " + words[1].Value
	rest := words[2:]
	if len(rest) > 0 && rest[0].Value == "--" {
		rest = rest[1:]
	}
	r.runInner(outer, rest, sc, "multipass exec", onAnotherHost(host, ""))
}

// wrapLima: lima CMD… (the default instance), limactl shell [OPTIONS]
// INSTANCE [CMD…].
func wrapLima(r *resolver, outer *Invocation, sc *scope) {
	args, host := outer.Args, "lima default"
	if outer.Program == "limactl" {
		p := ParseOptions(outer.Args, OptSpec{LongValue: []string{"workdir", "shell", "tty"}, StopAtOperand: true})
		words := append(p.Operands, p.Rest...)
		if len(words) < 2 || words[0].Value != "shell" {
			return
		}
		host = "lima " + words[1].Value
		args = words[2:]
	}
	r.runInner(outer, args, sc, outer.Program, onAnotherHost(host, ""))
}

// wrapSSMSendCommand: aws ssm send-command --document-name
// AWS-RunShellScript --parameters commands=… (or its JSON, or
// {"commands":[…]}) runs the commands on every instance targeted.
func wrapSSMSendCommand(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{LongValue: []string{"document-name", "parameters", "targets", "instance-ids", "region", "profile", "output", "comment", "timeout-seconds", "max-concurrency", "max-errors", "cli-input-json", "query"}})
	words := ArgValues(p.Operands)
	if len(words) < 2 || words[0] != "ssm" || words[1] != "send-command" {
		return
	}
	if doc, ok := p.Value("document-name"); !ok || !strings.Contains(doc.Value, "RunShellScript") {
		return
	}
	params, ok := p.Value("parameters")
	if !ok || !params.Known {
		return
	}
	host := "the instances send-command targets"
	for _, name := range []string{"instance-ids", "targets"} {
		if t, ok := p.Value(name); ok {
			host = "instances " + t.Value
		}
	}
	for _, code := range ssmCommands(params.Value) {
		r.runRemote(outer, code, host, "aws ssm send-command", sc)
	}
}

// ssmCommands reads the shell lines of --parameters: commands=LINE,
// commands=["LINE",…], or JSON {"commands":[…]}.
func ssmCommands(v string) []string {
	var doc map[string][]string
	if err := json.Unmarshal([]byte(v), &doc); err == nil {
		return doc["commands"]
	}
	rest, ok := strings.CutPrefix(v, "commands=")
	if !ok {
		return nil
	}
	var list []string
	if err := json.Unmarshal([]byte(rest), &list); err == nil {
		return list
	}
	return []string{rest}
}

// wrapAzRunCommand: az vm run-command invoke … --command-id
// RunShellScript --scripts LINE… (and az vm run-command create
// --script).
func wrapAzRunCommand(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "gn", LongValue: []string{"resource-group", "name", "command-id", "scripts", "script", "parameters", "subscription", "ids", "vm-name", "run-command-name", "location", "output", "query"}})
	words := ArgValues(p.Operands)
	if len(words) < 3 || words[0] != "vm" || words[1] != "run-command" {
		return
	}
	host := "the Azure VM"
	if n, ok := p.Value("n", "name", "vm-name"); ok {
		host = "Azure VM " + n.Value
	}
	scripts := p.Values("scripts", "script")
	// --scripts takes every word up to the next option
	for _, a := range p.Operands[3:] {
		scripts = append(scripts, a)
	}
	for _, s := range scripts {
		if s.Known {
			r.runRemote(outer, s.Value, host, "az vm run-command", sc)
		}
	}
}

// hostOf names the machine an operand gives (USER@HOST, HOST:PATH), as
// written when guard cannot know it.
func hostOf(a Arg) string {
	if !a.Known || a.Value == "" {
		return unknownHost(a)
	}
	host := a.Value
	if _, h, ok := strings.Cut(host, "@"); ok {
		host = h
	}
	return host
}
