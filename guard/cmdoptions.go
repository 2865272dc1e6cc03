package guard

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
)

// Ordinary programs that run a command an option or a variable names (the
// "command" and "shell" functions of the GTFOBins catalogue): ssh's
// ProxyCommand, tar's --to-command, man's pager, socat's EXEC address,
// GIT_SSH_COMMAND. The program itself is harmless; what it is told to run
// is judged as the command it is, here and now.

// runKind says how a program runs the text of one of its options.
type runKind uint8

const (
	runShell  runKind = iota // given to sh -c
	runArgv                  // split at blanks and run without a shell
	runWrites                // a file the program empties and writes
)

// cmdOption is one option of a program whose value is a command or a file
// it writes.
type cmdOption struct {
	names []string // as ParseOptions names them: "o", "to-command"
	kind  runKind
	// code pulls the command out of the option's value ("exec=CMD" of
	// tar's --checkpoint-action, "ProxyCommand=CMD" of ssh -o); nil: the
	// whole value.
	code func(value string) (string, bool)
	// remote: the command runs at the other end (rsync --rsync-path).
	remote bool
	// file: the value names a file whose every line code reads (ssh -F
	// CONFIG, whose ProxyCommand lines ssh runs).
	file bool
}

// cmdProgram is how to find those options in one program's arguments.
type cmdProgram struct {
	spec OptSpec
	// spelled maps a single-dash option of more than one letter to the
	// long name it is read as: zip's -TT is --unzip-command.
	spelled map[string]string
	options []cmdOption
	// operands pulls a command out of an operand: socat's addresses.
	operands func(value string) (string, runKind, bool)
}

var sshCommandOptions = cmdProgram{
	spec: OptSpec{ShortValue: "bcDEeFIiJLlmOopQRSWwBP", StopAtOperand: true},
	options: []cmdOption{
		{names: []string{"o"}, kind: runShell, code: sshConfigCommand},
		{names: []string{"F"}, kind: runShell, code: sshConfigCommand, file: true},
	},
}

var tarCommandOptions = cmdProgram{
	spec: OptSpec{ShortValue: "bCfFgHIKLNTVX", LongValue: []string{"to-command", "use-compress-program", "rsh-command", "info-script", "new-volume-script", "checkpoint-action", "file", "directory", "files-from", "exclude-from"}},
	options: []cmdOption{
		{names: []string{"to-command", "info-script", "new-volume-script", "F", "use-compress-program", "I"}, kind: runShell},
		{names: []string{"rsh-command"}, kind: runArgv},
		{names: []string{"checkpoint-action"}, kind: runShell, code: func(v string) (string, bool) { return strings.CutPrefix(v, "exec=") }},
	},
}

var netcatCommandOptions = cmdProgram{
	spec: OptSpec{ShortValue: "ecpsiqwgGOPTxXIM", LongValue: []string{"exec", "sh-exec", "lua-exec", "source", "wait", "proxy", "proxy-type"}, StopAtOperand: false},
	options: []cmdOption{
		{names: []string{"e", "exec"}, kind: runArgv},
		{names: []string{"c", "sh-exec"}, kind: runShell},
	},
}

// commandOptions lists the programs of this file, by name.
var commandOptions = map[string]cmdProgram{
	"ssh":  sshCommandOptions,
	"scp":  sshCommandOptions,
	"sftp": sshCommandOptions,
	"tar":  tarCommandOptions,
	"gtar": tarCommandOptions,
	"zip": {
		spec:    OptSpec{ShortValue: "bdinOPtx", LongValue: []string{"unzip-command", "temp-path", "password", "output-file"}},
		spelled: map[string]string{"-TT": "--unzip-command"},
		options: []cmdOption{{names: []string{"unzip-command"}, kind: runShell}},
	},
	"rsync": {
		spec: OptSpec{ShortValue: "eBfT", LongValue: []string{"rsh", "rsync-path", "filter", "exclude", "include", "exclude-from", "include-from", "files-from", "temp-dir", "compare-dest", "copy-dest", "link-dest", "backup-dir", "suffix", "chmod", "chown", "usermap", "groupmap", "password-file", "log-file", "log-file-format", "out-format", "bwlimit", "timeout", "port", "partial-dir", "max-size", "min-size", "block-size", "compress-choice", "checksum-choice"}},
		options: []cmdOption{
			{names: []string{"e", "rsh"}, kind: runShell},
			{names: []string{"rsync-path"}, kind: runShell, remote: true},
		},
	},
	"man": {
		spec:    OptSpec{ShortValue: "CMPpLmeSsrER", LongValue: []string{"config-file", "manpath", "pager", "preprocessor", "locale", "systems", "extension", "sections", "prompt", "encoding"}},
		options: []cmdOption{{names: []string{"P", "pager"}, kind: runShell}},
	},
	"nc":     netcatCommandOptions,
	"ncat":   netcatCommandOptions,
	"netcat": netcatCommandOptions,
	"socat": {
		spec:     OptSpec{ShortValue: "dlLtT"},
		operands: socatAddressCommand,
	},
	"apt":      aptCommandOptions,
	"apt-get":  aptCommandOptions,
	"aptitude": aptCommandOptions,
}

var aptCommandOptions = cmdProgram{
	spec:    OptSpec{ShortValue: "ocqt", LongValue: []string{"option", "config-file", "target-release"}},
	options: []cmdOption{{names: []string{"o", "option"}, kind: runShell, code: aptHookCommand}},
}

// sshConfigCommand pulls the command out of ssh -o KEY=VALUE (or "KEY
// VALUE") for the keys whose value ssh runs with the user's shell on
// this machine.
func sshConfigCommand(opt string) (string, bool) {
	key, value, ok := strings.Cut(strings.TrimLeft(opt, " \t"), "=")
	if i := strings.IndexAny(opt, " \t="); i > 0 && (!ok || i < len(key)) {
		key, value = opt[:i], opt[i+1:]
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "proxycommand", "localcommand", "knownhostscommand":
	default:
		return "", false
	}
	value = strings.TrimLeft(value, " \t=")
	if strings.EqualFold(value, "none") {
		return "", false
	}
	return value, true
}

// aptHookCommand: apt -o KEY=CMD for the keys apt and dpkg run as shell
// commands (APT::Update::Pre-Invoke, DPkg::Post-Invoke…).
func aptHookCommand(opt string) (string, bool) {
	key, value, ok := strings.Cut(opt, "=")
	if !ok {
		return "", false
	}
	key = strings.ToLower(strings.TrimSuffix(key, "::"))
	for _, hook := range []string{"pre-invoke", "post-invoke", "post-invoke-success", "pre-install-pkgs", "post-invoke-stats"} {
		if strings.HasSuffix(key, "::"+hook) {
			return value, true
		}
	}
	return "", false
}

// socatAddressCommand: socat's EXEC:CMD runs CMD split at blanks, and
// SYSTEM:CMD runs it with sh -c; options follow a comma.
func socatAddressCommand(addr string) (string, runKind, bool) {
	kind, rest, ok := strings.Cut(addr, ":")
	if !ok {
		return "", 0, false
	}
	how := runArgv
	switch strings.ToUpper(kind) {
	case "EXEC":
	case "SYSTEM":
		how = runShell
	default:
		return "", 0, false
	}
	return cutSocatOptions(rest), how, true
}

// cutSocatOptions drops the ",opt,opt" after an address's command: the
// first comma outside quotes.
func cutSocatOptions(s string) string {
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == ',':
			return s[:i]
		}
	}
	return s
}

// commandVars are the variables a program runs as a command, with the
// programs that read them. Their value is shell code.
var commandVars = map[string][]string{
	"GIT_SSH_COMMAND":     {"git"},
	"GIT_SSH":             {"git"},
	"GIT_PAGER":           {"git"},
	"GIT_EDITOR":          {"git"},
	"GIT_SEQUENCE_EDITOR": {"git"},
	"GIT_EXTERNAL_DIFF":   {"git"},
	"GIT_PROXY_COMMAND":   {"git"},
	"GIT_ASKPASS":         {"git"},
	"RSYNC_RSH":           {"rsync"},
	"MANPAGER":            {"man"},
	"PAGER":               {"man", "git", "journalctl", "systemctl", "loginctl", "busctl", "psql", "mysql", "apt", "dpkg", "coredumpctl"},
	"SYSTEMD_PAGER":       {"journalctl", "systemctl", "loginctl", "busctl", "coredumpctl", "timedatectl", "hostnamectl", "networkctl", "resolvectl"},
	"EDITOR":              {"crontab", "git", "sudoedit", "sudo", "visudo", "vipw", "vigr", "edquota", "systemctl", "kubectl", "fc", "virsh", "crm", "mutt"},
	"VISUAL":              {"crontab", "git", "sudoedit", "sudo", "visudo", "vipw", "vigr", "edquota", "systemctl", "kubectl", "fc", "virsh", "crm", "mutt"},
	"SUDO_EDITOR":         {"sudoedit", "sudo"},
	"LESSOPEN":            {"less", "man", "git", "journalctl", "systemctl"},
	"LESSCLOSE":           {"less", "man", "git", "journalctl", "systemctl"},
}

// commandOptionsOf judges the commands inv's options, operands and
// variables tell it to run, and the files its options tell it to write.
// commandVarsOf is commandVars turned around: the variables each program
// reads, in name order, made once, when first needed.
var commandVarsOf = sync.OnceValue(func() map[string][]string {
	byProgram := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(commandVars)) {
		for _, p := range commandVars[name] {
			byProgram[p] = append(byProgram[p], name)
		}
	}
	return byProgram
})

func (r *resolver) commandOptionsOf(inv *Invocation, sc *scope) {
	if spec, ok := commandOptions[inv.Program]; ok {
		r.runOptionCommands(inv, spec, sc)
		if inv.Program == "man" {
			r.manopt(inv, spec, sc)
		}
	}
	r.outputWrites(inv) // sort -o FILE, curl -o FILE: > FILE
	switch inv.Program {
	case "find":
		r.findWrites(inv)
	case "ed", "red":
		r.edShellCommands(inv, sc)
	}
	for _, name := range commandVarsOf()[inv.Program] {
		value, known := sc.lookup(name)
		if !known || strings.TrimSpace(value) == "" {
			continue
		}
		if name == "LESSOPEN" || name == "LESSCLOSE" {
			value = strings.TrimLeft(value, "|-")
		}
		r.runSnippet(inv, value, sc, inv.Program+" ("+name+")", nil)
	}
}

func (r *resolver) runOptionCommands(inv *Invocation, prog cmdProgram, sc *scope) {
	p := ParseOptions(spelledOut(inv.Args, prog.spelled), prog.spec)
	if prog.spec.StopAtOperand && inv.Program != "scp" && inv.Program != "sftp" && len(p.Rest) > 0 {
		// ssh reads options after the destination too, up to the command
		after := ParseOptions(p.Rest, prog.spec)
		p.values = append(p.values, after.values...)
	}
	for _, opt := range prog.options {
		for _, v := range p.Values(opt.names...) {
			if opt.file {
				r.runConfigCommands(inv, v, opt, sc)
				continue
			}
			if !v.Known {
				continue
			}
			code := v.Value
			if opt.code != nil {
				c, ok := opt.code(code)
				if !ok {
					continue
				}
				code = c
			}
			via := inv.Program + " " + optionSpelling(opt.names[0])
			r.runOptionCommand(inv, code, opt.kind, opt.remote, sc, via)
		}
	}
	if prog.operands != nil {
		for _, a := range append(p.Operands, p.Rest...) {
			if !a.Known {
				continue
			}
			if code, kind, ok := prog.operands(a.Value); ok {
				r.runOptionCommand(inv, code, kind, false, sc, inv.Program+" "+strings.ToUpper(a.Value[:strings.Index(a.Value, ":")]))
			}
		}
	}
}

// manopt judges the options man takes from MANOPT set on the line, before
// its own: MANOPT='-P "CMD"' man ls runs CMD as its pager.
func (r *resolver) manopt(inv *Invocation, spec cmdProgram, sc *scope) {
	v, set := sc.get("MANOPT")
	if !set || !v.known {
		return
	}
	with := *inv
	with.Args = manoptWords(v.value)
	r.runOptionCommands(&with, spec, sc)
}

// manoptWords splits MANOPT as man-db does: at spaces, a space escaped
// with a backslash staying in its word (-P less\ -R).
func manoptWords(s string) []Arg {
	var out []Arg
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			out = append(out, Arg{Text: w.String(), Value: w.String(), Known: true})
			w.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ' ':
			w.WriteByte(' ')
			i++
		case s[i] == ' ' || s[i] == '\t':
			flush()
		default:
			w.WriteByte(s[i])
		}
	}
	flush()
	return out
}

// runConfigCommands judges the commands of a configuration file an option
// names (ssh -F <(echo 'ProxyCommand …')), line by line.
func (r *resolver) runConfigCommands(inv *Invocation, file Arg, opt cmdOption, sc *scope) {
	t := r.fileText(inv, file)
	if !t.known {
		return // a file guard cannot read: ssh's own, as ~/.ssh/config is
	}
	for n, line := range strings.Split(t.value, "\n") {
		if n >= maxConfigLines {
			break
		}
		if code, ok := opt.code(line); ok {
			r.runOptionCommand(inv, code, opt.kind, opt.remote, sc, inv.Program+" "+optionSpelling(opt.names[0])+" "+file.Text)
		}
	}
}

// maxConfigLines bounds the lines of a configuration file read for commands.
const maxConfigLines = 10000

// optionSpelling writes an option's name as typed: -P, --pager.
func optionSpelling(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func (r *resolver) runOptionCommand(inv *Invocation, code string, kind runKind, remote bool, sc *scope, via string) {
	var adjust func(inner *Invocation, isc *scope)
	if remote {
		adjust = func(inner *Invocation, isc *scope) {
			inner.Remote, inner.Cwd, inner.Container = "the other end of "+inv.Program, "", ""
			isc.forgetVars()
		}
	}
	switch kind {
	case runShell:
		r.runSnippet(inv, code, sc, via, adjust)
	case runArgv:
		// split at blanks by the program; read as shell words, which
		// honours quotes as some of them do (socat 1.8, ncat)
		r.runSnippet(inv, code, sc, via, adjust)
	}
}

// findWriteActions are find's actions that empty and write a file:
// -fprint FILE, -fprintf FILE FORMAT, -fls FILE.
var findWriteActions = map[string]bool{"-fprint": true, "-fprint0": true, "-fprintf": true, "-fls": true}

// findWrites judges each file find's actions write as > FILE.
func (r *resolver) findWrites(inv *Invocation) {
	for i := 0; i+1 < len(inv.Args); i++ {
		if a := inv.Args[i]; !a.Known || !findWriteActions[a.Value] {
			continue
		}
		file := inv.Args[i+1]
		if !file.Known {
			continue
		}
		r.emit(writeBy(inv, file, false, "find "+inv.Args[i].Value, inv.Text))
	}
}

// programCopy names the program a file becomes a copy of, or a link to:
// cp /bin/rm ./tidy, ln -s /usr/bin/rm x, cat /bin/rm > z. "" when src
// is not a program of the system's folders.
func programCopy(src string) string {
	dir, base := path.Split(src)
	if base == "" || !systemProgramDir(path.Clean(dir)) {
		return ""
	}
	return base
}

// gitRunOptions are the options of git's subcommands whose value git runs
// with the shell: git rebase --exec CMD, git difftool --extcmd CMD, git
// grep --open-files-in-pager=CMD.
var gitRunOptions = map[string]cmdProgram{
	"rebase":    {spec: OptSpec{ShortValue: "xsXS", LongValue: []string{"exec", "onto", "strategy", "strategy-option", "gpg-sign"}}, options: []cmdOption{{names: []string{"x", "exec"}}}},
	"difftool":  {spec: OptSpec{ShortValue: "xtO", LongValue: []string{"extcmd", "tool"}}, options: []cmdOption{{names: []string{"x", "extcmd"}}}},
	"mergetool": {spec: OptSpec{ShortValue: "tO", LongValue: []string{"tool"}}},
	"grep":      {spec: OptSpec{ShortValue: "efABCm", LongValue: []string{"max-depth", "threads"}}, options: []cmdOption{{names: []string{"O", "open-files-in-pager"}}}},
}

// gitSubcommandCode judges the commands a git subcommand is told to run:
// its options above, git bisect run CMD…, git submodule foreach CMD, and
// a remote URL of the ext:: transport, which is a command line.
func (r *resolver) gitSubcommandCode(outer *Invocation, sub string, args []Arg, sc *scope) {
	if prog, ok := gitRunOptions[sub]; ok {
		p := ParseOptions(args, prog.spec)
		for _, opt := range prog.options {
			for _, v := range p.Values(opt.names...) {
				if v.Known {
					r.runSnippet(outer, v.Value, sc, "git "+sub+" "+optionSpelling(opt.names[0]), nil)
				}
			}
		}
	}
	switch sub {
	case "bisect":
		if len(args) > 1 && args[0].Value == "run" {
			r.runInner(outer, args[1:], sc, "git bisect run", nil)
		}
	case "submodule":
		for i, a := range args {
			if a.Value != "foreach" {
				continue
			}
			rest := args[i+1:]
			for len(rest) > 0 && strings.HasPrefix(rest[0].Value, "-") {
				rest = rest[1:] // --recursive, -q
			}
			r.runCode(outer, joinCode(rest, r.lineLang()), sc, "git submodule foreach", nil)
			break
		}
	}
	for _, a := range args {
		if cmd, ok := strings.CutPrefix(a.Value, "ext::"); ok && a.Known {
			r.runInner(outer, gitExtArgs(cmd), sc, "git ext::", nil)
		}
	}
}

// gitExtArgs splits the command of an ext:: URL as git does: at spaces,
// "% " being a space inside a word and "%%" a percent sign.
func gitExtArgs(cmd string) []Arg {
	var out []Arg
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, Arg{Text: word.String(), Value: word.String(), Known: true})
			word.Reset()
		}
	}
	for i := 0; i < len(cmd); i++ {
		switch c := cmd[i]; {
		case c == '%' && i+1 < len(cmd) && (cmd[i+1] == ' ' || cmd[i+1] == '%'):
			word.WriteByte(cmd[i+1])
			i++
		case c == ' ':
			flush()
		default:
			word.WriteByte(c)
		}
	}
	flush()
	return out
}

// gitConfigEnv: git --config-env=KEY=VAR takes KEY's value from the
// variable VAR.
func (r *resolver) gitConfigEnv(outer *Invocation, spec string, sc *scope) {
	key, name, ok := strings.Cut(spec, "=")
	if !ok || !gitCommandKeys.MatchString(key) {
		return
	}
	if value, known := sc.lookup(name); known {
		r.runSnippet(outer, strings.TrimPrefix(value, "!"), sc, "git --config-env "+key, nil)
	}
}

// maxGitEnvConfig bounds how many GIT_CONFIG_KEY_n are read.
const maxGitEnvConfig = 32

// gitConfigFromEnv: GIT_CONFIG_COUNT=N with GIT_CONFIG_KEY_n and
// GIT_CONFIG_VALUE_n set git's settings as -c does.
func (r *resolver) gitConfigFromEnv(outer *Invocation, sc *scope) {
	count, known := sc.lookup("GIT_CONFIG_COUNT")
	if !known {
		return
	}
	n := 0
	for _, c := range strings.TrimSpace(count) {
		if c < '0' || c > '9' || n > maxGitEnvConfig {
			break
		}
		n = n*10 + int(c-'0')
	}
	for i := 0; i < min(n, maxGitEnvConfig); i++ {
		key, kok := sc.lookup(fmt.Sprintf("GIT_CONFIG_KEY_%d", i))
		value, vok := sc.lookup(fmt.Sprintf("GIT_CONFIG_VALUE_%d", i))
		if kok && vok && gitCommandKeys.MatchString(key) {
			r.runSnippet(outer, strings.TrimPrefix(value, "!"), sc, "git "+key+" (GIT_CONFIG_KEY_"+fmt.Sprint(i)+")", nil)
		}
	}
}

// edShellCommands: ed reads its commands on standard input, and runs the
// rest of a line starting with ! with the shell (printf '!CMD\nq\n' | ed).
func (r *resolver) edShellCommands(inv *Invocation, sc *scope) {
	if inv.Program == "red" {
		return // restricted ed runs no command
	}
	t := r.stdinOf(inv, 0)
	if !t.known {
		return
	}
	for _, line := range strings.Split(t.value, "\n") {
		if code, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), "!"); ok {
			r.runSnippet(inv, code, sc, "ed !", nil)
		}
	}
}

// spelledOut is args with each option spelled another way (-output for
// --output, as go and gcc take them) written as spelled says, for
// ParseOptions; args itself when there is nothing to rewrite.
func spelledOut(args []Arg, spelled map[string]string) []Arg {
	if spelled == nil {
		return args
	}
	out := make([]Arg, len(args))
	for i, a := range args {
		if long, ok := spelled[a.Value]; ok && a.Known {
			a.Value = long
		}
		out[i] = a
	}
	return out
}
