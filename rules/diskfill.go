package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func diskfillRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "disk-fill",
		Programs:   []string{"dd", "cat", "yes", "tr", "base64", "tee", "pv", "xxd", "od", "hexdump", "openssl", "gzip", "sed"},
		Decision:   guard.Confirm,
		Summary:    "an endless stream written into a file, which grows until its filesystem is full: dd from /dev/zero or /dev/urandom with no count=, cat or pv of such a device, yes, or a filter fed by one, into > FILE, tee FILE or dd of=FILE (a device, /dev/null and a bounded amount pass: head -c, count=)",
		Postmortem: "dd if=/dev/zero of=/var/tmp/test bs=1M left running to 'test the disk': /var filled, the database stopped writing and journald dropped every log line",
		Match:      matchDiskFill,
	}}
}

// endlessDevices are the character devices that never end when read.
var endlessDevices = map[string]bool{"/dev/zero": true, "/dev/urandom": true, "/dev/random": true, "/dev/full": true}

// endlessOutput says whether the last command of pipeline writes without
// end: it makes an endless stream itself (yes, dd or cat of /dev/zero)
// or passes on one it reads (tr, base64, a dd with no count). Each
// command before it in the pipeline is what it reads.
func endlessOutput(pipeline []*guard.Invocation) bool {
	if len(pipeline) == 0 {
		return false
	}
	inv := pipeline[len(pipeline)-1]
	input := func() bool { return endlessStdin(inv) || endlessOutput(pipeline[:len(pipeline)-1]) }
	switch inv.Program {
	case "yes":
		return true
	case "dd":
		operands := ddOperands(inv)
		if _, counted := operands["count"]; counted {
			return false
		}
		if from, ok := operands["if"]; ok {
			return endlessDevices[from]
		}
		return input()
	case "cat", "pv":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "LiNFsW", LongValue: []string{"rate-limit", "interval", "name", "format", "size", "width", "height", "watchfd", "pidfile"}})
		if inv.Program == "pv" && p.Has("S", "stop-at-size") {
			return false
		}
		for _, a := range p.Operands {
			if a.Known && endlessDevices[a.Value] {
				return true
			}
		}
		return (len(p.Operands) == 0 || len(p.Operands) == 1 && p.Operands[0].Value == "-") && input()
	case "tr", "base64", "xxd", "od", "hexdump", "openssl", "gzip", "sed":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "NnjlcswtAe", LongValue: []string{"read-bytes", "skip-bytes", "length", "expression"}})
		if p.Has("N", "read-bytes") || inv.Program == "xxd" && p.Has("l", "len") || inv.Program == "hexdump" && p.Has("n", "length") {
			return false // a bounded amount
		}
		if inv.Program == "tr" || inv.Program == "sed" {
			return input() // their operands are the sets and the script
		}
		for _, a := range p.Operands {
			if a.Known && endlessDevices[a.Value] {
				return true
			}
		}
		return input()
	}
	return false
}

// endlessStdin: the command's standard input is redirected from a device
// that never ends (tr -dc a-z < /dev/urandom).
func endlessStdin(inv *guard.Invocation) bool {
	for _, rd := range inv.Redirs {
		if rd.Op == "<" && (rd.Fd == "" || rd.Fd == "0") && rd.Target.Known && endlessDevices[rd.Target.Value] {
			return true
		}
	}
	return false
}

// ddOperands are dd's KEY=VALUE operands.
func ddOperands(inv *guard.Invocation) map[string]string {
	operands := map[string]string{}
	for _, a := range inv.Args {
		if k, v, ok := strings.Cut(a.Value, "="); ok {
			operands[k] = v
		}
	}
	return operands
}

// filledFile is the file an endless stream would be written into: a
// redirection of standard output, tee's operands, dd's of=; "" for
// none or for a device (/dev/null, a disk, which other rules judge).
func filledFile(inv *guard.Invocation, endlessIn bool) string {
	var files []guard.Arg
	for _, rd := range inv.Redirs {
		switch rd.Op {
		case ">", ">>", ">|", "&>", "&>>":
			if rd.Fd == "" || rd.Fd == "1" {
				files = append(files, rd.Target)
			}
		}
	}
	switch inv.Program {
	case "tee":
		if endlessIn {
			files = append(files, guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}}).Operands...)
		}
	case "dd":
		if of, ok := ddOperands(inv)["of"]; ok {
			files = []guard.Arg{{Text: of, Value: of, Known: true}}
		}
	}
	for _, f := range files {
		if !f.Known {
			continue
		}
		path := inv.Path(f.Value)
		if path == "" {
			path = f.Value
		}
		if strings.HasPrefix(path, "/dev/") && !strings.HasPrefix(path, "/dev/shm/") || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/sys/") {
			continue
		}
		return path
	}
	return ""
}

func matchDiskFill(inv *guard.Invocation, host guard.Host) *guard.Finding {
	pipeline := append(append([]*guard.Invocation(nil), inv.Stdin...), inv)
	endless := endlessOutput(pipeline)
	endlessIn := endlessStdin(inv) || endlessOutput(inv.Stdin)
	if inv.Program == "tee" {
		endless = endlessIn
	}
	if !endless {
		return nil
	}
	file := filledFile(inv, endlessIn)
	if file == "" {
		return nil
	}
	return guard.Found(guard.Confirm,
		"write a bounded amount instead: dd if=/dev/zero of="+file+" bs=1M count=1024 (1 GiB), or head -c 1G /dev/zero > "+file,
		"would write without end into %s on %s: it grows until the filesystem holding it is full (databases stop writing, logs are lost, on tmpfs it takes memory), and nothing stops it but Ctrl-C",
		file, guard.HostName(inv, host))
}
