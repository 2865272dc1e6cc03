package guard

import (
	"slices"
	"strings"
)

// Programs that write their output into a file an option or an operand
// names, as `> FILE` would: sort -o, uniq IN OUT, curl -o, wget -O,
// openssl -out, strace -o, gcc -o, scp's local target. What they write
// there is judged as that redirection (sort -o /etc/passwd /dev/null
// empties /etc/passwd as : > /etc/passwd does); the program itself is
// judged as it is.

// outputFile is how one program names the files it writes.
type outputFile struct {
	spec OptSpec
	// spelled maps a single-dash option of more than one letter to the
	// long name it is read as: openssl's -out is --out.
	spelled map[string]string
	// truncates lists the options whose value is a file emptied and
	// written; appends those whose value is written at its end.
	truncates, appends []string
	// appendFlag turns the truncating options into appending ones:
	// /usr/bin/time -a -o FILE.
	appendFlag []string
	// operand is the position (from 1) of the operand that is the output
	// file (uniq IN OUT); 0 for none. last: the last operand, when it is
	// on this host and not a folder (scp host:f /etc/passwd).
	operand int
	last    bool
	// attached reads -oFILE and -o FILE as the compilers do, and no
	// cluster of other letters: gcc -fno-omit-frame-pointer is no -o.
	attached string
	// inPlace: the program reads all its input before it writes, so an
	// output file that is also an input keeps its lines (sort -o f f).
	inPlace bool
}

var (
	sortOutput = outputFile{
		spec:      OptSpec{ShortValue: "koSTt", LongValue: []string{"key", "output", "buffer-size", "temporary-directory", "field-separator", "files0-from", "parallel", "batch-size", "compress-program", "random-source"}},
		truncates: []string{"o", "output"},
		inPlace:   true,
	}
	compilerOutput = outputFile{attached: "-o"}
	curlOutput     = outputFile{
		spec:      OptSpec{ShortValue: "AbcCdDeEFHKmoQrtTuUwxXyYz", LongValue: []string{"output", "data", "data-raw", "data-binary", "data-urlencode", "header", "user", "request", "user-agent", "referer", "cookie", "cookie-jar", "config", "upload-file", "proxy", "write-out", "max-time", "connect-timeout", "form", "url", "dump-header", "trace", "trace-ascii", "stderr", "output-dir", "cacert", "cert", "key", "resolve", "range", "retry"}},
		truncates: []string{"o", "output", "D", "dump-header", "c", "cookie-jar", "trace", "trace-ascii", "stderr"},
	}
	wgetOutput = outputFile{
		spec:      OptSpec{ShortValue: "aBeiOoPQtTUwY", LongValue: []string{"output-document", "output-file", "append-output", "execute", "input-file", "base", "directory-prefix", "tries", "timeout", "wait", "quota", "user-agent", "user", "password", "header", "post-data", "post-file", "load-cookies", "save-cookies", "referer", "config", "bind-address", "domains", "exclude-domains", "accept", "reject", "level"}},
		truncates: []string{"O", "output-document", "o", "output-file", "save-cookies"},
		appends:   []string{"a", "append-output"},
	}
	gpgOutput = outputFile{
		spec:      OptSpec{ShortValue: "oruz", LongValue: []string{"output", "recipient", "local-user", "homedir", "passphrase", "passphrase-file", "keyring", "default-key", "trust-model", "cipher-algo", "digest-algo", "compress-algo"}},
		truncates: []string{"o", "output"},
	}
	tracerOutput = outputFile{
		spec:      OptSpec{ShortValue: "oeEpPsuabIXSn", LongValue: []string{"output", "signal", "trace", "attach", "user", "string-limit"}, StopAtOperand: true},
		truncates: []string{"o", "output"},
	}
)

// outputFiles lists the programs of this file, by name.
var outputFiles = map[string]outputFile{
	"sort": sortOutput,
	"shuf": {
		spec:      OptSpec{ShortValue: "nio", LongValue: []string{"head-count", "input-range", "output", "random-source"}},
		truncates: []string{"o", "output"},
		inPlace:   true,
	},
	"uniq": {
		spec:    OptSpec{ShortValue: "fsw", LongValue: []string{"skip-fields", "skip-chars", "check-chars"}},
		operand: 2,
	},
	"curl": curlOutput,
	"wget": wgetOutput,
	"openssl": {
		spec:      OptSpec{LongValue: []string{"out", "keyout"}},
		spelled:   map[string]string{"-out": "--out", "-keyout": "--keyout"},
		truncates: []string{"out", "keyout"},
	},
	"iconv": {
		spec:      OptSpec{ShortValue: "oft", LongValue: []string{"from-code", "to-code", "output"}},
		truncates: []string{"o", "output"},
	},
	"gpg":    gpgOutput,
	"gpg2":   gpgOutput,
	"strace": tracerOutput,
	"ltrace": tracerOutput,
	"tcpdump": {
		spec:      OptSpec{ShortValue: "BcCEFGiMmrsTVwWyzjQ", LongValue: []string{"interface", "snapshot-length", "time-stamp-type"}},
		truncates: []string{"w"},
	},
	"time": { // GNU time, /usr/bin/time
		spec:       OptSpec{ShortValue: "of", LongValue: []string{"output", "format"}, StopAtOperand: true},
		truncates:  []string{"o", "output"},
		appendFlag: []string{"a", "append"},
	},
	"pg_dump": {
		spec:      OptSpec{ShortValue: "fFdhpUnNtTZjES", LongValue: []string{"file", "format", "dbname", "host", "port", "username", "schema", "table", "exclude-schema", "exclude-table", "compress", "jobs", "encoding"}},
		truncates: []string{"f", "file"},
	},
	"mysqldump": {
		spec:      OptSpec{ShortValue: "rhuPSw", LongValue: []string{"result-file", "host", "user", "port", "socket", "where"}},
		truncates: []string{"r", "result-file"},
	},
	"patch": {
		spec:      OptSpec{ShortValue: "BDdFgiopruVYz", LongValue: []string{"output", "input", "strip", "directory", "reject-file", "prefix", "fuzz", "suffix", "backup-if-mismatch", "version-control", "get", "define"}},
		truncates: []string{"o", "output", "r", "reject-file"},
	},
	"script": {
		spec:       OptSpec{ShortValue: "cEIOBTm", LongValue: []string{"command", "echo", "log-in", "log-out", "log-io", "log-timing", "logging-format", "output-limit", "timing"}, StopAtOperand: true},
		truncates:  []string{"O", "log-out", "I", "log-in", "B", "log-io", "T", "log-timing"},
		appendFlag: []string{"a", "append"},
		operand:    1,
	},
	"sdiff": {
		spec:      OptSpec{ShortValue: "ow", LongValue: []string{"output", "width", "diff-program"}},
		truncates: []string{"o", "output"},
	},
	"zstd": {
		spec:      OptSpec{ShortValue: "oDT", LongValue: []string{"output"}},
		truncates: []string{"o"},
	},
	"scp": {
		spec: OptSpec{ShortValue: "cFiJlOoPSXD"},
		last: true,
	},
	"gcc": compilerOutput, "cc": compilerOutput, "g++": compilerOutput, "c++": compilerOutput,
	"clang": compilerOutput, "clang++": compilerOutput, "ld": compilerOutput, "as": compilerOutput,
	"rustc": compilerOutput, "tcc": compilerOutput,
}

// outputWrites judges each file inv writes as its output as the
// redirection it amounts to.
func (r *resolver) outputWrites(inv *Invocation) {
	out, ok := outputFiles[inv.Program]
	if !ok {
		return
	}
	for _, w := range out.files(inv) {
		if !w.file.Known || w.file.Value == "-" || w.file.Value == "" {
			continue // standard output, or a file guard cannot name
		}
		if inv.Remote == "" && r.isFolder(inv.Path(w.file.Value)) {
			continue // scp host:f /etc/: a file inside, named as on the other end
		}
		write := writeBy(inv, w.file, w.appends, inv.Program+" "+w.via, inv.Text)
		write.WrittenBy = inv.Program
		r.emit(write)
	}
}

// outputWrite is one file a program writes, and how.
type outputWrite struct {
	file    Arg
	appends bool
	via     string // the option that names it, as typed: -o, OUTPUT
}

// files lists the files inv writes as its output.
func (out outputFile) files(inv *Invocation) []outputWrite {
	if out.attached != "" {
		return attachedOutputs(inv.Args, out.attached)
	}
	p := ParseOptions(spelledOut(inv.Args, out.spelled), out.spec)
	operands := append(p.Operands[:len(p.Operands):len(p.Operands)], p.Rest...)
	appendAll := len(out.appendFlag) > 0 && p.Has(out.appendFlag...)
	var writes []outputWrite
	for _, v := range p.values {
		switch {
		case slices.Contains(out.truncates, v.name):
			if out.inPlace && sameFile(inv, v.value, operands) {
				continue // sort -o f f: f keeps its lines, in order
			}
			writes = append(writes, outputWrite{v.value, appendAll, optionSpelling(v.name)})
		case slices.Contains(out.appends, v.name):
			writes = append(writes, outputWrite{v.value, true, optionSpelling(v.name)})
		}
	}
	if out.operand > 0 && len(operands) >= out.operand {
		writes = append(writes, outputWrite{operands[out.operand-1], appendAll, "OUTPUT"})
	}
	if out.last && len(operands) >= 2 {
		target := operands[len(operands)-1]
		if target.Known && !remoteCopyName(target.Value) && !strings.HasSuffix(target.Value, "/") {
			writes = append(writes, outputWrite{target, false, "TARGET"})
		}
	}
	return writes
}

// attachedOutputs reads the compilers' -o FILE and -oFILE.
func attachedOutputs(args []Arg, opt string) []outputWrite {
	var writes []outputWrite
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !a.Known:
		case a.Value == "--":
			return writes
		case a.Value == opt && i+1 < len(args):
			i++
			writes = append(writes, outputWrite{args[i], false, opt})
		case strings.HasPrefix(a.Value, opt) && len(a.Value) > len(opt):
			writes = append(writes, outputWrite{Arg{Text: a.Text, Value: a.Value[len(opt):], Known: true}, false, opt})
		}
	}
	return writes
}

// sameFile reports whether file is also one of the operands.
func sameFile(inv *Invocation, file Arg, operands []Arg) bool {
	if !file.Known {
		return false
	}
	p := inv.Path(file.Value)
	for _, o := range operands {
		if o.Known && inv.Path(o.Value) == p {
			return true
		}
	}
	return false
}

// remoteCopyName: scp's HOST:PATH and USER@HOST:PATH, which name another
// machine's file. A colon after a slash is part of a local name.
func remoteCopyName(v string) bool {
	i := strings.IndexByte(v, ':')
	return i > 0 && !strings.Contains(v[:i], "/")
}

// isFolder reports whether p is a folder on this host.
func (r *resolver) isFolder(p string) bool {
	if p == "" {
		return false
	}
	host, _ := r.hostNow()
	real, _ := ResolvePath(host, p)
	info, err := host.Lstat(real)
	return err == nil && info.IsDir()
}
