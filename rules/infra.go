package rules

import (
	"cmp"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func infraRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "kubectl-delete-broad",
			Programs:   []string{"kubectl", "oc"},
			Decision:   guard.Confirm,
			Summary:    "kubectl delete namespace (oc delete project), delete with --all / --all-namespaces, of every object kubectl itself lists, or of manifests that declare a Namespace",
			Postmortem: "kubectl delete namespace on the production context instead of staging",
			Match:      matchKubectlDelete,
		},
		{
			ID:         "terraform-destroy",
			Programs:   []string{"terraform", "tofu", "terragrunt"},
			Decision:   guard.Confirm,
			Summary:    "terraform destroy or apply -destroy; state rm of a whole module, of several addresses or of what terraform state list prints (one resource warns): terraform forgets them and plans to create them again",
			Postmortem: "terraform destroy run in the production workspace",
			Match:      matchTerraformDestroy,
		},
		{
			ID:         "zfs-destroy",
			Programs:   []string{"zfs", "zpool"},
			Decision:   guard.Confirm,
			Summary:    "zfs destroy and zpool destroy delete datasets, snapshots and pools (one named snapshot warns); zfs rollback throws away every change since the snapshot",
			Postmortem: "zfs destroy -r of a parent dataset took every child and snapshot with it",
			Machine:    true,
			Match:      matchZfsDestroy,
		},
	}
}

var kubectlSpec = guard.OptSpec{
	ShortValue: "nlfock", // -R is --recursive, alone
	LongValue:  []string{"namespace", "selector", "filename", "output", "context", "cluster", "user", "kubeconfig", "server", "field-selector", "grace-period", "timeout", "cascade", "token", "as", "request-timeout", "kustomize"},
}

func matchKubectlDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, kubectlSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 1 || ops[0] != "delete" && ops[0] != "replace" {
		return nil
	}
	context := "the current context"
	if c, ok := p.Value("context"); ok {
		context = c.Value
	}
	if rehearses(p) || p.Has("help", "h") {
		return nil
	}
	if ops[0] == "replace" {
		return kubectlForceReplace(inv, p, context)
	}
	if ns, ok := p.Value("n", "namespace"); ok && systemNamespace(strings.TrimPrefix(ns.Value, "=")) && len(ops) >= 2 && !podsOnly(ops[1:]) {
		ns.Value = strings.TrimPrefix(ns.Value, "=") // -n=kube-system
		return guard.Found(guard.Confirm, "see what it is first: kubectl -n "+ns.Value+" get "+ops[1]+" -o yaml > saved.yaml; restarting a pod of it (kubectl -n "+ns.Value+" rollout restart …) is the usual fix",
			"would delete %s in %s of %s: the cluster's own components run there (DNS, kube-proxy, the network plugin), and the whole cluster can lose them", strings.Join(ops[1:], " "), ns.Value, context)
	}
	if len(ops) < 2 {
		return kubectlDeleteUnnamed(inv, host, p, context)
	}
	hint := "check the context first (kubectl config current-context) and what matches: kubectl get " + ops[1] + " …; try it with --dry-run=server"
	kind := strings.ToLower(ops[1])
	if isNamespaceWord(kind) {
		if namespacesMadeByLine(inv, p) {
			return nil // takes back only the namespaces the line made
		}
		return guard.Found(guard.Confirm, hint, "would delete the namespace %s in %s, with every workload, volume claim and secret in it", strings.Join(ops[1:], " "), context)
	}
	if p.Has("all", "A", "all-namespaces") {
		return guard.Found(guard.Confirm, hint, "would delete every %s matched in %s", ops[1], context)
	}
	if fromKubeListing(inv, p.Operands[1:]) {
		return guard.Found(guard.Confirm, hint, "would delete every %s that kubectl lists in %s%s, not one named object", cmp.Or(ops[1], "object"), context, inv.Where())
	}
	return nil
}

// namespacesMadeByLine: every namespace the delete names was made by a
// command of the line that certainly ran before it (guard.Invocation.
// RanBefore), kubectl create namespace or oc new-project, in the same
// cluster: the same --context, --kubeconfig, --cluster and --server. A
// dry run made nothing.
func namespacesMadeByLine(inv *guard.Invocation, p guard.Parsed) bool {
	names := p.Operands[1:]
	if !strings.Contains(names[0].Value, "/") {
		names = names[1:] // delete ns a b; else delete ns/a ns/b
	}
	if len(names) == 0 || p.Has("all", "A", "all-namespaces", "l", "selector", "field-selector") {
		return false
	}
	cluster := kubeCluster(p)
	for _, n := range names {
		_, name, _ := strings.Cut(n.Value, "/")
		if !strings.Contains(n.Value, "/") {
			name = n.Value
		}
		if !n.Known || n.Glob || name == "" {
			return false
		}
		made := false
		for b := range inv.SucceededBefore {
			if b.Program != "kubectl" && b.Program != "oc" {
				continue
			}
			bp := guard.ParseOptions(b.Args, kubectlSpec)
			ops := operandValues(bp.Operands)
			if rehearses(bp) || kubeCluster(bp) != cluster {
				continue
			}
			if len(ops) == 3 && ops[0] == "create" && (ops[1] == "namespace" || ops[1] == "ns") && ops[2] == name ||
				len(ops) == 2 && b.Program == "oc" && ops[0] == "new-project" && ops[1] == name {
				made = true
				break
			}
		}
		if !made {
			return false
		}
	}
	return true
}

// kubeCluster names the cluster a kubectl command talks to, as far as its
// options say: the same text for the same --context, --kubeconfig,
// --cluster and --server.
func kubeCluster(p guard.Parsed) string {
	var parts []string
	for _, o := range []string{"context", "kubeconfig", "cluster", "server"} {
		v, _ := p.Value(o)
		parts = append(parts, v.Value)
	}
	return strings.Join(parts, "\x00")
}

// systemNamespace: where the cluster's own components run.
func systemNamespace(ns string) bool {
	switch ns {
	case "kube-system", "kube-public", "kube-node-lease", "kube-flannel", "calico-system", "tigera-operator", "cilium", "cattle-system", "ingress-nginx", "cert-manager":
		return true
	}
	return strings.HasPrefix(ns, "openshift-")
}

// podsOnly: deleting pods by name restarts them under their controller.
func podsOnly(ops []string) bool {
	isPod := func(word string) bool {
		kind, _, _ := strings.Cut(strings.ToLower(word), "/")
		return kind == "pod" || kind == "pods" || kind == "po"
	}
	if !strings.Contains(ops[0], "/") {
		return isPod(ops[0]) // delete pod NAME…
	}
	for _, o := range ops { // delete pod/a pod/b
		if !isPod(o) {
			return false
		}
	}
	return true
}

// kubectlForceReplace: replace --force deletes the objects, then creates
// them again: every pod of them stops at once, with no rolling update,
// and a claim or volume among them loses its disk.
func kubectlForceReplace(inv *guard.Invocation, p guard.Parsed, context string) *guard.Finding {
	if !p.Has("force") {
		return nil
	}
	files := operandValues(append(p.Values("f", "filename"), p.Values("k", "kustomize")...))
	what := "the objects named"
	if len(files) > 0 {
		what = "the objects of " + strings.Join(files, " ")
	}
	return guard.Found(guard.Confirm, "use kubectl apply -f (a rolling update), or see the change first: kubectl diff -f FILE",
		"would delete %s in %s and create them again (replace --force)%s: every pod of them stops at once, and a claim or volume among them loses its data", what, context, inv.Where())
}

// isNamespaceWord: a namespace, or an OpenShift project (its namespace),
// by kind or kind/name.
func isNamespaceWord(kind string) bool {
	kind, _, _ = strings.Cut(kind, "/")
	kind, _, _ = strings.Cut(kind, ".")
	switch kind {
	case "namespace", "namespaces", "ns", "project", "projects":
		return true
	}
	return false
}

// kubectlDeleteUnnamed reads a delete whose objects are not on the line:
// names xargs takes from kubectl's own listing (kubectl get ns -o name |
// xargs kubectl delete), or manifests (-f FILE or a folder of them) that
// declare a Namespace.
func kubectlDeleteUnnamed(inv *guard.Invocation, host guard.Host, p guard.Parsed, context string) *guard.Finding {
	hint := "check the context first (kubectl config current-context) and list what would go; try it with --dry-run=server"
	if inv.MoreOperands == "xargs" && fromKubeListing(inv, nil) {
		return guard.Found(guard.Confirm, hint, "would delete every object kubectl lists upstream in %s%s (namespaces take everything in them)", context, inv.Where())
	}
	if k, ok := p.Value("k", "kustomize"); ok && !slices.ContainsFunc(manifestKinds(inv, host, p), func(k string) bool { return strings.EqualFold(k, "Namespace") }) {
		return guard.Found(guard.Warn, "see what it builds first: kubectl kustomize "+k.Value+" | kubectl get -f -; try it with --dry-run=server",
			"deletes every object the kustomization %s builds in %s%s: the whole application it describes", k.Value, context, inv.Where())
	}
	if !p.Has("f", "filename", "k", "kustomize") {
		return nil
	}
	if slices.ContainsFunc(manifestKinds(inv, host, p), func(k string) bool { return strings.EqualFold(k, "Namespace") || strings.EqualFold(k, "Project") }) {
		files := operandValues(append(p.Values("f", "filename"), p.Values("k", "kustomize")...))
		return guard.Found(guard.Confirm, "see what it names first: kubectl get -f "+files[0]+"; delete the objects you mean by name",
			"would delete the objects of %s in %s%s, among them a Namespace: every workload, volume claim and secret in it goes too", strings.Join(files, " "), context, inv.Where())
	}
	return nil
}

// fromKubeListing: operands computed by kubectl (or oc) itself, or xargs
// input piped from it: every object the listing prints, not one name.
func fromKubeListing(inv *guard.Invocation, operands []guard.Arg) bool {
	for _, o := range operands {
		if (slices.Contains(o.Sources, "kubectl") || slices.Contains(o.Sources, "oc")) && !o.FromOneLine() {
			return true
		}
	}
	if inv.MoreOperands == "xargs" && !guard.OneLineInput(inv) {
		for _, up := range inv.Stdin {
			if (up.Program == "kubectl" || up.Program == "oc") && !picksPods(up) {
				return true
			}
		}
	}
	return false
}

// picksPods: a listing of pods narrowed by a field or label selector
// (kubectl get pods --field-selector=status.phase==Failed -o name): the
// pods meant, which their controllers make again, not every object.
func picksPods(ls *guard.Invocation) bool {
	p := guard.ParseOptions(ls.Args, guard.OptSpec{ShortValue: "nlo", LongValue: []string{"namespace", "selector", "field-selector", "output", "context", "kubeconfig"}})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || ops[0] != "get" || p.Has("A", "all-namespaces") {
		return false
	}
	switch ops[1] {
	case "pod", "pods", "po":
	default:
		return false
	}
	for _, sel := range append(p.Values("field-selector"), p.Values("l", "selector")...) {
		if sel.Known && strings.TrimSpace(sel.Value) != "" {
			return true
		}
	}
	return false
}

func matchTerraformDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var sub string
	destroyFlag := false
	for _, a := range inv.Args {
		v := a.Value
		if sub == "" && !strings.HasPrefix(v, "-") {
			sub = v
		}
		if v == "-destroy" || v == "--destroy" {
			destroyFlag = true
		}
	}
	if sub == "destroy" || sub == "apply" && destroyFlag {
		return guard.Found(guard.Confirm, "look at the plan first: "+inv.Program+" plan -destroy; check the workspace: "+inv.Program+" workspace show",
			"would destroy every resource this %s configuration manages in the current workspace", inv.Program)
	}
	if sub == "state" {
		return terraformStateRm(inv)
	}
	return nil
}

// terraformStateRm: state rm makes terraform forget resources that keep
// running: the next apply plans to create them again (a second database,
// a name already taken), and only terraform import brings them back. One
// resource is routine in a refactor (warn); a whole module, or several,
// asks.
func terraformStateRm(inv *guard.Invocation) *guard.Finding {
	var words []guard.Arg
	for _, a := range inv.Args {
		v := a.Value
		switch {
		case v == "-dry-run" || v == "--dry-run":
			return nil
		case strings.HasPrefix(v, "-"):
		default:
			words = append(words, a)
		}
	}
	if len(words) < 2 || words[0].Value != "state" || words[1].Value != "rm" {
		return nil
	}
	addrs := operandValues(words[2:])
	listed := fedByListing(inv, words[2:], inv.Program, "list")
	if len(addrs) == 0 && !listed {
		return nil // terraform asks for an address
	}
	hint := "see what it forgets first: " + inv.Program + " state rm -dry-run ADDRESS; keep a copy of the state: " + inv.Program + " state pull > before-rm.tfstate; terraform import ADDRESS ID brings one back; a removed block (Terraform 1.7+) does it through a reviewed plan"
	if listed {
		return guard.Found(guard.Confirm, hint,
			"would make %s forget every resource that %s state list prints%s: they keep running unmanaged, the next apply plans to create them all again, and only terraform import, one by one, brings them back", inv.Program, inv.Program, inv.Where())
	}
	whole := len(addrs) > 1
	for _, a := range addrs {
		if parts := strings.Split(a, "."); len(parts) >= 2 && parts[len(parts)-2] == "module" {
			whole = true // module.vpc, module.app.module.db: every resource of the module
		}
	}
	if !whole {
		return guard.Found(guard.Warn, hint,
			"makes %s forget %s: the resource keeps running unmanaged, and the next apply plans to create it again", inv.Program, addrs[0])
	}
	return guard.Found(guard.Confirm, hint,
		"would make %s forget %s, every resource in it: they keep running unmanaged, the next apply plans to create them all again, and only terraform import, one by one, brings them back", inv.Program, strings.Join(addrs, " "))
}

func matchZfsDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || (ops[0] != "destroy" && ops[0] != "labelclear" && ops[0] != "rollback") {
		return nil
	}
	what := ops[len(ops)-1]
	if ops[0] == "rollback" && inv.Program == "zfs" {
		dataset, snap, _ := strings.Cut(what, "@")
		later := ""
		if p.Has("r", "R") {
			later = ", and every snapshot taken after it is destroyed"
		}
		return guard.Found(guard.Confirm, "keep today's state first: zfs snapshot "+dataset+"@before-rollback; or read the old files without rolling back: ls "+"/"+dataset+"/.zfs/snapshot/"+snap+" (under the dataset's mountpoint)",
			"would throw away every change made to %s since the snapshot %s%s", dataset, snap, later)
	}
	if ops[0] == "destroy" && inv.Program == "zfs" && len(ops) == 2 && p.Operands[1].Known && zfsMadeByLine(inv, host, what, p.Has("r")) && !p.Has("R") {
		return nil // takes back only what the line made
	}
	if dataset, snap, isSnap := strings.Cut(what, "@"); inv.Program == "zfs" && ops[0] == "destroy" && isSnap && len(ops) == 2 && p.Operands[1].Known &&
		dataset != "" && snap != "" && !strings.ContainsAny(snap, "%,@") && !p.Has("r", "R") {
		// One named snapshot: the dataset and its data stay; what goes is
		// the way back to that day, the routine pruning of old snapshots.
		return guard.Found(guard.Warn, "see what it frees first: zfs destroy -nv "+what+"; zfs list -t snapshot "+dataset+" lists the ones left",
			"would destroy the snapshot %s of %s: the dataset keeps its data, but its files as they were then can no longer be read or rolled back to", snap, dataset)
	}
	if inv.Program == "zpool" {
		return guard.Found(guard.Confirm, "export it instead if you only want it gone from this host: zpool export "+what,
			"would destroy the pool %s and every dataset in it", what)
	}
	return guard.Found(guard.Confirm, "see what would go first: zfs destroy -nv "+what+"; take a snapshot or zfs send to a backup pool",
		"would destroy the dataset %s%s", what, map[bool]string{true: " with its children and snapshots", false: ""}[p.Has("r", "R")])
}

// zfsMadeByLine: what zfs destroy names was made by commands of the line
// that certainly ran before it (guard.Invocation.RanBefore): a dataset by
// zfs create or zfs clone, and not mounted on this host now (it was there
// before the line); each snapshot of pool/fs@a,b by zfs snapshot, with -r
// when the destroy has -r (it takes the children's snapshots of the same
// name too). Not a range (@a%b).
func zfsMadeByLine(inv *guard.Invocation, host guard.Host, what string, recursive bool) bool {
	dataset, snaps, isSnap := strings.Cut(what, "@")
	if dataset == "" || strings.Contains(snaps, "%") || isSnap && snaps == "" {
		return false
	}
	if !isSnap && inv.Remote == "" && slices.ContainsFunc(host.Mounts(), func(m guard.Mount) bool { return m.FSType == "zfs" && m.Source == dataset }) {
		return false // mounted now: there before the line
	}
	made := func(name string, snapshot bool) bool {
		for b := range inv.SucceededBefore {
			if b.Program != "zfs" {
				continue
			}
			bp := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "obV"})
			if len(bp.Operands) < 2 || slices.ContainsFunc(bp.Operands, func(a guard.Arg) bool { return !a.Known || a.Glob }) {
				continue
			}
			ops := operandValues(bp.Operands)
			switch {
			case snapshot && (ops[0] == "snapshot" || ops[0] == "snap") && (!recursive || bp.Has("r")):
				if slices.Contains(ops[1:], name) {
					return true
				}
			case !snapshot && (ops[0] == "create" && len(ops) == 2 || ops[0] == "clone" && len(ops) == 3):
				if ops[len(ops)-1] == name {
					return true
				}
			}
		}
		return false
	}
	if !isSnap {
		return made(dataset, false)
	}
	for _, s := range strings.Split(snaps, ",") {
		if s == "" || !made(dataset+"@"+s, true) {
			return false
		}
	}
	return true
}
