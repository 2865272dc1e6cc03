package rules

import (
	"slices"

	"github.com/guard-sh/guard/guard"
)

func downloadRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "download-to-shell",
		Programs:   append(append([]string{"source", ".", "eval"}, shellNames...), interpreterNames...),
		Decision:   guard.Confirm,
		Summary:    "a download (or decoded text) piped or substituted into a shell or interpreter (curl | sh, bash <(curl …), base64 -d | sh)",
		Postmortem: "Docker daemon reinstalled with curl -fsSL https://get.docker.com/ | sh",
		Match:      matchDownloadToShell,
	}}
}

var shellNames = []string{"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "fish"}
var interpreterNames = []string{"python", "python2", "python3", "perl", "ruby", "node", "php"}

var downloaders = map[string]bool{
	"curl": true, "wget": true, "fetch": true, "http": true, "https": true, "xh": true,
	"aria2c": true, "lwp-request": true, "GET": true, "lynx": true, "ftp": true, "tftp": true,
}

// decoders turn text that cannot be read into code: what they feed a
// shell is as unread as a download.
var decoders = map[string]bool{"base64": true, "base32": true, "xxd": true, "uudecode": true, "openssl": true, "basenc": true}

func fromDownload(programs []string) string {
	for _, p := range programs {
		if downloaders[p] || decoders[p] {
			return p
		}
	}
	return ""
}

// readsScriptFromStdin tells a shell or interpreter that runs what it
// reads on standard input.
func readsScriptFromStdin(inv *guard.Invocation) bool {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "oOmW", StopAtOperand: true})
	if p.Has("c", "e", "E", "m", "r", "version", "help") {
		return false
	}
	return len(p.Operands) == 0 || p.Operands[0].Value == "-" || stdinFile(p.Operands[0].Value) || p.Has("s")
}

// stdinFile names the standard input as a file: bash /dev/stdin,
// source /proc/self/fd/0.
func stdinFile(v string) bool {
	switch v {
	case "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0":
		return true
	}
	return false
}

// syntaxCheckOnly tells a shell that only reads the code: bash -n, sh -o
// noexec (zsh and fish take -n too). For an interpreter -n means another
// thing (perl -n loops over its input), so only shells are read so.
func syntaxCheckOnly(inv *guard.Invocation) bool {
	if !slices.Contains(shellNames, inv.Program) {
		return false
	}
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "oO", LongValue: []string{"rcfile", "init-file"}, StopAtOperand: true})
	if p.Has("n", "noexec", "no-execute") {
		return true
	}
	return slices.ContainsFunc(p.Values("o"), func(o guard.Arg) bool { return o.Value == "noexec" })
}

func matchDownloadToShell(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if syntaxCheckOnly(inv) {
		return nil // curl … | bash -n: the download is parsed, nothing of it runs
	}
	source := ""
	sourcesStdin := (inv.Program == "source" || inv.Program == ".") && len(inv.Args) > 0 && stdinFile(inv.Args[0].Value)
	if readsScriptFromStdin(inv) && inv.Program != "source" && inv.Program != "." && inv.Program != "eval" || sourcesStdin {
		var upstream []string
		for _, up := range inv.Stdin {
			upstream = append(upstream, up.Program)
		}
		source = fromDownload(upstream)
	}
	for _, a := range inv.Args {
		if source == "" {
			source = fromDownload(a.Sources)
		}
	}
	for _, rd := range inv.Redirs {
		if source == "" && (rd.Input() || rd.Op == "<") {
			source = fromDownload(rd.Target.Sources)
		}
	}
	if source == "" {
		return nil
	}
	as := "you"
	if inv.User != "" {
		as = inv.User
	}
	if decoders[source] {
		return guard.Found(guard.Confirm, "decode it to a file and read it first: ... | "+source+" -d > script.sh; less script.sh",
			"would run what %s decodes as %s code, unread, as %s: the line hides what it runs", source, inv.Program, as)
	}
	return guard.Found(guard.Confirm,
		"download to a file, read it and check it, then run it: curl -fsSLo install.sh URL; less install.sh; sha256sum install.sh; sh install.sh",
		"would run whatever %s downloads as %s code, unread and unverified, as %s", source, inv.Program, as)
}
