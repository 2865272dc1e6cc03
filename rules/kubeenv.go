package rules

import (
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

// Where a kubectl or helm command lands: the namespace and context on the
// line, else the kubeconfig's current context and its namespace, read
// (bounded) from $KUBECONFIG's first file or ~/.kube/config. Its name says
// whether that is production, a throwaway environment, or neither.

// kubeEnv is the kind of environment a command lands in.
type kubeEnv int

const (
	kubeUnknown kubeEnv = iota
	kubeScratch         // dev, test, review apps, a local cluster
	kubeProduction
)

// kubeScratchWords mark a namespace or context kept for development,
// tests, review apps or staging, or a cluster on the operator's machine.
var kubeScratchWords = lazyre.New(`(?i)(^|[_\-.:/])(dev|devel|development|test|tests|testing|local|ci|sandbox|scratch|review|preview|pr|mr|staging|stage|stg|qa|uat|feature|tmp|demo|kind|minikube|k3d|docker-desktop|rancher-desktop|orbstack)($|[_\-.:/0-9])`)

// kubeTarget says where the command lands: a description for messages
// and the kind of environment, judged on the namespace when it says one
// way or the other, else on the context.
func kubeTarget(inv *guard.Invocation, host guard.Host, namespace, context string) (string, kubeEnv) {
	where := []string{}
	if namespace == "" || context == "" {
		ctx, ns := currentKubeContext(inv, host)
		if context == "" && ctx != "" {
			context = ctx
			if namespace == "" {
				namespace = ns
			}
		}
	}
	if namespace != "" {
		where = append(where, "namespace "+namespace)
	}
	if context != "" {
		where = append(where, "context "+context)
	}
	desc := strings.Join(where, " of ")
	if desc == "" {
		desc = "the current context"
	}
	for _, name := range []string{namespace, context} {
		switch {
		case name == "":
		case isProduction(name):
			return desc, kubeProduction
		case kubeScratchWords.MatchString(name):
			return desc, kubeScratch
		}
	}
	return desc, kubeUnknown
}

// maxKubeconfig bounds how much of a kubeconfig is read.
const maxKubeconfig = 256 << 10

// currentKubeContext reads the kubeconfig's current-context and that
// context's namespace; "" when guard cannot read it (another machine, no
// file, a value it cannot know).
func currentKubeContext(inv *guard.Invocation, host guard.Host) (context, namespace string) {
	if inv.Remote != "" || inv.Container != "" {
		return "", ""
	}
	path := ""
	if v, ok := inv.Getenv("KUBECONFIG"); ok {
		if !v.Known {
			return "", ""
		}
		path = strings.Split(v.Value, ":")[0]
	} else if v, ok := host.Getenv("KUBECONFIG"); ok {
		path = strings.Split(v, ":")[0]
	} else if home := Home(inv, host); home != "" {
		path = filepath.Join(home, ".kube", "config")
	}
	if path == "" {
		return "", ""
	}
	data, err := host.ReadFile(path, maxKubeconfig)
	if err != nil {
		return "", ""
	}
	return parseKubeconfig(string(data))
}

// parseKubeconfig reads current-context and, in the contexts list, the
// namespace of the entry of that name: the few keys guard needs, read
// line by line from the YAML kubectl writes.
func parseKubeconfig(text string) (context, namespace string) {
	type entry struct{ name, namespace string }
	var entries []entry
	inContexts := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "-") {
			key, value, _ := strings.Cut(trimmed, ":")
			inContexts = key == "contexts"
			if key == "current-context" {
				context = strings.Trim(strings.TrimSpace(value), `"'`)
			}
			continue
		}
		if !inContexts {
			continue
		}
		if strings.HasPrefix(trimmed, "- ") && !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "- ") {
			entries = append(entries, entry{})
			trimmed = strings.TrimSpace(trimmed[2:])
		}
		if len(entries) == 0 {
			continue
		}
		key, value, _ := strings.Cut(trimmed, ":")
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		switch key {
		case "name":
			if entries[len(entries)-1].name == "" {
				entries[len(entries)-1].name = value
			}
		case "namespace":
			entries[len(entries)-1].namespace = value
		}
	}
	for _, e := range entries {
		if e.name == context {
			namespace = e.namespace
		}
	}
	return context, namespace
}
