package rules

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

// The orchestration family: removing every container or image of a host,
// the Kubernetes objects that carry data or whole kinds (volumes, claims,
// custom resource definitions, nodes), draining every node, and the
// infrastructure-as-code tools' destroy commands that terraform-destroy
// does not read (pulumi, cdk, cdktf, terragrunt run-all, serverless).
// Namespace and --all deletes stay kubectl-delete-broad's, terraform and
// terragrunt destroy terraform-destroy's, volume prunes
// docker-volume-prune's: each line is reported once.
func orchestrationRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "container-remove-all",
			Programs:   []string{"docker", "podman", "nerdctl", "crictl"},
			Decision:   guard.Confirm,
			Summary:    "docker/podman/nerdctl/crictl rm -f of every container ($(docker ps -aq), xargs, rm --all; without -f, as container prune, a warning), pod rm --all, system prune -a, rmi -f of every image, podman volume prune, podman system reset; stop/kill of every container, container prune and system prune without -a warn",
			Postmortem: "a common failure mode: docker rm -f $(docker ps -aq) run on a production host instead of a laptop, taking every running service and its unsaved container data",
			Match:      matchContainerRemoveAll,
		},
		{
			ID:         "kubectl-delete-data",
			Programs:   []string{"kubectl", "oc"},
			Decision:   guard.Confirm,
			Summary:    "kubectl delete of a PersistentVolume, PersistentVolumeClaim, CustomResourceDefinition or node: the disk, every custom resource of the kind, or the node's pods go with it",
			Postmortem: "a common failure mode: a PVC deleted with reclaim policy Delete, and the cloud disk under a database with it",
			Match:      matchKubectlDeleteData,
		},
		{
			ID:         "kubectl-delete-production",
			Programs:   []string{"kubectl", "oc"},
			Decision:   guard.Confirm,
			Summary:    "kubectl delete of a workload (deployment, statefulset, daemonset, cronjob), a Secret, a ConfigMap, a Service or an Ingress, or of a folder of manifests (-f DIR, -R, -k), in a namespace or context whose name says production, on the line or the kubeconfig's current context, or with manifests whose path says it (overlays/prod) (confirm), and kubectl apply --prune there (it deletes what the manifests leave out); where the name says neither, a Secret, a StatefulSet or a folder of manifests warns; pods, jobs, and dev, test, review or staging namespaces pass",
			Postmortem: "a common failure mode: kubectl delete secret or statefulset typed with the production context still current after a debugging session, and the service down until someone found the manifests and the credentials again",
			Match:      matchKubectlDeleteProduction,
		},
		{
			ID:         "kubectl-drain-all",
			Programs:   []string{"kubectl", "oc"},
			Decision:   guard.Confirm,
			Summary:    "kubectl drain of every node ($(kubectl get nodes …), xargs, a label selector), or a NoExecute taint on all of them: nothing is left to run the evicted pods; a drain of one named node warns",
			Postmortem: "a common failure mode: kubectl drain run over the list of all nodes, evicting every pod of the cluster at once",
			Match:      matchKubectlDrainAll,
		},
		{
			ID:         "kubectl-scale-zero",
			Programs:   []string{"kubectl", "oc"},
			Decision:   guard.Confirm,
			Summary:    "kubectl scale --replicas=0 (or a patch setting replicas to 0) of a deployment, statefulset or replica set, of --all of them, or of what kubectl itself lists: every pod of it stops",
			Postmortem: "a common failure mode: kubectl scale --replicas=0 meant for staging run in the production context, and the service down until someone remembers the old replica count",
			Match:      matchKubectlScaleZero,
		},
		{
			ID:         "helm-uninstall",
			Programs:   []string{"helm", "helm3"},
			Decision:   guard.Confirm,
			Summary:    "helm uninstall (delete, del, un): every Kubernetes object of the release is deleted, the Secrets it generated and the claims its chart declared with it; in a namespace or context named for dev, test, review or staging (on the line or the kubeconfig's current context) it warns",
			Postmortem: "a common failure mode: helm uninstall of a release in the wrong kube-context or namespace",
			Match:      matchHelmUninstall,
		},
		{
			ID:         "cluster-stack-remove",
			Programs:   []string{"docker", "nomad"},
			Decision:   guard.Confirm,
			Summary:    "docker stack rm (every service of the stack), docker service rm of every service docker lists, docker swarm leave --force (a manager's copy of the swarm), nomad job stop -purge (the job and its history); nomad job stop warns",
			Postmortem: "a common failure mode: docker stack rm prod typed in the terminal of the production manager instead of staging's",
			Match:      matchClusterStackRemove,
		},
		{
			ID:         "iac-destroy",
			Programs:   []string{"pulumi", "cdk", "cdktf", "terragrunt", "serverless", "sls"},
			Decision:   guard.Confirm,
			Summary:    "pulumi destroy/down and stack rm, cdk/cdktf destroy, terragrunt run-all destroy / destroy-all / run --all destroy, serverless remove",
			Postmortem: "a common failure mode: a destroy run with the production stack selected, the same failure terraform-destroy guards against",
			Match:      matchIaCDestroy,
		},
		{
			ID:         "cluster-teardown",
			Programs:   []string{"eksctl", "kops", "kubeadm", "argocd", "flux", "talosctl", "k3s-uninstall.sh", "k3s-agent-uninstall.sh", "rke2-uninstall.sh"},
			Decision:   guard.Confirm,
			Summary:    "a Kubernetes cluster or node taken down by its own tool: eksctl delete cluster/nodegroup, kops delete cluster --yes, kubeadm reset, talosctl reset, k3s/rke2 uninstall scripts, argocd app delete (with its resources), flux uninstall",
			Postmortem: "a common failure mode: a cluster deleted with the production kubeconfig or profile selected, when the test cluster was meant",
			Match:      matchClusterTeardown,
		},
	}
}

var containerSpec = guard.OptSpec{
	ShortValue: "Hclt",
	LongValue:  []string{"host", "config", "context", "log-level", "tlscacert", "tlscert", "tlskey", "filter", "time", "connection", "url", "identity", "root", "runroot", "storage-driver", "namespace", "address"},
}

// listsContainers tells a word or an xargs input that comes from the
// runtime's own listing: $(docker ps -aq), docker images -q | xargs.
func listsContainers(inv *guard.Invocation, ops []guard.Arg) bool {
	for _, o := range ops {
		if o.FromOneLine() {
			continue // $(docker ps -q | head -1): one container
		}
		if words, ok := o.SubstWords(); ok && len(words) > 1 && picksContainers(words[1:]) {
			continue // $(podman ps -aq --filter name=ci-): the ones meant
		}
		for _, src := range o.Sources {
			if src == inv.Program || src == "docker" || src == "podman" || src == "nerdctl" {
				return true
			}
		}
	}
	if inv.MoreOperands == "xargs" && !guard.OneLineInput(inv) {
		for _, up := range inv.Stdin {
			if (up.Program == "docker" || up.Program == "podman" || up.Program == "nerdctl") && !picksContainers(up.Args) {
				return true
			}
		}
	}
	return false
}

// picksContainers: a listing filtered by what the containers are called,
// labelled or made from (docker ps -q --filter name=test_), not by their
// state: it lists the ones meant, not every one.
func picksContainers(args []guard.Arg) bool {
	p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "fn", LongValue: []string{"filter", "format", "last"}})
	for _, f := range p.Values("f", "filter") {
		key, _, _ := strings.Cut(f.Value, "=")
		switch key {
		case "name", "label", "ancestor", "id", "network", "volume", "publish", "expose":
			if f.Known {
				return true
			}
		}
	}
	return false
}

func matchContainerRemoveAll(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, containerSpec)
	ops := p.Operands
	words := operandValues(ops)
	if len(words) == 0 || p.Has("help") {
		return nil
	}
	// docker container rm … is docker rm …
	if len(words) >= 2 && (words[0] == "container" || words[0] == "image") {
		switch words[1] {
		case "rm", "remove":
			if words[0] == "image" {
				words[1] = "rmi"
			}
			words, ops = words[1:], ops[1:]
		case "stop", "kill":
			words, ops = words[1:], ops[1:]
		case "prune":
			words[1] = words[0] + "-prune"
			words, ops = words[1:], ops[1:]
		}
	}
	rt := inv.Program
	if words[0] == "pod" && len(words) >= 2 && (words[1] == "rm" || words[1] == "remove") {
		words, ops = words[1:], ops[1:] // podman pod rm --all: every pod and its containers
	}
	if rt == "crictl" && words[0] == "rmp" {
		words[0] = "rm"
	}
	force := p.Has("f", "force")
	all := p.Has("a", "all")
	everything := listsContainers(inv, ops[1:]) || all && rt != "docker"
	hint := "list what would go first (" + rt + " ps -a, " + rt + " images, " + rt + " system df -v); commit or copy out what a container holds (" + rt + " cp NAME:/path ., " + rt + " commit NAME backup/NAME) and name the containers you mean"
	switch words[0] {
	case "stop", "kill":
		if everything {
			return guard.Found(guard.Warn, "stop the ones you mean by name; "+rt+" ps shows which run", "would %s every container %s lists%s: their services go down, and only those with a restart policy come back on their own", words[0], rt+" ps", inv.Where())
		}
		return nil
	case "volume":
		if rt == "docker" || len(words) < 2 {
			return nil // docker-volume-prune reports docker's
		}
		if words[1] == "prune" || (words[1] == "rm" || words[1] == "remove") && (all || listsContainers(inv, ops[2:])) {
			return guard.Found(guard.Confirm, "list them first ("+rt+" volume ls, "+rt+" system df -v) and export what you need ("+rt+" volume export VOL -o VOL.tar)",
				"would delete every %s volume no container uses%s, with the data in it", rt, inv.Where())
		}
		return nil
	case "rm":
		if !everything {
			return nil
		}
		if force {
			return guard.Found(guard.Confirm, hint, "would remove every container %s lists%s, running ones included: their services stop and what they wrote outside volumes is deleted%s", rt+" ps", inv.Where(), anonVolumes(p))
		}
		// Without -f, rm refuses the running ones: it is container
		// prune spelled by hand, and said out loud the same way.
		return guard.Found(guard.Warn, hint, "removes every stopped container %s lists%s, with what they wrote outside volumes (the running ones are refused without -f)%s", rt+" ps", inv.Where(), anonVolumes(p))
	case "container-prune":
		// As docker system prune without -a, which removes them too: a
		// routine cleanup, said out loud.
		return guard.Found(guard.Warn, hint, "removes every stopped container%s, with what they wrote outside volumes: a stopped database or a container kept for its logs goes too", inv.Where())
	case "rmi":
		if !everything {
			return nil
		}
		if rt == "crictl" {
			// crictl rmi has no -f: --all removes what pods use, and the
			// sandbox image every new pod starts from.
			return guard.Found(guard.Confirm, "remove what the kubelet no longer uses instead: crictl rmi --prune; list first: crictl images",
				"would remove every image on this node%s, the pod sandbox (pause) image and those running pods use included: new and restarted pods must pull them again, and cannot start while the registry is out of reach or a tag is gone from it", inv.Where())
		}
		if force {
			return guard.Found(guard.Confirm, hint, "would remove every image %s lists%s, even those containers use: images built here or no longer in a registry cannot be pulled back", rt+" images", inv.Where())
		}
		return guard.Found(guard.Warn, hint, "would remove every image %s lists that no container uses%s: images built here or no longer in a registry cannot be pulled back", rt+" images", inv.Where())
	case "image-prune":
		if all {
			return guard.Found(guard.Warn, hint, "would remove every image no container uses%s: images built here or no longer in a registry cannot be pulled back", inv.Where())
		}
	case "system":
		if len(words) < 2 {
			return nil
		}
		switch words[1] {
		case "prune":
			if p.Has("volumes") && rt == "docker" {
				return nil // docker-volume-prune reports it, with the volumes
			}
			volumes := ""
			if p.Has("volumes") {
				volumes = ", and every volume no container uses, with its data"
			}
			if all {
				return guard.Found(guard.Confirm, hint, "would remove every stopped container, every image no container uses, every unused network and the build cache%s%s", volumes, inv.Where())
			}
			return guard.Found(guard.Warn, hint, "would remove every stopped container, dangling images, unused networks and the build cache%s%s", volumes, inv.Where())
		case "reset":
			return guard.Found(guard.Confirm, "export what you need first ("+rt+" volume export, "+rt+" save); "+rt+" system prune is the narrower cleanup",
				"would delete every container, pod, image, volume and network of %s%s, and its storage: a clean slate with nothing of it kept", rt, inv.Where())
		}
	}
	return nil
}

// manifestKinds reads the kinds of the objects in the manifests given
// with -f (a file, a folder of them as kubectl reads it: its .yaml, .yml
// and .json files, or standard input for -f -), bounded through the host.
func manifestKinds(inv *guard.Invocation, host guard.Host, p guard.Parsed) []string {
	var texts []string
	for _, f := range p.Values("f", "filename") {
		if f.Value == "-" {
			text, _ := guard.StdinText(inv)
			texts = append(texts, text)
			continue
		}
		path := inv.Path(f.Value)
		if path == "" {
			continue
		}
		if data, err := host.ReadFile(path, maxBodyFile); err == nil {
			texts = append(texts, string(data))
			continue
		}
		entries, _, err := host.ReadDir(path, maxManifestFiles)
		if err != nil {
			continue
		}
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".yaml", ".yml", ".json":
				if data, err := host.ReadFile(filepath.Join(path, e.Name()), maxBodyFile); err == nil {
					texts = append(texts, string(data))
				}
			}
		}
	}
	for _, k := range p.Values("k", "kustomize") {
		budget := maxManifestFiles
		texts = append(texts, kustomizationTexts(host, inv.Path(k.Value), 0, &budget)...)
	}
	var kinds []string
	for _, text := range texts {
		for _, line := range strings.Split(text, "\n") {
			line = strings.Replace(strings.TrimSpace(line), `"kind"`, "kind", 1) // JSON
			if kind, ok := strings.CutPrefix(line, "kind:"); ok {
				kinds = append(kinds, strings.Trim(strings.TrimSpace(kind), "\"',"))
			}
		}
	}
	return kinds
}

// kustomizationTexts reads the manifests a kustomization folder lists
// under resources: (files, and folders that are kustomizations of their
// own: an overlay and its base), bounded in depth and in files read.
func kustomizationTexts(host guard.Host, dir string, depth int, budget *int) []string {
	if dir == "" || depth > 4 || *budget <= 0 {
		return nil
	}
	var kust []byte
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if data, err := host.ReadFile(filepath.Join(dir, name), maxBodyFile); err == nil {
			kust = data
			break
		}
	}
	*budget--
	var texts []string
	inList := false
	for _, line := range strings.Split(string(kust), "\n") {
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "-") && strings.HasSuffix(trimmed, ":") {
			inList = trimmed == "resources:" || trimmed == "bases:"
			continue
		}
		item, ok := strings.CutPrefix(trimmed, "- ")
		if !inList || !ok || strings.Contains(item, "://") {
			continue
		}
		target := filepath.Join(dir, strings.Trim(strings.TrimSpace(item), "\"'"))
		if *budget <= 0 {
			break
		}
		if data, err := host.ReadFile(target, maxBodyFile); err == nil {
			*budget--
			texts = append(texts, string(data))
			continue
		}
		texts = append(texts, kustomizationTexts(host, target, depth+1, budget)...)
	}
	return texts
}

// maxManifestFiles bounds the files of a folder given to kubectl -f that
// guard reads.
const maxManifestFiles = 64

func anonVolumes(p guard.Parsed) string {
	if p.Has("v", "volumes") {
		return ", and -v deletes their anonymous volumes with the data in them"
	}
	return ""
}

// kubeKind names the kinds that carry data or other objects with them.
type kubeKind struct {
	name string
	loss string
	hint string
}

var kubeDataKinds = map[string]*kubeKind{
	"persistentvolume": {"PersistentVolume",
		"with reclaim policy Delete (the default for dynamically provisioned volumes) the disk behind it is deleted too",
		"check its reclaim policy first (kubectl get pv NAME -o jsonpath='{.spec.persistentVolumeReclaimPolicy}') and set Retain before deleting: kubectl patch pv NAME -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'"},
	"persistentvolumeclaim": {"PersistentVolumeClaim",
		"with reclaim policy Delete (the default for dynamically provisioned volumes) its volume and the data on it go too",
		"snapshot the volume first (VolumeSnapshot, or the provider's disk snapshot) and set its reclaim policy to Retain: kubectl patch pv $(kubectl get pvc NAME NSOPT -o jsonpath='{.spec.volumeName}') -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'"},
	"customresourcedefinition": {"CustomResourceDefinition",
		"every custom resource of that kind, in every namespace, is deleted with it",
		"list what would go first (kubectl get KIND -A) and back it up (kubectl get KIND -A -o yaml > KIND.yaml, or velero backup create)"},
	"node": {"node",
		"its pods are deleted and must be scheduled elsewhere, and it is out of the cluster until its kubelet registers again",
		"drain it first (kubectl drain NAME --ignore-daemonsets) and check capacity elsewhere (kubectl top nodes)"},
}

// kubeKindOf reads a kubectl resource word: pv, pvc/name, crd,
// persistentvolumeclaims.v1, customresourcedefinition.apiextensions.k8s.io/x.
func kubeKindOf(word string) (*kubeKind, string) {
	kind, name, _ := strings.Cut(strings.ToLower(word), "/")
	kind, _, _ = strings.Cut(kind, ".")
	switch kind {
	case "pv", "persistentvolume", "persistentvolumes":
		return kubeDataKinds["persistentvolume"], name
	case "pvc", "persistentvolumeclaim", "persistentvolumeclaims":
		return kubeDataKinds["persistentvolumeclaim"], name
	case "crd", "crds", "customresourcedefinition", "customresourcedefinitions":
		return kubeDataKinds["customresourcedefinition"], name
	case "no", "node", "nodes":
		return kubeDataKinds["node"], name
	}
	return nil, ""
}

func kubeContext(p guard.Parsed) string {
	if c, ok := p.Value("context"); ok {
		return "context " + c.Value
	}
	return "the current context"
}

func matchKubectlDeleteData(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, kubectlSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 1 || ops[0] != "delete" || rehearses(p) || p.Has("help", "h") || len(ops) < 2 && !p.Has("f", "filename", "k", "kustomize") {
		return nil
	}
	if p.Has("all", "A", "all-namespaces") {
		return nil // kubectl-delete-broad reports it
	}
	if p.Has("f", "filename", "k", "kustomize") {
		for _, k := range manifestKinds(inv, host, p) {
			if kind, _ := kubeKindOf(k); kind != nil {
				files := operandValues(append(p.Values("f", "filename"), p.Values("k", "kustomize")...))
				return guard.Found(guard.Confirm, "see what it names first: kubectl get -f "+files[0]+"; try it with --dry-run=server",
					"would delete the objects of %s in %s%s, among them a %s: %s", strings.Join(files, " "), kubeContext(p), inv.Where(), kind.name, kind.loss)
			}
		}
		return nil
	}
	var names []string
	var kind *kubeKind
	for _, group := range strings.Split(ops[1], ",") {
		k, name := kubeKindOf(group)
		if k == nil {
			continue
		}
		if kind == nil {
			kind = k
		}
		if name != "" {
			names = append(names, name)
		}
	}
	if kind == nil {
		return nil
	}
	if !strings.Contains(ops[1], "/") {
		names = append(names, ops[2:]...)
	} else {
		for _, o := range ops[2:] {
			if _, name := kubeKindOf(o); name != "" {
				names = append(names, name)
			}
		}
	}
	what := strings.Join(names, " ")
	if sel, ok := p.Value("l", "selector"); ok {
		what = "matching " + sel.Value
	}
	if what == "" {
		return nil // kubectl asks for a name
	}
	namespace := ""
	if kind.name == "PersistentVolumeClaim" {
		namespace = " (namespace of the current context)"
		if n, ok := p.Value("n", "namespace"); ok {
			namespace = " (namespace " + n.Value + ")"
		}
	}
	nsOpt := ""
	if n, ok := p.Value("n", "namespace"); ok {
		nsOpt = "-n " + n.Value
	}
	hint := strings.NewReplacer("NAME", firstWord(names, "NAME"), " NSOPT", " "+nsOpt).Replace(kind.hint)
	hint = strings.ReplaceAll(hint, "  ", " ") + "; try it with --dry-run=server"
	return guard.Found(guard.Confirm, hint, "would delete the %s %s%s in %s%s: %s", kind.name, what, namespace, kubeContext(p), inv.Where(), kind.loss)
}

// kubeLasting are the kinds a delete takes away until someone applies
// them again (a pod, a job or a replica set comes back by its
// controller, or is meant to go), with what their loss does; unknown
// says which are worth a word where guard cannot tell the environment.
var kubeLasting = map[string]struct {
	name, loss string
	unknown    bool
}{
	"deployment":  {"Deployment", "every pod of it stops, and the service is down until it is applied again", false},
	"statefulset": {"StatefulSet", "every pod of it stops (a database, a queue), down until it is applied again; its claims stay", true},
	"daemonset":   {"DaemonSet", "its pod on every node stops (logging, networking, monitoring agents)", false},
	"cronjob":     {"CronJob", "its schedule stops: backups or cleanups it runs no longer happen", false},
	"secret":      {"Secret", "the credentials in it are gone from the cluster, which keeps no copy: pods that mount it fail to start", true},
	"configmap":   {"ConfigMap", "pods that read it fail to start at their next restart", false},
	"service":     {"Service", "traffic to its pods stops", false},
	"ingress":     {"Ingress", "traffic from outside the cluster to it stops", false},
}

// kubeLastingKind names the kubeLasting kind of a word (sts,
// statefulsets.apps, secret/NAME).
func kubeLastingKind(word string) string {
	kind, _, _ := strings.Cut(strings.ToLower(word), "/")
	kind, _, _ = strings.Cut(kind, ".")
	switch kind {
	case "deploy", "deployments", "dc", "deploymentconfig", "deploymentconfigs":
		return "deployment"
	case "sts", "statefulsets":
		return "statefulset"
	case "ds", "daemonsets":
		return "daemonset"
	case "cj", "cronjobs":
		return "cronjob"
	case "secrets":
		return "secret"
	case "cm", "configmaps":
		return "configmap"
	case "svc", "services":
		return "service"
	case "ing", "ingresses":
		return "ingress"
	}
	if _, ok := kubeLasting[kind]; ok {
		return kind
	}
	return ""
}

// matchKubectlDeleteProduction: a delete that takes a service down or a
// credential away is routine in dev and an outage in production, so the
// environment decides: its name, on the line or in the kubeconfig.
func matchKubectlDeleteProduction(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, kubectlSpec)
	ops := operandValues(p.Operands)
	if len(ops) >= 1 && ops[0] == "apply" && p.Has("prune") && !rehearses(p) && !p.Has("help", "h") {
		return kubectlPrune(inv, host, p)
	}
	if len(ops) < 1 || ops[0] != "delete" || rehearses(p) || p.Has("help", "h") || p.Has("all", "A", "all-namespaces") {
		return nil // --all is kubectl-delete-broad's
	}
	ns, hasNS := p.Value("n", "namespace")
	ctx, hasCtx := p.Value("context")
	if hasNS && !ns.Known || hasCtx && !ctx.Known {
		return nil // a namespace guard cannot know: judged where it says it
	}
	if systemNamespace(strings.TrimPrefix(ns.Value, "=")) {
		return nil // kubectl-delete-broad's
	}
	where, env := kubeTarget(inv, host, strings.TrimPrefix(ns.Value, "="), ctx.Value)
	if env == kubeUnknown {
		// kubectl delete -k overlays/prod: the manifests say whose they are
		for _, f := range append(p.Values("f", "filename"), p.Values("k", "kustomize")...) {
			switch {
			case !f.Known:
			case isProduction(f.Value):
				where, env = where+" (with production's manifests, "+f.Value+")", kubeProduction
			case kubeScratchWords.MatchString(f.Value):
				env = kubeScratch // overlays/dev, k8s/staging/
			}
			if env != kubeUnknown {
				break
			}
		}
	}
	if env == kubeScratch {
		return nil
	}
	hint := "check where it lands first (kubectl config current-context; kubectl get … -n NS); save it: kubectl get KIND NAME -o yaml > saved.yaml; try it with --dry-run=server"
	decision := guard.Warn
	if env == kubeProduction {
		decision = guard.Confirm
	}
	if len(ops) < 2 {
		files := operandValues(append(p.Values("f", "filename"), p.Values("k", "kustomize")...))
		if len(files) == 0 {
			return nil
		}
		if !manifestFolder(inv, host, p) {
			if env != kubeProduction {
				return nil // one manifest, where guard cannot tell production
			}
			for _, k := range manifestKinds(inv, host, p) {
				if lasting := kubeLastingKind(k); lasting != "" {
					return guard.Found(guard.Confirm, "see what it names first: kubectl get -f "+files[0]+"; try it with --dry-run=server",
						"would delete the objects of %s in %s, production by its name%s, among them a %s: %s", strings.Join(files, " "), where, inv.Where(), kubeLasting[lasting].name, kubeLasting[lasting].loss)
				}
			}
			return nil
		}
		return guard.Found(decision, "see what it names first: kubectl get -f "+files[0]+"; delete the objects you mean by name; try it with --dry-run=server",
			"would delete every object the manifests of %s declare, in %s%s: the whole application they describe, its Secrets and ConfigMaps with it", strings.Join(files, " "), where, inv.Where())
	}
	var kinds, names []string
	words := ops[1:] // deploy/api svc/api
	if !strings.Contains(ops[1], "/") {
		words = strings.Split(ops[1], ",") // deploy,svc api
		names = append(names, ops[2:]...)
	}
	for _, word := range words {
		if k := kubeLastingKind(word); k != "" {
			kinds = append(kinds, k)
			if _, name, ok := strings.Cut(word, "/"); ok {
				names = append(names, name)
			}
		}
	}
	if len(kinds) == 0 || len(names) == 0 && !p.Has("l", "selector") {
		return nil // pods, jobs; or no name, which kubectl refuses
	}
	kind := kubeLasting[kinds[0]]
	if env == kubeUnknown && !kind.unknown {
		return nil
	}
	what := "the " + kind.name + " " + strings.Join(names, " ")
	switch sel, ok := p.Value("l", "selector"); {
	case ok:
		what = "every " + kind.name + " matching " + sel.Value
	case strings.Contains(ops[1], "/"):
		what = strings.Join(ops[1:], " ")
	}
	hint = strings.Replace(strings.Replace(hint, "KIND", kinds[0], 1), "NAME", firstWord(names, "NAME"), 1)
	if env == kubeUnknown {
		return guard.Found(guard.Warn, hint, "deletes %s in %s%s: %s", what, where, inv.Where(), kind.loss)
	}
	return guard.Found(guard.Confirm, hint, "would delete %s in %s, production by its name%s: %s", what, where, inv.Where(), kind.loss)
}

// manifestFolder: the delete reads a folder of manifests (-f DIR, -R) or
// a kustomization: every object an application declares, not one.
func manifestFolder(inv *guard.Invocation, host guard.Host, p guard.Parsed) bool {
	if p.Has("R", "recursive", "k", "kustomize") {
		return true
	}
	for _, f := range p.Values("f", "filename") {
		if !f.Known || f.Value == "-" || strings.Contains(f.Value, "://") {
			continue
		}
		if strings.HasSuffix(f.Value, "/") || f.Glob {
			return true
		}
		if info, err := host.Lstat(inv.Path(f.Value)); err == nil && info.IsDir() && inv.Remote == "" {
			return true
		}
	}
	return false
}

// rehearses: kubectl's and helm's --dry-run, --dry-run=client|server;
// --dry-run=none runs for real.
// kubectlPrune: kubectl apply --prune deletes, in the namespace, every
// object of the kinds it prunes (-l SELECTOR's, or --all of them) that the
// manifests given do not declare: a manifest left out of the folder, or a
// folder given by mistake, takes the live objects with it.
func kubectlPrune(inv *guard.Invocation, host guard.Host, p guard.Parsed) *guard.Finding {
	ns, _ := p.Value("n", "namespace")
	ctx, _ := p.Value("context")
	if !ns.Known && ns.Text != "" || !ctx.Known && ctx.Text != "" {
		return nil
	}
	where, env := kubeTarget(inv, host, strings.TrimPrefix(ns.Value, "="), ctx.Value)
	if env == kubeScratch {
		return nil
	}
	decision := guard.Warn
	if env == kubeProduction {
		decision = guard.Confirm
	}
	which := "every object of the kinds it prunes"
	if sel, ok := p.Value("l", "selector"); ok {
		which = "every object labelled " + strings.TrimPrefix(sel.Value, "=")
	}
	return guard.Found(decision, "see what it would delete first: kubectl apply --prune … --dry-run=server (or kubectl diff -f …); apply without --prune and delete what you mean by name",
		"would delete, in %s%s, %s that the manifests given do not declare: a manifest missing from them takes its live object, Secrets and volumes' claims included", where, inv.Where(), which)
}

func rehearses(p guard.Parsed) bool {
	if !p.Has("dry-run") {
		return false
	}
	v, ok := p.Value("dry-run")
	return !ok || v.Value != "none" && v.Value != "false"
}

var clusterToolSpecs = map[string]guard.OptSpec{
	"eksctl":   {ShortValue: "nrpf", LongValue: []string{"name", "region", "profile", "config-file", "cluster", "timeout", "color", "verbose"}},
	"kops":     {LongValue: []string{"name", "state", "config", "v"}},
	"kubeadm":  {LongValue: []string{"kubeconfig", "cri-socket", "cert-dir", "ignore-preflight-errors", "rootfs", "v"}},
	"argocd":   {ShortValue: "plNo", LongValue: []string{"server", "auth-token", "config", "context", "grpc-web-root-path", "project", "selector", "app-namespace", "propagation-policy", "output"}},
	"flux":     {ShortValue: "n", LongValue: []string{"namespace", "context", "kubeconfig", "timeout"}},
	"talosctl": {ShortValue: "ne", LongValue: []string{"nodes", "endpoints", "talosconfig", "context", "system-labels-to-wipe", "wipe-mode"}},
}

// matchClusterTeardown: each tool's one command that takes down the
// cluster it manages, or the node it runs on.
func matchClusterTeardown(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, clusterToolSpecs[inv.Program])
	if p.Has("help", "h") || rehearses(p) {
		return nil
	}
	ops := operandValues(p.Operands)
	verb := func(words ...string) bool {
		return len(ops) >= len(words) && slices.Equal(ops[:len(words)], words)
	}
	named := func(fallback string, opts ...string) string {
		if v, ok := p.Value(opts...); ok && v.Value != "" {
			return v.Value
		}
		if len(ops) > 2 {
			return ops[2]
		}
		return fallback
	}
	switch inv.Program {
	case "eksctl":
		if verb("delete", "cluster") {
			return guard.Found(guard.Confirm, "check the profile and region first (aws sts get-caller-identity; eksctl get cluster --region …); back up what runs in it (velero backup create)",
				"would delete the EKS cluster %s with its node groups: every workload on it stops, and volumes whose reclaim policy is Delete go with it", named("named in the config file", "n", "name", "f", "config-file"))
		}
		if verb("delete", "nodegroup") {
			return guard.Found(guard.Confirm, "scale it down or drain one node at a time first; check the cluster: eksctl get nodegroup --cluster …",
				"would delete the node group %s: its nodes are drained and terminated, and pods that cannot move elsewhere stop", named("named in the config file", "n", "name", "f", "config-file"))
		}
	case "kops":
		if verb("delete", "cluster") && p.Has("yes", "y") {
			return guard.Found(guard.Confirm, "run it without --yes first: kops lists what it would delete",
				"would delete the cluster %s and every cloud resource kops made for it (instances, volumes, load balancers, DNS records)", named("of the current kops state", "name"))
		}
	case "kubeadm":
		if verb("reset") {
			return guard.Found(guard.Confirm, "drain the node first (kubectl drain NODE) and, on a control-plane node, remove its etcd member and keep an etcd snapshot (etcdctl snapshot save)",
				"would tear this node out of its cluster: /etc/kubernetes and the kubelet's state are deleted, and on a control-plane node the local etcd data under /var/lib/etcd with them")
		}
	case "talosctl":
		if verb("reset") {
			return guard.Found(guard.Confirm, "check which node it talks to first (talosctl config info); on a control-plane node take an etcd snapshot first (talosctl etcd snapshot)",
				"would wipe %s: its system disk is erased and it leaves the cluster", named("the node the current talosconfig selects", "n", "nodes"))
		}
	case "k3s-uninstall.sh", "k3s-agent-uninstall.sh", "rke2-uninstall.sh":
		return guard.Found(guard.Confirm, "on a server node keep a copy of the datastore first (k3s etcd-snapshot save, or /var/lib/rancher/k3s/server/db)",
			"would uninstall %s from this node and delete /var/lib/rancher: on a server node the cluster's datastore goes with it", strings.TrimSuffix(inv.Program, "-uninstall.sh"))
	case "argocd":
		if (verb("app", "delete") || verb("appset", "delete")) && len(ops) > 2 {
			if c, ok := p.Value("cascade"); ok && strings.TrimPrefix(c.Value, "=") == "false" {
				return nil // only the Application object goes; what it deployed stays
			}
			return guard.Found(guard.Confirm, "to stop managing it but keep what runs: --cascade=false; see what it owns first: argocd app resources "+ops[2],
				"would delete the Argo CD application %s and, with it, every Kubernetes object it deployed", strings.Join(ops[2:], " "))
		}
	case "flux":
		if verb("uninstall") {
			return guard.Found(guard.Confirm, "to pause reconciliation instead: flux suspend kustomization --all; export the objects first: flux export source git --all > sources.yaml",
				"would remove Flux from the cluster: its controllers, its custom resource definitions and every Flux object (sources, kustomizations, Helm releases) go, and nothing reconciles the workloads any more")
		}
	}
	return nil
}

func firstWord(words []string, fallback string) string {
	if len(words) == 0 {
		return fallback
	}
	return words[0]
}

func matchKubectlDrainAll(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, kubectlSpec)
	if inv.Program == "oc" && len(p.Operands) > 0 && p.Operands[0].Value == "adm" {
		p.Operands = p.Operands[1:] // oc adm drain is kubectl drain
	}
	if len(p.Operands) == 0 || rehearses(p) || p.Has("help", "h") {
		return nil
	}
	switch p.Operands[0].Value {
	case "drain":
	case "taint":
		return matchTaintAll(inv, p)
	default:
		return nil
	}
	hint := "drain one node at a time and wait for its pods to be ready elsewhere (kubectl get pods -A -o wide --field-selector spec.nodeName=NODE); keep PodDisruptionBudgets on what must stay up"
	fromListing := fromKubeListing(inv, p.Operands[1:])
	switch {
	case fromListing:
		return guard.Found(guard.Confirm, hint, "would drain every node that kubectl lists in %s%s: every pod is evicted and nothing is left to run them", kubeContext(p), inv.Where())
	case p.Has("all"):
		return guard.Found(guard.Confirm, hint, "would drain every node of the cluster in %s%s (--all): every pod is evicted and nothing is left to run them", kubeContext(p), inv.Where())
	case p.Has("l", "selector"):
		sel, _ := p.Value("l", "selector")
		return guard.Found(guard.Confirm, hint, "would drain every node matching %s in %s%s at once: their pods are evicted together", sel.Value, kubeContext(p), inv.Where())
	case len(p.Operands) > 1 && p.Operands[1].Known && p.Operands[1].Value != "":
		// one node: routine maintenance, said once
		node := p.Operands[1].Value
		return guard.Found(guard.Warn, "kubectl uncordon "+node+" lets pods come back to it; check where they went: kubectl get pods -A -o wide --field-selector spec.nodeName="+node,
			"evicts every pod of the node %s in %s%s and cordons it: pods no controller owns are deleted (with --force), emptyDir data goes (with --delete-emptydir-data)", node, kubeContext(p), inv.Where())
	}
	return nil
}

// matchTaintAll: a NoExecute taint evicts at once every pod that does not
// tolerate it, so on every node (--all, a listing, a selector) it empties
// the cluster as draining every node does. A NoSchedule taint, or a taint
// taken off (KEY-), evicts nothing.
func matchTaintAll(inv *guard.Invocation, p guard.Parsed) *guard.Finding {
	taint := ""
	for _, o := range p.Operands[1:] {
		if o.Known && strings.HasSuffix(o.Value, ":NoExecute") {
			taint = o.Value
		}
	}
	if taint == "" {
		return nil
	}
	nodes := ""
	switch {
	case p.Has("all"):
		nodes = "every node of the cluster (--all)"
	case fromKubeListing(inv, p.Operands[1:]):
		nodes = "every node that kubectl lists"
	case p.Has("l", "selector"):
		sel, _ := p.Value("l", "selector")
		nodes = "every node matching " + sel.Value
	default:
		return nil
	}
	return guard.Found(guard.Confirm,
		"taint one node at a time, or use NoSchedule (it evicts nothing); to take it off: kubectl taint nodes --all "+strings.TrimSuffix(taint, ":NoExecute")+":NoExecute-",
		"would put the NoExecute taint %s on %s in %s%s: every pod that does not tolerate it is evicted at once and has nowhere to go", taint, nodes, kubeContext(p), inv.Where())
}

var helmSpec = guard.OptSpec{ShortValue: "n", LongValue: []string{"namespace", "kube-context", "kubeconfig", "kube-apiserver", "kube-as-user", "kube-token", "registry-config", "repository-cache", "repository-config", "timeout", "cascade", "description"}}

func matchHelmUninstall(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, helmSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 1 || rehearses(p) || p.Has("help", "h") {
		return nil
	}
	switch ops[0] {
	case "uninstall", "delete", "del", "un":
	default:
		return nil
	}
	namespace, nsOpt := "the current namespace", ""
	if n, ok := p.Value("n", "namespace"); ok {
		namespace, nsOpt = "namespace "+n.Value, " -n "+n.Value
	}
	context := "the current context"
	if c, ok := p.Value("kube-context"); ok {
		context = "context " + c.Value
	}
	n, _ := p.Value("n", "namespace")
	c, _ := p.Value("kube-context")
	decision := guard.Confirm
	if _, env := kubeTarget(inv, host, n.Value, c.Value); env == kubeScratch {
		decision = guard.Warn // a review app, dev or staging: routine, said once
	}
	if fromHelmListing(inv, p.Operands[1:]) {
		return guard.Found(guard.Confirm, "list them first (helm ls -a"+nsOpt+") and uninstall the releases you mean by name",
			"would uninstall every Helm release that helm itself lists in %s of %s%s: every object of every release goes, not one release", namespace, context, inv.Where())
	}
	release, name := strings.Join(ops[1:], " "), "RELEASE"
	switch {
	case len(ops) >= 2:
		name = ops[1]
	case inv.MoreOperands == "xargs":
		release = "that xargs reads"
	default:
		return nil
	}
	return guard.Found(decision,
		"see what goes first: helm get manifest "+name+nsOpt+"; keep its values: helm get values "+name+nsOpt+" > "+name+"-values.yaml; helm uninstall "+name+nsOpt+" --dry-run",
		"would delete every Kubernetes object of the Helm release %s in %s of %s%s: its service goes down; Secrets the chart generated (database passwords) go and a reinstall makes new ones that no longer open the data kept; claims the chart itself created go with their volumes",
		release, namespace, context, inv.Where())
}

func matchClusterStackRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "nomad" {
		return matchNomadStop(inv)
	}
	p := guard.ParseOptions(inv.Args, containerSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 2 || p.Has("help") {
		return nil
	}
	where := guard.HostName(inv, host)
	switch ops[0] + " " + ops[1] {
	case "stack rm", "stack remove", "stack down":
		if len(ops) < 3 {
			return nil
		}
		return guard.Found(guard.Confirm, "see what goes first: docker stack services "+ops[2]+"; docker stack deploy -c FILE "+ops[2]+" brings it back only if you still have its compose file",
			"would remove the swarm stack %s from the swarm of %s: every service, network, config and secret of it goes, and its tasks stop", strings.Join(ops[2:], " "), where)
	case "service rm", "service remove":
		if !listsContainers(inv, p.Operands[2:]) {
			return nil
		}
		return guard.Found(guard.Confirm, "list them first (docker service ls) and remove the services you mean by name; keep their definitions (docker service inspect NAME > NAME.json)",
			"would remove every service docker lists in the swarm of %s: every task of every service stops, and their definitions are gone", where)
	case "swarm leave":
		if !p.Has("f", "force") {
			return nil // docker refuses on a manager without --force
		}
		return guard.Found(guard.Confirm, "demote it first from another manager (docker node demote NAME), then leave; on the last manager, back up /var/lib/docker/swarm first",
			"would make %s leave the swarm by force: a manager's copy of the swarm's state goes (on the last manager: every service, secret and config of the swarm), and the quorum may be lost", where)
	}
	return nil
}

func matchNomadStop(inv *guard.Invocation) *guard.Finding {
	g := readGoFlags(inv.Args, "address", "region", "namespace", "token", "ca-cert", "client-cert", "client-key", "tls-server-name")
	ops := g.operands
	if len(ops) >= 1 && ops[0] == "stop" { // the old spelling of job stop
		ops = append([]string{"job"}, ops...)
	}
	_, help := g.flags["help"]
	_, shortHelp := g.flags["h"]
	if len(ops) < 3 || ops[0] != "job" || ops[1] != "stop" || help || shortHelp {
		return nil
	}
	job := strings.Join(ops[2:], " ")
	if _, purge := g.flags["purge"]; purge {
		return guard.Found(guard.Confirm, "stop it without -purge (nomad job stop "+ops[2]+") to keep its definition and history; save the spec first: nomad job inspect "+ops[2]+" > "+ops[2]+".json",
			"would stop the Nomad job %s and purge it: every allocation stops, and its definition and history are deleted from the cluster", job)
	}
	return guard.Found(guard.Warn, "nomad job status "+ops[2]+" shows what runs; nomad job run FILE starts it again",
		"stops every allocation of the Nomad job %s: its service is down until the job runs again", job)
}

// fromHelmListing: releases computed by helm itself ($(helm ls -q),
// helm ls -aq | xargs): every release, not one name.
func fromHelmListing(inv *guard.Invocation, operands []guard.Arg) bool {
	for _, o := range operands {
		if slices.Contains(o.Sources, "helm") && !o.FromOneLine() {
			return true
		}
	}
	if inv.MoreOperands == "xargs" && !guard.OneLineInput(inv) {
		for _, up := range inv.Stdin {
			if up.Program == "helm" {
				return true
			}
		}
	}
	return false
}

func matchIaCDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	switch inv.Program {
	case "pulumi":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "sCmpc", LongValue: []string{"stack", "cwd", "message", "parallel", "target", "exclude", "config-file", "color", "tracing", "profiling", "verbose", "secrets-provider"}})
		ops := operandValues(p.Operands)
		if len(ops) == 0 || p.Has("help", "h", "preview-only") {
			return nil
		}
		stack := "the selected stack (pulumi stack --show-name)"
		if s, ok := p.Value("s", "stack"); ok {
			stack = s.Value
		}
		if len(ops) >= 2 && ops[0] == "stack" && ops[1] == "rm" {
			if len(ops) >= 3 {
				stack = ops[2]
			}
			force := ""
			if p.Has("f", "force") {
				force = "; with --force even while it still has resources, which then nothing manages"
			}
			return guard.Found(guard.Confirm, "check it is empty first: pulumi stack --stack "+firstField(stack)+"; export its state: pulumi stack export --stack "+firstField(stack)+" > state.json",
				"would remove the Pulumi stack %s with its state, configuration and history%s", stack, force)
		}
		if ops[0] != "destroy" && ops[0] != "down" {
			return nil
		}
		remove := ""
		if p.Has("remove") {
			remove = ", and then remove the stack itself"
		}
		what := "every resource"
		if p.Has("target") {
			what = "the targeted resources (and, with --target-dependents, what depends on them)"
		}
		return guard.Found(guard.Confirm, "look at the plan first: pulumi destroy --preview-only --stack "+firstField(stack)+"; check where you are: pulumi stack ls",
			"would destroy %s of the Pulumi stack %s%s%s", what, stack, remove, inv.Where())
	case "cdk", "cdktf":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "ac", LongValue: []string{"app", "context", "profile", "output", "role-arn", "plugin", "toolkit-stack-name", "ca-bundle-path", "exclusively"}})
		ops := operandValues(p.Operands)
		if len(ops) == 0 || ops[0] != "destroy" || p.Has("help", "h") {
			return nil
		}
		stacks := strings.Join(ops[1:], " ")
		if p.Has("all") || stacks == "" {
			stacks = "every stack of the app"
		}
		profile := ""
		if pr, ok := p.Value("profile"); ok {
			profile = " (profile " + pr.Value + ")"
		}
		return guard.Found(guard.Confirm, "see what each stack holds first: "+inv.Program+" diff, "+inv.Program+" list; resources with a Retain removal policy are the ones that survive",
			"would destroy %s%s and every resource it manages, except those with a Retain removal policy%s", stacks, profile, inv.Where())
	case "terragrunt":
		return matchTerragruntAll(inv)
	case "serverless", "sls":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "srca", LongValue: []string{"stage", "region", "config", "aws-profile", "app", "org"}})
		ops := operandValues(p.Operands)
		if len(ops) == 0 || ops[0] != "remove" || p.Has("help", "h") {
			return nil
		}
		stage := "dev (the default stage)"
		if s, ok := p.Value("s", "stage"); ok {
			stage = s.Value
		}
		return guard.Found(guard.Confirm, "check the stage first: "+inv.Program+" info --stage "+firstField(stage)+"; set DeletionPolicy: Retain on tables and buckets that must survive",
			"would delete the stage %s of this Serverless service: its CloudFormation stack and every function, table and bucket it created without a Retain policy%s", stage, inv.Where())
	}
	return nil
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// matchTerragruntAll: the destroys that walk every module under the
// folder. `terragrunt destroy` in one module is terraform-destroy's.
func matchTerragruntAll(inv *guard.Invocation) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"working-dir", "terragrunt-working-dir", "config", "terragrunt-config", "queue-include-dir", "queue-exclude-dir", "terragrunt-include-dir", "terragrunt-exclude-dir", "parallelism", "tf-path", "log-level"}})
	ops := operandValues(p.Operands)
	if len(ops) == 0 || p.Has("help", "h") {
		return nil
	}
	destroys := false
	everyModule := false
	switch ops[0] {
	case "destroy-all", "tear-down":
		destroys, everyModule = true, true
	case "run-all", "run", "stack":
		rest := ops[1:]
		if ops[0] == "stack" {
			if len(rest) == 0 || rest[0] != "run" {
				return nil
			}
			rest = rest[1:]
		}
		everyModule = ops[0] != "run" || p.Has("all")
		for _, w := range rest {
			if w == "destroy" {
				destroys = true
			}
			if w == "apply" && (slices.Contains(inv.Values(), "-destroy") || slices.Contains(inv.Values(), "--destroy")) {
				destroys = true
			}
		}
	}
	if !destroys {
		return nil
	}
	dir := inv.Cwd
	if d, ok := p.Value("working-dir", "terragrunt-working-dir"); ok {
		dir = d.Value
	}
	if dir == "" {
		dir = "the current folder"
	}
	hint := "look at the plan first: terragrunt run --all plan -destroy (older: terragrunt run-all plan -destroy); limit it with --queue-include-dir"
	if !everyModule {
		return guard.Found(guard.Confirm, hint, "would destroy every resource of the Terragrunt module in %s%s", dir, inv.Where())
	}
	return guard.Found(guard.Confirm, hint, "would destroy every resource of every Terragrunt module under %s%s (it walks the whole folder tree)", dir, inv.Where())
}

// matchKubectlScaleZero: kubectl scale --replicas=0 stops every pod of the
// workloads it names; scaling back needs the old count, which nothing
// keeps. Other counts pass: the workload keeps running.
func matchKubectlScaleZero(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, kubectlScaleSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 1 || rehearses(p) || p.Has("help", "h") {
		return nil
	}
	switch ops[0] {
	case "scale":
		replicas, ok := p.Value("replicas")
		if !ok || !replicas.Known || strings.TrimLeft(replicas.Value, "0") != "" || replicas.Value == "" {
			return nil
		}
	case "patch":
		// kubectl patch deploy api -p '{"spec":{"replicas":0}}' is the same
		// scale to zero, in any of the patch types.
		patch, ok := p.Value("p", "patch")
		if !ok || !patch.Known || !patchScalesToZero(patch.Value) {
			return nil
		}
	default:
		return nil
	}
	what := strings.Join(ops[1:], " ")
	switch {
	case p.Has("all"):
		what = "every " + firstWord(ops[1:], "workload")
	case fromKubeListing(inv, p.Operands[1:]):
		what = "every workload kubectl lists"
	case p.Has("l", "selector"):
		sel, _ := p.Value("l", "selector")
		what = "every " + firstWord(ops[1:], "workload") + " matching " + sel.Value
	case p.Has("f", "filename"):
		what = "the workloads of " + strings.Join(operandValues(p.Values("f", "filename")), " ")
	case what == "":
		return nil // kubectl asks for a name
	}
	namespace := "the current namespace"
	if n, ok := p.Value("n", "namespace"); ok {
		namespace = "namespace " + n.Value
	}
	target := firstWord(ops[1:], "deploy/NAME")
	return guard.Found(guard.Confirm,
		"write down the count first (kubectl get "+target+" -o jsonpath='{.spec.replicas}') and check the context (kubectl config current-context); to stop it for a while, scale to the count you will restore",
		"would stop every pod of %s in %s of %s%s: the service is down until it is scaled up again, and the old replica count is not kept anywhere", what, namespace, kubeContext(p), inv.Where())
}

var kubectlScaleSpec = guard.OptSpec{
	ShortValue: kubectlSpec.ShortValue + "p",
	LongValue:  append([]string{"replicas", "current-replicas", "resource-version", "patch", "type", "patch-file", "subresource", "field-manager"}, kubectlSpec.LongValue...),
}

// replicasZero: "replicas": 0 in a merge or strategic patch, JSON or
// YAML (kubectl takes both).
var replicasZero = lazyre.New(`(^|[{,\s])"?replicas"?\s*:\s*"?0+"?\s*($|[},\s])`)

// replicasPath: a JSON patch operation on /spec/replicas.
var replicasPath = lazyre.New(`"path"\s*:\s*"/spec/replicas"`)

// replicasValueZero: the value 0 of a JSON patch operation.
var replicasValueZero = lazyre.New(`"value"\s*:\s*"?0+"?\s*($|[},])`)

// patchScalesToZero reports whether a kubectl patch sets the replica count
// to zero: {"spec":{"replicas":0}}, spec: {replicas: 0}, or the JSON patch
// [{"op":"replace","path":"/spec/replicas","value":0}].
func patchScalesToZero(patch string) bool {
	if replicasZero.MatchString(patch) {
		return true
	}
	for _, op := range strings.Split(patch, "}") {
		if replicasPath.MatchString(op) && replicasValueZero.MatchString(op+"}") {
			return true
		}
	}
	return false
}
