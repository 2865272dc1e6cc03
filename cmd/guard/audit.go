package main

import (
	"encoding/json"
	"log/syslog"
	"os"
	"os/user"
	"strings"
	"time"
)

// audit records a decision that stopped or overrode something: to syslog
// (journald, rsyslog) as one JSON object, with the facility auth. Losing
// the channel never stops the command.
func (a *app) audit(event, line, cwd, integration string, rules []string, detail string) {
	if integration == "" {
		integration = "run"
	}
	record := map[string]any{
		"event": event, "time": time.Now().UTC().Format(time.RFC3339), "line": line, "cwd": cwd,
		"rules": rules, "integration": integration, "detail": detail, "uid": os.Getuid(),
	}
	if u, err := user.Current(); err == nil {
		record["user"] = u.Username
	}
	if host, err := os.Hostname(); err == nil {
		record["host"] = host
	}
	if c := a.getenv("SSH_CONNECTION"); c != "" {
		record["ssh_client"], _, _ = strings.Cut(c, " ")
	}
	if t := a.getenv("SSH_TTY"); t != "" {
		record["tty"] = t
	}
	data, err := json.Marshal(record)
	if err != nil {
		return
	}
	w, err := syslog.New(syslog.LOG_AUTH|syslog.LOG_NOTICE, "guard")
	if err != nil {
		return // no syslog socket here: nothing to do, the command goes on
	}
	defer w.Close()
	_ = w.Notice(string(data))
}
