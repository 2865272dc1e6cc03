package rules

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func credentialsRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "credentials-remove",
			Programs:   nil, // rm, shred, unlink, truncate, find -delete, cp/ln of /dev/null, and a redirection that empties (> ~/.aws/credentials)
			Decision:   guard.Confirm,
			Summary:    "rm, shred, truncate or an emptying > of the keys and tokens a home folder keeps (~/.aws/credentials, ~/.kube/config, ~/.gnupg, ~/.ssh/id_*, ~/.config/gcloud, ~/.docker/config.json, ~/.netrc, ~/.git-credentials…), or /dev/null copied or linked over them, or rm -r of a folder holding them (~/.config, ~/.local); find -delete in them; the GnuPG agent's sockets and locks pass",
			Postmortem: "a coding agent told to reset a broken cloud login ran rm -rf ~/.aws ~/.config/gcloud: the only copy of long-lived deploy keys went, and every pipeline using them stopped until new ones were issued",
			Machine:    true,
			Match:      matchCredentialsRemove,
		},
		{
			ID:         "secret-upload",
			Programs:   []string{"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "scp", "sftp", "rsync", "gh", "aws", "gsutil", "git"},
			Decision:   guard.Confirm,
			Summary:    "a credentials file (~/.aws/credentials, ~/.ssh/id_*, .env, /etc/shadow…) or the environment (env, printenv) sent to another machine: curl -T/-d @/-F @, wget --post-file, nc, scp and rsync to a remote, gh gist create, aws s3 cp, directly or through a pipe (cat, base64, tar); git add -f of an ignored .env or of a key, on its way into a repository's history",
			Postmortem: "a prompt injection in a README asked a coding agent to 'upload the config for debugging': cat ~/.aws/credentials | curl -d @- to a paste site, and the keys were used within the hour",
			Match:      matchSecretUpload,
		},
		{
			ID:         "env-file-overwrite",
			Programs:   nil, // a > redirection (or a program's own write) onto the file, cp, mv, install, rm, shred, truncate
			Decision:   guard.Confirm,
			Summary:    "a project's .env (or .env.local, .env.production…) that sets something (a NAME=value line) overwritten or deleted: echo … > .env, cp .env.example .env, mv x .env, rm .env, truncate -s 0 .env; dotenv files are kept out of git, so the keys, passwords and database URLs in them have no other copy; a template (.env.example, .env.sample), a missing file or one that sets nothing (empty, bare NAME= lines), a file the line copied aside first, and >> pass",
			Postmortem: "a coding agent 'reset the configuration' with cp .env.example .env in a checkout whose .env held the only copy of the payment provider's live keys",
			Match:      matchEnvFileOverwrite,
		},
	}
}

// envTemplates are the suffixes of dotenv files that are templates, kept
// in git for others to copy (.env.example), or copies kept aside.
var envTemplates = map[string]bool{
	"example": true, "sample": true, "template": true, "tmpl": true, "tpl": true, "dist": true, "defaults": true,
	"default": true, "schema": true, "bak": true, "old": true, "orig": true, "backup": true, "save": true,
}

// envFile: the base name of a dotenv file that holds real settings (.env,
// .env.local, .env.production), not a template.
func envFile(base string) bool {
	if base == ".env" {
		return true
	}
	rest, ok := strings.CutPrefix(base, ".env.")
	if !ok || rest == "" {
		return false
	}
	last := rest[strings.LastIndexByte(rest, '.')+1:]
	return !envTemplates[strings.ToLower(last)] && !envTemplates[strings.ToLower(rest)]
}

// envFileGoes is one dotenv file a command overwrites or deletes.
type envFileGoes struct {
	path string
	verb string // "overwrite", "delete"
}

// envFilesGone lists the dotenv files inv overwrites or deletes, by path.
func envFilesGone(inv *guard.Invocation, host guard.Host) []envFileGoes {
	var gone []envFileGoes
	add := func(a guard.Arg, verb string) {
		if p := inv.Path(a.Value); a.Known && !a.Glob && p != "" && envFile(filepath.Base(p)) {
			gone = append(gone, envFileGoes{p, verb})
		}
	}
	for _, rd := range inv.Redirs {
		if rd.Truncates() && (rd.Fd == "" || rd.Fd == "1") {
			add(rd.Target, "overwrite")
		}
	}
	switch inv.Program {
	case "tee":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}})
		if !p.Has("a", "append") {
			for _, a := range p.Operands {
				add(a, "overwrite")
			}
		}
	case "cp", "mv", "install":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tSmgoZ", LongValue: []string{"target-directory", "suffix", "backup", "preserve", "no-preserve", "reflink", "sparse", "update", "mode", "owner", "group", "context"}})
		if len(p.Operands) < 2 || p.Has("t", "target-directory", "b", "backup", "n", "no-clobber") {
			return gone // into a folder, or the old file kept as FILE~
		}
		dst := p.Operands[len(p.Operands)-1]
		if info, err := host.Lstat(inv.Path(dst.Value)); err == nil && info.IsDir() {
			return gone // cp x.env DIR/: a file inside, by the source's name
		}
		add(dst, "overwrite")
	case "rm", "unlink", "shred":
		for _, a := range guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nsv", LongValue: []string{"iterations", "size", "random-source"}}).Operands {
			add(a, "delete")
		}
	case "truncate":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "rs", LongValue: []string{"reference", "size"}})
		if size, ok := p.Value("s", "size"); ok && strings.TrimLeft(size.Value, "0") == "" {
			for _, a := range p.Operands {
				add(a, "overwrite")
			}
		}
	}
	return gone
}

// keptAside: an earlier command of the line that certainly ran copied or
// moved path elsewhere (cp .env .env.bak && cp .env.example .env).
func keptAside(inv *guard.Invocation, path string) bool {
	for b := range inv.SucceededBefore {
		if b.Program != "cp" && b.Program != "mv" && b.Program != "rsync" && b.Program != "install" {
			continue
		}
		p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix"}})
		for _, o := range p.Operands[:max(len(p.Operands)-1, 0)] {
			if o.Known && b.Path(o.Value) == path {
				return true
			}
		}
	}
	return false
}

func matchEnvFileOverwrite(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" || inv.Container != "" {
		return nil // another machine's files: guard cannot look
	}
	for _, g := range envFilesGone(inv, host) {
		if info, err := host.Lstat(g.path); err == nil && info.Mode()&fs.ModeSymlink != 0 && g.verb == "delete" {
			continue // the link goes, not what it points to
		}
		// ReadFile follows a link, as the write does, and reads regular
		// files only
		if data, err := host.ReadFile(g.path, maxDotenvBytes); err != nil || !holdsSetting(data) {
			continue // nothing there yet, or no NAME=value in it to lose
		}
		if keptAside(inv, g.path) {
			continue
		}
		return guard.Found(guard.Confirm, "keep a copy first: cp "+g.path+" "+g.path+".bak; to add one setting: echo 'KEY=value' >> "+g.path+"; to start from the template, edit only the lines you mean",
			"would %s %s: a dotenv file is kept out of git, so the keys, passwords and database URLs it holds now have no other copy here and cannot be brought back", g.verb, g.path).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{g.path}, Overwrite: g.verb == "overwrite"})
	}
	return nil
}

// holdsSetting: a dotenv file's text sets at least one name to a value
// (an empty file, a template's bare NAME= lines, or text of another
// shape hold nothing a copy of the template would lose).
func holdsSetting(data []byte) bool {
	for name, value := range dotenvVars(data) {
		if name != "" && !strings.ContainsAny(name, " \t") && value != "" {
			return true
		}
	}
	return false
}

// credential is a file or folder, relative to a home folder, where a
// program keeps what it logs in with.
type credential struct {
	path   string
	folder bool
	what   string
}

// credentials are the stores guard knows. ~/.ssh itself and its
// authorized_keys are rm-protected's (the next login); the private keys
// are here (id_* matched by name).
var credentials = []credential{
	{".aws/credentials", false, "the AWS access keys"},
	{".aws", true, "the AWS access keys and profiles"},
	{".kube/config", false, "the Kubernetes clusters' certificates and tokens"},
	{".kube", true, "the Kubernetes clusters' certificates and tokens"},
	{".gnupg", true, "the GnuPG private keys"},
	{".config/gcloud", true, "the Google Cloud logins"},
	{".azure", true, "the Azure logins"},
	{".docker/config.json", false, "the container registries' logins"},
	{".netrc", false, "the saved logins of curl, git and ftp"},
	{".pgpass", false, "the PostgreSQL passwords"},
	{".my.cnf", false, "the MySQL password"},
	{".git-credentials", false, "git's saved tokens"},
	{".config/gh/hosts.yml", false, "the GitHub CLI's token"},
	{".password-store", true, "the pass password store"},
	{".local/share/keyrings", true, "the desktop keyring"},
	{".terraform.d/credentials.tfrc.json", false, "the Terraform Cloud token"},
	{".vault-token", false, "the Vault token"},
}

// credentialAt says what the clean absolute path p holds when it is a
// credential store of a home folder (home is $HOME; /root and /home/*
// count too): the store, a file inside a store folder, or an SSH private
// key. ok is false for any other path.
func credentialAt(p, home string) (what string, ok bool) {
	owner, rel, found := homeRelative(p, home)
	if !found {
		return "", false
	}
	if dir, key := filepath.Split(rel); dir == ".ssh/" && strings.HasPrefix(key, "id_") && !strings.HasSuffix(key, ".pub") {
		return "an SSH private key of " + owner, true
	}
	for _, c := range credentials {
		if rel == c.path || c.folder && strings.HasPrefix(rel, c.path+"/") && !inCache(rel) && !agentRuntime(rel) {
			return c.what + " of " + owner, true
		}
	}
	return "", false
}

// inCache: a path inside a store's cache folder (~/.aws/cli/cache,
// ~/.kube/http-cache, ~/.config/gcloud/logs): the tool makes it again.
func inCache(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.Contains(part, "cache") || part == "logs" {
			return true
		}
	}
	return false
}

// agentRuntime: a socket or lock file the GnuPG agent makes again when it
// starts (~/.gnupg/S.gpg-agent, pubring.kbx.lock), not a key.
func agentRuntime(rel string) bool {
	dir, base := filepath.Split(rel)
	return dir == ".gnupg/" && (strings.HasPrefix(base, "S.") || strings.HasSuffix(base, ".lock"))
}

// credentialsBelow lists what the stores inside the folder p (a folder in
// a home, not the home itself) hold: rm -r ~/.config takes gcloud's.
func credentialsBelow(p, home string) []string {
	owner, rel, found := homeRelative(p, home)
	if !found || rel == "" {
		return nil
	}
	var below []string
	for _, c := range credentials {
		if strings.HasPrefix(c.path, rel+"/") && !strings.HasPrefix(c.path, ".aws/") && !strings.HasPrefix(c.path, ".kube/") {
			below = append(below, c.what+" of "+owner)
		}
	}
	return below
}

// homeRelative splits p into the home folder it lies in and the rest.
func homeRelative(p, home string) (owner, rel string, ok bool) {
	for _, h := range []string{home, "/root"} {
		if h != "" && h != "/" && strings.HasPrefix(p+"/", h+"/") {
			return h, strings.TrimPrefix(strings.TrimPrefix(p, h), "/"), true
		}
	}
	if rest, found := strings.CutPrefix(p, "/home/"); found {
		user, rel, _ := strings.Cut(rest, "/")
		if user != "" {
			return "/home/" + user, rel, true
		}
	}
	return "", "", false
}

func matchCredentialsRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	home := Home(inv, host)
	for _, rd := range inv.Redirs {
		if !rd.Truncates() || rd.Fd != "" && rd.Fd != "1" || !rd.Target.Known || !writesNothing(inv) {
			continue
		}
		if path := inv.Path(rd.Target.Value); path != "" {
			if what, ok := credentialAt(path, home); ok {
				return guard.Found(guard.Confirm, "move it aside instead (mv "+path+" "+path+".old); to log out, use the tool's own command",
					"would empty %s, %s: a key or token overwritten cannot be read back, only issued again", path, what).
					Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}, Overwrite: true})
			}
		}
	}
	var p guard.Parsed
	switch inv.Program {
	case "rm", "unlink", "srm", "wipe":
		p = guard.ParseOptions(inv.Args, guard.OptSpec{})
	case "truncate":
		p = guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "rs", LongValue: []string{"reference", "size"}})
		if size, ok := p.Value("s", "size"); !ok || strings.TrimLeft(size.Value, "0") != "" {
			return nil // a size other than 0 keeps what is before it
		}
	case "find":
		return findDeletesCredentials(inv, home)
	case "cp", "ln":
		return emptiedByCopy(inv, home)
	case "shred":
		p = guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nsv", LongValue: []string{"iterations", "size", "random-source"}})
	default:
		return nil
	}
	recursive := p.Has("r", "R", "recursive")
	for _, a := range p.Operands {
		path := inv.Path(a.Value)
		if !a.Known || path == "" {
			continue
		}
		if what, ok := credentialAt(path, home); ok {
			return guard.Found(guard.Confirm, "move it aside instead (mv "+path+" "+path+".old); to log out, use the tool's own command (aws configure, gcloud auth revoke, docker logout)",
				"would %s %s, %s: a deleted key or token cannot be read back, only issued again, and whatever logs in with it stops until then", verbOf(inv.Program), path, what).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}})
		}
		if below := credentialsBelow(path, home); recursive && len(below) > 0 {
			return guard.Found(guard.Confirm, "delete the one thing you mean inside it, after ls -la "+path,
				"would delete %s with what it holds, among it %s: keys and tokens cannot be read back, only issued again", path, strings.Join(below, ", ")).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}})
		}
	}
	return nil
}

// emptiedByCopy: /dev/null copied over a credentials file (cp /dev/null
// ~/.aws/credentials) or linked in its place (ln -sf /dev/null …) empties
// it as : > does; a real file copied or linked there is the way keys are
// put in place, and passes.
func emptiedByCopy(inv *guard.Invocation, home string) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup", "preserve", "no-preserve", "reflink", "sparse", "update"}})
	if len(p.Operands) != 2 || p.Has("t", "target-directory") || inv.Program == "ln" && !p.Has("f", "force") {
		return nil
	}
	src, dst := p.Operands[0], p.Operands[1]
	if !src.Known || !dst.Known || filepath.Clean(src.Value) != "/dev/null" {
		return nil
	}
	path := inv.Path(dst.Value)
	what, ok := credentialAt(path, home)
	if !ok || path == "" {
		return nil
	}
	return guard.Found(guard.Confirm, "move it aside instead (mv "+path+" "+path+".old); to log out, use the tool's own command (aws configure, gcloud auth revoke, docker logout)",
		"would empty %s, %s: %s puts /dev/null in its place, and a key or token overwritten cannot be read back, only issued again", path, what, inv.Program).
		Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}, Overwrite: true})
}

func verbOf(program string) string {
	switch program {
	case "shred", "srm", "wipe":
		return "overwrite and delete"
	case "truncate":
		return "empty"
	}
	return "delete"
}

// secretAt says what a path holds when it is a secret: a credential
// store, the shadow files, a process's environment, and, when envFiles, a
// project's .env (copied to a server of one's own it is a deployment).
func secretAt(p, home string, envFiles bool) (string, bool) {
	if what, ok := credentialAt(p, home); ok {
		return what, true
	}
	base := filepath.Base(p)
	switch {
	case p == "/etc/shadow" || p == "/etc/gshadow":
		return "the password hashes of this host", true
	case strings.HasPrefix(p, "/proc/") && base == "environ":
		return "a process's environment, with the secrets it was given", true
	case strings.HasPrefix(base, "id_") && filepath.Base(filepath.Dir(p)) == ".ssh" && !strings.HasSuffix(base, ".pub"):
		return "an SSH private key", true
	case envFiles && (base == ".env" || strings.HasPrefix(base, ".env.") && !templateEnv(base)):
		return "the project's secrets (" + base + ")", true
	}
	if _, rel, ok := homeRelative(p, home); ok && (rel == ".ssh" || len(credentialsBelow(p, home)) > 0) {
		return "keys and tokens", true // tar czf - ~/.ssh ~/.config | nc …
	}
	return "", false
}

// sshKeyNames are the private keys ssh-keygen writes, wherever they are
// kept (deploy/id_rsa in a repository): the public half ends in .pub.
var sshKeyNames = map[string]bool{"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, "id_ecdsa_sk": true, "id_ed25519_sk": true}

// privateKeyFile says what private key the file at p is, "" if none: by
// the name ssh-keygen gives it, by a PKCS#12 bundle's extension, or by
// the PEM armour of its first bytes (a TLS server.key, a .pem). A file
// guard cannot read is judged by its name alone.
func privateKeyFile(host guard.Host, p string) string {
	base := filepath.Base(p)
	switch ext := strings.ToLower(filepath.Ext(base)); {
	case sshKeyNames[base]:
		return "an SSH private key"
	case ext == ".p12" || ext == ".pfx":
		return "a certificate with its private key (" + base + ")"
	}
	head, err := host.ReadFile(p, 4096)
	if err == nil && bytes.Contains(head, []byte("PRIVATE KEY-----")) {
		return "a private key (" + base + ")"
	}
	return ""
}

// templateEnv: .env.example and its kin hold names, not secrets.
func templateEnv(base string) bool {
	for _, w := range []string{"example", "sample", "template", "dist", "defaults", "schema", "test"} {
		if strings.Contains(base, w) {
			return true
		}
	}
	return false
}

func matchSecretUpload(inv *guard.Invocation, host guard.Host) *guard.Finding {
	home := Home(inv, host)
	envFiles := true   // a .env counts, except copied to a server or bucket
	var files []string // what the command sends, as paths ("-" for its standard input)
	dest := ""
	switch inv.Program {
	case "curl":
		p := guard.ParseOptions(inv.Args, curlSpec)
		files = curlSent(p)
		dest = remoteURL(append(p.Operands, p.Values("url")...))
	case "wget":
		p := guard.ParseOptions(inv.Args, wgetSpec)
		for _, v := range p.Values("post-file", "body-file") {
			files = append(files, v.Value)
		}
		dest = remoteURL(p.Operands)
	case "nc", "ncat", "netcat", "socat", "telnet":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "pswiqITOXxe", LongValue: []string{"source", "source-port", "proxy", "proxy-type", "wait", "exec", "sh-exec"}})
		if p.Has("l", "listen") || len(p.Operands) == 0 {
			return nil // a listener receives
		}
		files, dest = []string{"-"}, p.Operands[0].Value
		if isLoopback(dest) || inv.Program == "socat" && strings.Contains(dest, "STDIN") && len(p.Operands) > 1 && isLoopback(p.Operands[1].Value) {
			return nil
		}
	case "scp", "sftp", "rsync":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cFiJloPSeBD", LongValue: []string{"rsh", "exclude", "include", "filter", "rsync-path", "port"}})
		if len(p.Operands) < 2 || !isRemoteSpec(p.Operands[len(p.Operands)-1].Value) {
			return nil
		}
		for _, o := range p.Operands[:len(p.Operands)-1] {
			files = append(files, o.Value)
		}
		dest, _, _ = strings.Cut(p.Operands[len(p.Operands)-1].Value, ":")
		envFiles = false
	case "gh":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "dfR", LongValue: []string{"desc", "filename", "repo"}})
		if len(p.Operands) < 3 || p.Operands[0].Value != "gist" || p.Operands[1].Value != "create" && p.Operands[1].Value != "edit" {
			return nil
		}
		for _, o := range p.Operands[2:] {
			files = append(files, o.Value)
		}
		dest = "a GitHub gist"
	case "git":
		// git add -f .env: a file the project ignores, staged for a
		// commit that every clone of the repository will hold
		sub, args, _ := gitCommand(inv)
		if sub != "add" {
			return nil
		}
		p := guard.ParseOptions(args, guard.OptSpec{LongValue: []string{"chmod", "pathspec-from-file"}})
		for _, o := range p.Operands {
			if !o.Known {
				continue
			}
			what, ok := secretAt(inv.Path(o.Value), home, p.Has("f", "force"))
			if !ok {
				what = privateKeyFile(host, inv.Path(o.Value))
				ok = what != ""
			}
			if ok {
				return guard.Found(guard.Confirm, "keep it out of git (git rm --cached "+o.Value+"; add it to .gitignore) and give the secrets to the deployment another way",
					"would stage %s for a commit, and with it %s: once pushed it is in the history of every clone, and the secrets must be changed", o.Value, what)
			}
		}
		return nil
	case "aws", "gsutil":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"profile", "region", "acl", "endpoint-url"}})
		ops := operandValues(p.Operands)
		if len(ops) < 3 || inv.Program == "aws" && (ops[0] != "s3" || ops[1] != "cp") || inv.Program == "gsutil" && ops[0] != "cp" {
			return nil
		}
		src := ops[len(ops)-2]
		files, dest = []string{src}, ops[len(ops)-1]
		if !strings.Contains(dest, "://") {
			return nil // a download
		}
		acl, _ := p.Value("acl")
		envFiles = strings.HasPrefix(acl.Value, "public") // a bucket of one's own, unless the copy is made public
	}
	if dest == "" {
		return nil
	}
	for _, f := range files {
		if f == "-" {
			if what, from := secretOnStdin(inv, home, envFiles); what != "" {
				return secretFinding(what, from, dest)
			}
			continue
		}
		if rest, ok := strings.CutPrefix(f, "~/"); ok && home != "" {
			f = filepath.Join(home, rest) // from a substitution: $(cat ~/.aws/credentials)
		}
		if p := inv.Path(f); p != "" {
			if what, ok := secretAt(p, home, envFiles); ok {
				return secretFinding(what, p, dest)
			}
		}
	}
	for _, r := range inv.Redirs {
		if r.Op == "<" && r.Target.Known {
			if p := inv.Path(r.Target.Value); p != "" {
				if what, ok := secretAt(p, home, envFiles); ok {
					return secretFinding(what, p, dest)
				}
			}
		}
	}
	return nil
}

// curlSent are the files a curl command sends, "-" for its standard
// input: -T FILE, -d @FILE, --data-urlencode name@FILE, -F name=@FILE or
// name=<FILE. Text given on the line is not a file.
func curlSent(p guard.Parsed) []string {
	var files []string
	for _, v := range p.Values("T", "upload-file") {
		if v.Value == "." {
			files = append(files, "-")
		} else {
			files = append(files, v.Value)
		}
	}
	for _, v := range p.Values("d", "data", "data-binary", "data-ascii", "data-raw", "json", "H", "header", "u", "user") {
		if name, ok := strings.CutPrefix(v.Value, "@"); ok && v.Known {
			files = append(files, name)
		}
		files = append(files, filesPrinted(v)...) // -d "$(cat ~/.aws/credentials)"
	}
	for _, v := range p.Values("data-urlencode") {
		if before, name, ok := strings.Cut(v.Value, "@"); ok && !strings.Contains(before, "=") {
			files = append(files, name)
		}
	}
	for _, v := range p.Values("F", "form") {
		if _, value, ok := strings.Cut(v.Value, "="); ok && (strings.HasPrefix(value, "@") || strings.HasPrefix(value, "<")) {
			name, _, _ := strings.Cut(value[1:], ";") // -F f=@x;type=text/plain
			files = append(files, name)
		}
	}
	return files
}

// filesPrinted are the files a word is the content of: the output of
// cat, base64 or gzip -c over them ("$(cat ~/.aws/credentials)").
func filesPrinted(a guard.Arg) []string {
	words, ok := a.SubstWords()
	if !ok || len(words) < 2 {
		return nil
	}
	switch filepath.Base(words[0].Value) {
	case "cat", "base64", "gzip", "xxd", "head", "tail", "tac", "jq":
	default:
		return nil
	}
	var files []string
	for _, w := range words[1:] {
		if !strings.HasPrefix(w.Value, "-") {
			files = append(files, w.Value)
		}
	}
	return files
}

// remoteURL is the host the first URL that leaves this machine goes to,
// "" when every one stays on it.
func remoteURL(args []guard.Arg) string {
	for _, a := range args {
		v := a.Value
		if !strings.Contains(v, "://") && !strings.Contains(v, ".") && !strings.Contains(v, ":") {
			continue // not a URL
		}
		hostport := v
		if _, rest, ok := strings.Cut(v, "://"); ok {
			hostport = rest
		}
		hostport, _, _ = strings.Cut(hostport, "/")
		if _, after, ok := strings.Cut(hostport, "@"); ok {
			hostport = after
		}
		if hostport != "" && !isLoopback(hostport) {
			return hostport
		}
	}
	return ""
}

// secretOnStdin: what an upstream command of the pipeline reads that is a
// secret (cat ~/.aws/credentials |, base64 .env |, tar c ~/.ssh |) or
// the environment it prints (env |, printenv |).
func secretOnStdin(inv *guard.Invocation, home string, envFiles bool) (what, from string) {
	for _, up := range inv.Stdin {
		if up.Remote != inv.Remote {
			continue
		}
		if (up.Program == "env" || up.Program == "printenv" || up.Program == "export" || up.Program == "set" || up.Program == "declare") && len(up.Args) <= 1 {
			return "the environment, with every token and password it holds", "what " + up.Program + " prints"
		}
		for _, a := range up.Args {
			if p := up.Path(a.Value); a.Known && p != "" {
				if what, ok := secretAt(p, home, envFiles); ok {
					return what, p
				}
			}
		}
		for _, r := range up.Redirs {
			if p := up.Path(r.Target.Value); r.Op == "<" && r.Target.Known && p != "" {
				if what, ok := secretAt(p, home, envFiles); ok {
					return what, p
				}
			}
		}
	}
	return "", ""
}

func secretFinding(what, from, dest string) *guard.Finding {
	return guard.Found(guard.Confirm, "send what the other side needs, not the keys (a redacted copy, one value); if they must go, revoke and issue them again afterwards",
		"would send %s to %s: %s; whoever gets them can use them until they are revoked", from, dest, what)
}

// keyNames are the files find would have to match to take a store's keys.
var keyNames = []string{"id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", "credentials", "config", "config.json", "hosts.yml", "pubring.kbx", "trustdb.gpg", "private-keys-v1.d", "x.key", "x.gpg"}

// findDeletesCredentials: find ~/.ssh -name 'id_*' -delete, find ~/.aws
// -delete. A name test that matches none of the stores' files (find
// ~/.ssh -name '*.old' -delete) passes.
func findDeletesCredentials(inv *guard.Invocation, home string) *guard.Finding {
	starts, expr := findStarts(inv)
	e := readFindExpr(expr)
	if !e.deletes {
		return nil
	}
	if e.narrowed && e.named != "" && !slices.ContainsFunc(keyNames, func(n string) bool { ok, _ := filepath.Match(e.named, n); return ok }) {
		return nil
	}
	if e.narrowed && e.named == "" {
		return nil // -mtime, -size, -newer: some files, guard cannot tell which
	}
	for _, a := range starts {
		path := inv.Path(a.Value)
		if !a.Known || path == "" {
			continue
		}
		what, ok := credentialAt(path, home)
		if _, rel, inHome := homeRelative(path, home); !ok && inHome && rel == ".ssh" {
			what, ok = "the SSH keys of "+filepath.Dir(path), true
		}
		if ok {
			return guard.Found(guard.Confirm, "list what it matches first: the same find with -print instead of -delete; move keys aside instead of deleting them",
				"would delete in %s %s: a deleted key or token cannot be read back, only issued again", path, what).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}})
		}
	}
	return nil
}
