package rules

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Serving traffic: the front ends and databases that answer the outside
// world, and the DNS that points at them.
func servingRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID: "serving-stop",
			Programs: []string{"systemctl", "service", "invoke-rc.d", "rc-service", "nginx", "apachectl", "apache2ctl", "httpd", "pg_ctl", "pg_ctlcluster", "mysqladmin", "redis-cli",
				// /etc/init.d/NAME stop
				"haproxy", "apache2", "lighttpd", "caddy", "traefik", "envoy", "varnish", "keepalived", "php*", "postgresql*", "mysql", "mariadb",
				"pgbouncer", "mongod", "redis*", "memcached", "rabbitmq-server", "elasticsearch", "opensearch", "named", "bind9", "pdns", "unbound"},
			Decision:   guard.Warn,
			Summary:    "over SSH: stopping, masking or killing a web front end, load balancer, database or cache (nginx, haproxy, postgresql, mysql, redis…): what it serves stops answering",
			Postmortem: "a common failure mode: systemctl stop on the production host typed for the staging one",
			Match:      matchServingStop,
		},
		{
			ID:         "mail-delete",
			Programs:   []string{"postsuper", "doveadm"},
			Decision:   guard.Confirm,
			Summary:    "postsuper -d ALL (every message in Postfix's queues, or in one of them; the hold queue warns), doveadm expunge or mailbox delete for every user (-A, -u '*')",
			Postmortem: "a common failure mode: postsuper -d ALL typed to clear a spam run, taking the customers' invoices that were waiting for a slow server with it",
			Match:      matchMailDelete,
		},
		{
			ID:         "dns-delete",
			Programs:   []string{"nsupdate", "rndc", "pdnsutil", "knotc"},
			Decision:   guard.Confirm,
			Summary:    "DNS records or zones deleted: nsupdate update delete, rndc delzone, pdnsutil delete-zone|delete-rrset|clear-zone, knotc zone-purge",
			Postmortem: "a common failure mode: a zone deleted on the primary, and the names under it stop resolving as caches expire",
			Match:      matchDNSDelete,
		},
		{
			ID:         "tls-certificate-delete",
			Programs:   []string{"certbot", "certbot-auto", "letsencrypt", "acme.sh"},
			Decision:   guard.Confirm,
			Summary:    "certbot delete (the certificate, its key and its renewal go: servers pointed at /etc/letsencrypt/live/NAME fail at their next reload; guard reads the servers' configuration and names those that point at it, and warns when none of those it read does) and certbot revoke or acme.sh --revoke (the CA marks it revoked for good: clients refuse it)",
			Postmortem: "a common failure mode: certbot delete of a name thought unused; nginx still pointed at its live/ folder, and its next reload failed on every site of the host",
			Match:      matchCertificateDelete,
		},
	}
}

// matchCertificateDelete: certbot delete and revoke, acme.sh --revoke.
func matchCertificateDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "acme.sh" {
		for _, a := range inv.Args {
			if a.Value == "--revoke" {
				return guard.Found(guard.Confirm, "to stop renewing it without revoking: acme.sh --remove -d NAME",
					"would revoke the certificate at its CA%s: clients that check revocation refuse it from then on, and the only way back is a new certificate", inv.Where())
			}
		}
		return nil
	}
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cdwmnaitk", LongValue: []string{"config-dir", "work-dir", "logs-dir", "cert-name", "cert-path", "key-path", "reason", "server", "domains", "domain", "webroot-path", "email", "config"}})
	ops := operandValues(p.Operands)
	if len(ops) == 0 || p.Has("help", "h") {
		return nil
	}
	name := "every certificate certbot asks about"
	if n, ok := p.Value("cert-name"); ok {
		name = "the certificate " + n.Value
	} else if c, ok := p.Value("cert-path"); ok {
		name = "the certificate " + c.Value
	}
	switch ops[0] {
	case "delete":
		decision, using := guard.Confirm, ""
		if n, ok := p.Value("cert-name"); ok && n.Known && inv.Remote == "" && inv.Container == "" {
			files, complete := certificateUsers(host, n.Value)
			switch {
			case len(files) > 0:
				using = fmt.Sprintf(" (%s points at it)", listSome(files, 2))
			case complete:
				decision, using = guard.Warn, " (no configuration guard read in "+strings.Join(certificateConfigDirs, ", ")+" points at it)"
			}
		}
		return guard.Found(decision, "see what uses it first: grep -rl /etc/letsencrypt/live/NAME /etc/nginx /etc/apache2 /etc/haproxy; keep a copy: tar czf letsencrypt.tgz /etc/letsencrypt",
			"would delete %s%s with its private key and renewal%s: a server still pointed at its files under /etc/letsencrypt/live fails at its next reload or restart, and the certificate no longer renews", name, inv.Where(), using)
	case "revoke":
		return guard.Found(guard.Confirm, "to stop using it without revoking: certbot delete --cert-name NAME after the servers point elsewhere; revoke only a key that leaked",
			"would revoke %s%s at the CA: clients that check revocation refuse it at once, on every server that uses it, and the only way back is a new certificate", name, inv.Where())
	}
	return nil
}

// servingUnits: the units whose stop the outside world sees, and what it
// loses. Patterns cover versions and instances (postgresql@16-main,
// php8.2-fpm, redis-server@cache).
var servingUnits = []struct{ pattern, serves string }{
	{"nginx", "the sites and APIs it serves"},
	{"apache2", "the sites it serves"},
	{"httpd", "the sites it serves"},
	{"lighttpd", "the sites it serves"},
	{"caddy", "the sites it serves"},
	{"traefik", "every service it routes to"},
	{"envoy", "every service it routes to"},
	{"haproxy", "every backend it balances"},
	{"varnish", "the sites it caches"},
	{"keepalived", "the virtual IP it holds (it moves to another node, or nowhere)"},
	{"php*-fpm", "the PHP applications behind the web server"},
	{"postgresql*", "every application using this PostgreSQL database"},
	{"mysql", "every application using this MySQL database"},
	{"mysqld", "every application using this MySQL database"},
	{"mariadb", "every application using this MariaDB database"},
	{"pgbouncer", "every application pooled through it"},
	{"mongod", "every application using this MongoDB"},
	{"redis*", "every application using this Redis (sessions, queues, caches)"},
	{"memcached", "every application caching in it (the cache comes back empty)"},
	{"rabbitmq-server", "every producer and consumer of its queues"},
	{"elasticsearch", "search and everything indexed in it"},
	{"opensearch", "search and everything indexed in it"},
	{"named", "the DNS zones it serves"},
	{"bind9", "the DNS zones it serves"},
	{"pdns", "the DNS zones it serves"},
	{"unbound", "name resolution for the hosts that use it"},
}

// serves says what stops answering when unit stops, "" for units not in
// the table.
func serves(unit string) string {
	name := unitName(unit)
	base, _, _ := strings.Cut(name, "@")
	for _, u := range servingUnits {
		if ok, _ := path.Match(u.pattern, base); ok {
			return u.serves
		}
	}
	return ""
}

// servingStop reads a command for a front end or database it stops:
// the unit, what happens to it ("stop", "mask"), and "" when none.
func servingStop(inv *guard.Invocation) (unit, how string) {
	args := inv.Values()
	switch inv.Program {
	case "systemctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		if len(p.Operands) < 2 {
			return "", ""
		}
		verb := p.Operands[0].Value
		switch verb {
		case "stop", "kill", "mask", "disable", "isolate":
		default:
			return "", ""
		}
		if verb == "disable" && !p.Has("now") || verb == "isolate" {
			return "", ""
		}
		if verb == "kill" {
			if s, ok := p.Value("s", "signal"); ok && harmlessOrReload(s.Value) {
				return "", ""
			}
		}
		if verb == "mask" && !p.Has("now") {
			verb = "mask (it will not start again, not even after a reboot, until unmasked)"
		}
		for _, u := range p.Operands[1:] {
			if serves(u.Value) != "" {
				return u.Value, verb
			}
		}
	case "service", "invoke-rc.d", "rc-service":
		if len(args) >= 2 && serves(args[0]) != "" && (args[1] == "stop" || args[1] == "force-stop") {
			return args[0], "stop"
		}
	case "nginx":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "scpgeC"})
		if s, ok := p.Value("s"); ok && (s.Value == "stop" || s.Value == "quit") {
			return "nginx", "stop"
		}
		if strings.Contains(inv.Command.Value, "init.d/") && len(args) > 0 && args[0] == "stop" {
			return "nginx", "stop"
		}
	case "apachectl", "apache2ctl", "httpd":
		for i, a := range args {
			if (a == "stop" || a == "graceful-stop") && (i == 0 || args[i-1] == "-k") {
				return "apache2", "stop"
			}
		}
	case "pg_ctl":
		if slices.Contains(args, "stop") {
			return "postgresql", "stop"
		}
	case "pg_ctlcluster":
		if len(args) >= 3 && args[2] == "stop" {
			return "postgresql@" + args[0] + "-" + args[1], "stop"
		}
	case "mysqladmin":
		if slices.Contains(args, "shutdown") {
			return "mysql", "shut down"
		}
	case "redis-cli":
		for _, a := range args {
			if strings.EqualFold(a, "shutdown") {
				return "redis", "shut down"
			}
		}
	default: // /etc/init.d/NAME stop
		if strings.Contains(inv.Command.Value, "init.d/") && serves(inv.Program) != "" && len(args) > 0 && (args[0] == "stop" || args[0] == "force-stop") {
			return inv.Program, "stop"
		}
	}
	return "", ""
}

// harmlessOrReload: systemctl kill -s HUP (reload), USR1 (reopen logs).
func harmlessOrReload(sig string) bool {
	n, ok := signalNumber(sig)
	return ok && (n == sigHUP || n == 10 || n == 12 || harmlessSignals[n])
}

func matchServingStop(inv *guard.Invocation, host guard.Host) *guard.Finding {
	client, ok := guard.SSHClient(inv, host)
	if !ok {
		return nil
	}
	unit, how := servingStop(inv)
	if unit == "" {
		return nil
	}
	name := unitName(unit)
	return guard.Found(guard.Warn,
		fmt.Sprintf("to apply a configuration change without dropping anyone, reload instead (systemctl reload %s, after checking the configuration); to take the host out of service, drain it from the load balancer first", name),
		"would %s %s on %s (you are connected from %s): %s stops answering until it is started again",
		how, name, guard.HostName(inv, host), client, serves(unit))
}

// dnsToolSpecs: the options of the DNS tools that take a value.
var dnsToolSpecs = map[string]guard.OptSpec{
	"nsupdate": {ShortValue: "kyLptur"},
	"rndc":     {ShortValue: "cksypb"},
	"knotc":    {ShortValue: "cCst", LongValue: []string{"config", "confdb", "socket", "timeout"}},
	"pdnsutil": {LongValue: []string{"config-dir", "config-name"}},
}

// maxUpdateScript bounds what guard reads of an nsupdate script.
const maxUpdateScript = 64 << 10

func matchDNSDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	args := operandValues(guard.ParseOptions(inv.Args, dnsToolSpecs[inv.Program]).Operands)
	hint := "export the zone first (dig AXFR, pdnsutil list-zone ZONE > ZONE.txt, rndc dumpdb) and check which server and zone you are on"
	switch inv.Program {
	case "nsupdate":
		script, source := nsupdateScript(inv, host, args)
		if deletes := nsupdateDeletes(script); len(deletes) > 0 {
			return guard.Found(guard.Confirm, hint+"; to look first, run the same script with the delete lines replaced by show",
				"would delete DNS records%s: %s", source, strings.Join(deletes, "; "))
		}
	case "rndc":
		for i, a := range args {
			if a == "delzone" && i+1 < len(args) {
				return guard.Found(guard.Confirm, hint, "would delete the zone %s from the name server: the names under it stop resolving as caches expire", lastWord(args[i+1:]))
			}
		}
	case "pdnsutil":
		if len(args) >= 2 {
			switch args[0] {
			case "delete-zone", "clear-zone":
				return guard.Found(guard.Confirm, hint, "would %s the zone %s: every record in it is removed", strings.TrimSuffix(args[0], "-zone"), args[1])
			case "delete-rrset":
				return guard.Found(guard.Confirm, hint, "would delete the records %s in the zone %s", strings.Join(args[2:], " "), args[1])
			}
		}
	case "knotc":
		for i, a := range args {
			if a == "zone-purge" {
				return guard.Found(guard.Confirm, hint, "would purge the zone %s: its data, journal and timers are deleted", strings.Join(args[i+1:], " "))
			}
		}
	}
	return nil
}

func lastWord(words []string) string {
	if len(words) == 0 {
		return ""
	}
	return words[0]
}

// nsupdateScript returns the commands nsupdate reads: a file operand, a
// file redirected in, a here-document or what is piped to it.
func nsupdateScript(inv *guard.Invocation, host guard.Host, operands []string) (string, string) {
	file := ""
	if len(operands) > 0 {
		file = operands[0]
	}
	for _, rd := range inv.Redirs {
		if rd.Op == "<" && rd.Target.Known {
			file = rd.Target.Value
		}
	}
	if file != "" {
		p := inv.Path(file)
		if p == "" || inv.Remote != "" {
			return "", ""
		}
		data, err := host.ReadFile(p, maxUpdateScript)
		if err != nil {
			return "", ""
		}
		return string(data), " (as " + filepath.Base(p) + " says)"
	}
	text, _ := guard.StdinText(inv)
	return text, ""
}

// nsupdateDeletes lists the delete commands of an nsupdate script:
// "update delete NAME [TYPE …]", or the short "del NAME".
func nsupdateDeletes(script string) []string {
	var deletes []string
	for _, line := range strings.Split(script, "\n") {
		words := strings.Fields(line)
		if len(words) > 0 && words[0] == "update" {
			words = words[1:]
		}
		if len(words) >= 2 && (words[0] == "delete" || words[0] == "del") {
			deletes = append(deletes, strings.Join(words[1:], " "))
		}
	}
	return deletes
}

// mailAgeKeys: doveadm search keys that keep what is newer than a date.
var mailAgeKeys = map[string]bool{"before": true, "savedbefore": true, "sentbefore": true}

// matchMailDelete: mail a server accepted and has not delivered yet lives
// only in its queue, and mailboxes only on the server: deleting all of it
// at once cannot be undone, and the senders are not told.
func matchMailDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	switch inv.Program {
	case "postsuper":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cdhHr"})
		if !slices.ContainsFunc(p.Values("d"), func(a guard.Arg) bool { return a.Value == "ALL" }) {
			return nil // postsuper -d QUEUEID, or IDs a listing picked (-d -)
		}
		queue := "every queue (incoming, active, deferred, hold)"
		decision := guard.Confirm
		if ops := operandValues(p.Operands); len(ops) > 0 {
			queue = "the " + strings.Join(ops, " ") + " queue"
			if len(ops) == 1 && ops[0] == "hold" {
				decision = guard.Warn // the quarantine an operator put aside
			}
		}
		return guard.Found(decision, "look first (postqueue -p, mailq); delete by ID (postsuper -d QUEUEID), or put mail aside with postsuper -h ALL, which postsuper -H ALL undoes",
			"would delete every message in %s of Postfix%s: mail accepted but not delivered yet is gone for good, and the senders are not told", queue, inv.Where())
	case "doveadm":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "ouFSfcDx", LongValue: []string{"o"}})
		ops := operandValues(p.Operands)
		if len(ops) == 0 {
			return nil
		}
		verb := ops[0]
		if verb == "mailbox" && len(ops) > 1 && ops[1] == "delete" {
			verb = "mailbox delete"
		} else if verb != "expunge" {
			return nil
		}
		everyone := p.Has("A")
		for _, u := range p.Values("u") {
			everyone = everyone || strings.Contains(u.Value, "*") || strings.Contains(u.Value, "?")
		}
		if !everyone {
			return nil // one user's mailbox: the routine clean-up
		}
		what := strings.Join(ops[1:], " ")
		decision := guard.Confirm
		if verb == "mailbox delete" {
			what = "the mailboxes " + strings.Join(ops[2:], " ")
		} else {
			what = "the messages matching " + what
			if slices.ContainsFunc(ops[1:], func(w string) bool { return mailAgeKeys[strings.ToLower(w)] }) {
				decision = guard.Warn // the retention job: mail older than a date
			}
		}
		return guard.Found(decision, "try the query for one user first (doveadm search -u USER "+strings.Join(ops[1:], " ")+"); doveadm backup the mailboxes before",
			"would delete %s from every user's mail on this server%s: expunged mail is gone for good", what, inv.Where())
	}
	return nil
}

// certificateConfigDirs are where the servers that use a certificate
// name its files.
var certificateConfigDirs = []string{"/etc/nginx", "/etc/apache2", "/etc/httpd", "/etc/haproxy", "/etc/lighttpd", "/etc/postfix", "/etc/dovecot", "/etc/exim4", "/etc/caddy", "/etc/traefik"}

// Bounds of the look for a certificate's users.
const (
	maxCertConfigFiles = 400
	maxCertConfigBytes = 256 << 10
)

// certificateUsers are the configuration files (read-only, bounded) that
// name the files of the certificate certbot keeps as name; complete is
// false when guard stopped before reading them all.
func certificateUsers(host guard.Host, name string) (files []string, complete bool) {
	needle := "/live/" + name + "/"
	read := 0
	complete = true
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		entries, all, err := host.ReadDir(dir, 512)
		if err != nil {
			return
		}
		complete = complete && all
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.IsDir() {
				if depth < 4 {
					walk(p, depth+1)
				} else {
					complete = false
				}
				continue
			}
			if read >= maxCertConfigFiles {
				complete = false
				return
			}
			read++
			data, err := host.ReadFile(p, maxCertConfigBytes)
			if err == nil && strings.Contains(string(data), needle) {
				files = append(files, p)
			}
		}
	}
	for _, dir := range certificateConfigDirs {
		walk(dir, 0)
	}
	return files, complete && read > 0 // no server configuration at all: guard cannot tell
}
