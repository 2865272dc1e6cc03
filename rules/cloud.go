package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// The cloud family: provider CLIs deleting what holds data or serves
// traffic (instances, databases, clusters, buckets, stacks, DNS zones,
// registries, secrets, keys), and recursive removal of objects from
// object storage. Each CLI's line is read the way the CLI reads it
// (global options before the service, values after options), the verb
// and the resource kind are found, and the kind says what is lost and
// what the safe path is.
func cloudRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "cloud-resource-delete",
			Programs:   []string{"aws", "gcloud", "az", "doctl", "hcloud", "linode-cli", "linode", "oci", "openstack", "scw", "exo"},
			Decision:   guard.Confirm,
			Summary:    "aws, gcloud, az, doctl, hcloud, linode-cli, oci, openstack, scw or exo deleting or terminating an instance, database, cluster, bucket, stack, DNS zone, registry, secret, key, volume, identity (user, role, service account, access key), function or service, certificate, or network, subnet, gateway or load balancer",
			Postmortem: "cloud resources deleted from a shell pointed at the wrong account or project (the 2014 Code Spaces shutdown: instances, backups and buckets deleted through the provider's API in one evening)",
			Match:      matchCloudDelete,
		},
		{
			ID:         "object-storage-purge",
			Programs:   []string{"aws", "gsutil", "gcloud", "az", "azcopy", "mc", "mcli", "s3cmd", "oci", "linode-cli", "linode"},
			Decision:   guard.Confirm,
			Summary:    "recursive removal from object storage (aws s3 rm --recursive, s3 rb --force, gsutil rm -r, gcloud storage rm -r, az storage blob delete-batch, mc rm -r --force, mc rb --force), or a sync with deletes from an empty source",
			Postmortem: "buckets emptied by a recursive delete with the wrong prefix; without versioning there is no undo",
			Match:      matchObjectPurge,
		},
	}
}

// cloudCLI says how to read one provider's command line.
type cloudCLI struct {
	// valueOpts are the long options (without --) that take a value; the
	// short ones are in shortValue.
	valueOpts  []string
	shortValue string
	// compoundOp: the operation is one word, verb and noun joined
	// (aws ec2 terminate-instances) rather than a path of words
	// (gcloud compute instances delete).
	compoundOp bool
	// listValues: an option's value runs over every word up to the next
	// option (aws --instance-ids i-1 i-2).
	listValues bool
	// scope lists the options and environment variables that say which
	// account, project or region the command acts in.
	scope []cloudScope
	// show is the read-only verb that describes the same resource.
	show string
	// nameOpts are short options that name the resource (az -n).
	nameOpts []string
	// defaultScope is where the command acts when the line does not say.
	defaultScope string
}

type cloudScope struct {
	label string
	opts  []string // long (or one-letter short) option names
	env   string
}

var cloudCLIs = map[string]*cloudCLI{
	"aws": {
		defaultScope: "the profile this shell selects (no --profile on the line: AWS_PROFILE, else default)",
		valueOpts:    []string{"profile", "region", "output", "endpoint-url", "query", "color", "ca-bundle", "cli-read-timeout", "cli-connect-timeout", "cli-binary-format"},
		compoundOp:   true, listValues: true,
		scope: []cloudScope{{"profile", []string{"profile"}, "AWS_PROFILE"}, {"region", []string{"region"}, "AWS_REGION"}},
	},
	"gcloud": {
		defaultScope: "the project of the active gcloud configuration (no --project on the line)",
		valueOpts: []string{"project", "account", "configuration", "verbosity", "format", "impersonate-service-account", "billing-project",
			"flags-file", "flatten", "trace-token", "zone", "region", "location", "filter", "limit", "sort-by", "page-size",
			"instance", "database", "cluster", "keyring", "key", "delete-disks", "keep-disks", "bucket"},
		scope: []cloudScope{{"project", []string{"project"}, "CLOUDSDK_CORE_PROJECT"}},
		show:  "describe",
	},
	"az": {
		defaultScope: "the current az subscription",
		valueOpts: []string{"subscription", "output", "query", "resource-group", "name", "location", "server", "account-name",
			"account-key", "connection-string", "sas-token", "vault-name", "workspace-name", "ids", "cluster-name", "registry", "zone-name"},
		shortValue: "gnlos",
		nameOpts:   []string{"n"},
		scope:      []cloudScope{{"subscription", []string{"subscription"}, "AZURE_SUBSCRIPTION_ID"}, {"resource group", []string{"resource-group", "g"}, ""}},
		show:       "show",
	},
	"doctl": {
		defaultScope: "the current doctl context",
		valueOpts:    []string{"access-token", "api-url", "config", "context", "output", "format", "http-retry-max", "http-retry-wait-max", "http-retry-wait-min", "tag-name"},
		shortValue:   "tuco",
		scope:        []cloudScope{{"context", []string{"context"}, "DIGITALOCEAN_CONTEXT"}},
		show:         "get",
	},
	"hcloud": {
		defaultScope: "the active hcloud context",
		valueOpts:    []string{"context", "config", "endpoint", "poll-interval", "output"},
		shortValue:   "o",
		scope:        []cloudScope{{"context", []string{"context"}, "HCLOUD_CONTEXT"}},
		show:         "describe",
	},
	"linode-cli": {
		defaultScope: "the configured Linode account",
		valueOpts:    []string{"as-user", "format", "delimiter", "page", "page-size", "config-url"},
		show:         "view",
	},
	"openstack": {
		defaultScope: "the cloud this shell selects (no --os-cloud on the line: OS_CLOUD, else the OS_* variables)",
		valueOpts: []string{"os-cloud", "os-project-name", "os-project-id", "os-region-name", "os-auth-url", "os-username", "os-password",
			"os-user-domain-name", "os-project-domain-name", "os-interface", "os-identity-api-version", "format", "column", "max-width", "fit-width", "log-file"},
		shortValue: "fc",
		scope:      []cloudScope{{"cloud", []string{"os-cloud"}, "OS_CLOUD"}, {"project", []string{"os-project-name"}, "OS_PROJECT_NAME"}},
		show:       "show",
	},
	"scw": {
		defaultScope: "the active scw profile",
		valueOpts:    []string{"profile", "config", "output"},
		shortValue:   "pco",
		scope:        []cloudScope{{"profile", []string{"profile", "p"}, "SCW_PROFILE"}},
		show:         "get",
	},
	"exo": {
		defaultScope: "the default exo account",
		valueOpts:    []string{"use-account", "config", "output-format", "output-template", "zone"},
		shortValue:   "AOCz",
		scope:        []cloudScope{{"account", []string{"use-account", "A"}, "EXOSCALE_ACCOUNT"}},
		show:         "show",
	},
	"oci": {
		defaultScope: "the profile this shell selects (no --profile on the line: OCI_CLI_PROFILE, else DEFAULT)",
		valueOpts: []string{"profile", "region", "config-file", "auth", "output", "query", "endpoint", "cert-bundle",
			"connection-timeout", "read-timeout", "max-retries", "from-json", "defaults-file"},
		scope: []cloudScope{{"profile", []string{"profile"}, "OCI_CLI_PROFILE"}, {"region", []string{"region"}, "OCI_CLI_REGION"}},
		show:  "get",
	},
}

// cloudLine is a cloud CLI's line once read: the words that are not
// options (service path, verb, positional names) and each option's values.
type cloudLine struct {
	cli    *cloudCLI
	words  []string
	opts   map[string][]string
	unread bool // an option or word could not be known
}

// readCloudLine reads args the way the CLI does. An option whose name
// says it names a resource (--instance-ids, --db-instance-identifier,
// --bucket-name) is read with its value even when the table does not
// list it, so the message can name what would go.
func readCloudLine(cli *cloudCLI, args []guard.Arg) cloudLine {
	l := cloudLine{cli: cli, opts: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Known {
			l.unread = true
		}
		switch {
		case v == "--":
			for _, rest := range args[i+1:] {
				l.words = append(l.words, rest.Value)
			}
			return l
		case strings.HasPrefix(v, "--") && len(v) > 2:
			name, value, hasValue := strings.Cut(v[2:], "=")
			if hasValue {
				l.opts[name] = append(l.opts[name], value)
				continue
			}
			l.opts[name] = append(l.opts[name], "")
			if !slices.Contains(cli.valueOpts, name) && !namesResource(name) {
				continue
			}
			// aws lists take every word up to the next option, but only
			// after the operation: before it, the service and operation
			// are words of their own.
			list := cli.listValues && len(l.words) >= 2
			for i+1 < len(args) && (!strings.HasPrefix(args[i+1].Value, "-") || !args[i+1].Known) {
				i++
				l.opts[name] = append(l.opts[name], shownValue(args[i]))
				if !list {
					break
				}
			}
		case strings.HasPrefix(v, "-") && len(v) > 1:
			for j := 1; j < len(v); j++ {
				name := v[j : j+1]
				if !strings.Contains(cli.shortValue, name) {
					l.opts[name] = append(l.opts[name], "")
					continue
				}
				value := v[j+1:]
				if value == "" && i+1 < len(args) {
					i++
					value = args[i].Value
				}
				l.opts[name] = append(l.opts[name], value)
				break
			}
		default:
			l.words = append(l.words, shownValue(a))
		}
	}
	return l
}

// shownValue is a word's value, or, when it cannot be known, the word as
// written ($(aws ec2 describe-instances …)), so that a message names
// where the resources come from.
func shownValue(a guard.Arg) string {
	if a.Known {
		return a.Value
	}
	return a.Text
}

func (l cloudLine) has(names ...string) bool {
	for _, n := range names {
		if _, ok := l.opts[n]; ok {
			return true
		}
	}
	return false
}

// values returns the non-empty values of the named options.
func (l cloudLine) values(names ...string) []string {
	var out []string
	for _, n := range names {
		for _, v := range l.opts[n] {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// asksForHelp: `aws ec2 terminate-instances help`, `gcloud … --help`.
func (l cloudLine) asksForHelp() bool {
	return l.has("help", "h") || slices.Contains(l.words, "help")
}

// namesResource tells the options whose value is the resource acted on:
// --instance-ids, --db-instance-identifier, --bucket-name, --key-id.
func namesResource(opt string) bool {
	if strings.HasPrefix(opt, "final-") || strings.HasPrefix(opt, "kms-") || strings.HasPrefix(opt, "source-") {
		return false
	}
	switch opt {
	case "name", "names", "ids", "id", "bucket", "cluster", "stack-name":
		return true
	}
	for _, suffix := range []string{"-id", "-ids", "-name", "-names", "-identifier", "-arn", "-or-id"} {
		if strings.HasSuffix(opt, suffix) {
			return true
		}
	}
	return false
}

// cloudCall is what a cloud command would do: verb on a resource kind.
type cloudCall struct {
	cli     string
	service []string // the command path before the resource: ["ec2"], ["sql"]
	noun    []string // the resource words: ["instances"], ["db", "instance"]
	verb    string   // delete, terminate, destroy, purge, schedule-deletion
	// verbWord is the verb as typed when it is a word of its own
	// (doctl … rm); "" when it is folded into another word.
	verbWord string
	names    []string // the resources named on the line
}

// destructiveVerb tells a verb word of a path-style CLI (gcloud, az,
// doctl, hcloud, linode-cli, oci) and returns the resource words folded
// into it (linode-cli lke cluster-delete, oci … schedule-secret-deletion).
func destructiveVerb(cli, word string) (verb string, noun []string, ok bool) {
	switch word {
	case "delete", "destroy", "terminate", "purge":
		return word, nil, true
	case "rm", "del", "d":
		if cli == "doctl" {
			return "delete", nil, true
		}
	}
	if rest, found := strings.CutSuffix(word, "-delete"); found && cli == "linode-cli" {
		return "delete", strings.Split(rest, "-"), true
	}
	if strings.HasPrefix(word, "schedule-") && strings.HasSuffix(word, "-deletion") || word == "schedule-deletion" {
		middle := strings.TrimSuffix(strings.TrimPrefix(word, "schedule-"), "deletion")
		return "schedule the deletion of", strings.FieldsFunc(middle, func(r rune) bool { return r == '-' }), true
	}
	return "", nil, false
}

// readCloudCall finds the destructive verb and the resource in a line.
func readCloudCall(cli string, l cloudLine) (cloudCall, bool) {
	c := cloudCall{cli: cli}
	if l.cli.compoundOp {
		if len(l.words) < 2 {
			return c, false
		}
		c.service = l.words[:1]
		op := l.words[1]
		switch {
		case strings.HasPrefix(op, "terminate-"):
			c.verb, c.noun = "terminate", strings.Split(strings.TrimPrefix(op, "terminate-"), "-")
		case op == "schedule-key-deletion":
			c.verb, c.noun = "schedule the deletion of", []string{"key"}
		case op == "close-account":
			c.verb, c.noun = "close", []string{"account"}
		case op == "purge-queue":
			c.verb, c.noun = "purge", []string{"queue"}
		case strings.HasPrefix(op, "delete-"):
			c.verb, c.noun = "delete", strings.Split(strings.TrimPrefix(op, "delete-"), "-")
		case strings.HasPrefix(op, "batch-delete-"):
			c.verb, c.noun = "delete", strings.Split(strings.TrimPrefix(op, "batch-delete-"), "-")
		default:
			return c, false
		}
		for _, name := range sortedKeys(l.opts) { // the same message every time
			if namesResource(name) {
				c.names = append(c.names, nonEmpty(l.opts[name])...)
			}
		}
		return c, true
	}
	for i, w := range l.words {
		verb, folded, ok := destructiveVerb(cli, w)
		if !ok || i == 0 {
			continue
		}
		c.verb = verb
		if len(folded) == 0 {
			c.verbWord = w
		}
		if len(folded) > 0 {
			c.service, c.noun = l.words[:i], folded
		} else {
			c.service, c.noun = l.words[:i-1], strings.Split(l.words[i-1], "-")
		}
		c.names = append(c.names, l.words[i+1:]...)
		for _, name := range sortedKeys(l.opts) {
			if namesResource(name) || slices.Contains(l.cli.nameOpts, name) {
				c.names = append(c.names, nonEmpty(l.opts[name])...)
			}
		}
		return c, true
	}
	return c, false
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func nonEmpty(values []string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// cloudKind is what a kind of resource holds: what is lost with it and
// the safe path.
type cloudKind struct {
	name string
	loss string
	safe string
}

var (
	kindInstance = &cloudKind{"instance",
		"its local disks, and attached volumes set to be deleted with it, go too; there is no undo",
		"stop it instead if you only want it off, and turn on termination or deletion protection on what must stay"}
	kindDatabase = &cloudKind{"database",
		"its data goes with it, and its automated backups unless they are kept; there is no undo",
		"take a final snapshot or an export first, and turn on deletion protection on databases that must stay"}
	kindCluster = &cloudKind{"cluster",
		"every workload, volume and secret in it goes with it",
		"back up what runs in it first (velero backup create, snapshots of its volumes) and turn on deletion protection where the provider has it"}
	kindBucket = &cloudKind{"bucket or storage account",
		"every object in it goes with it; without versioning or object lock there is no undo",
		"copy what you need first (aws s3 sync, gcloud storage rsync, azcopy copy) and keep versioning and object lock on storage that must survive"}
	kindStack = &cloudKind{"stack or resource group",
		"every resource it holds is deleted with it",
		"list what it holds first (aws cloudformation list-stack-resources, az resource list -g NAME) and protect what must survive (termination protection, DeletionPolicy: Retain, az lock create)"}
	kindProject = &cloudKind{"project",
		"every resource in it is shut down at once, and deleted for good after the recovery period",
		"list what runs in it first (gcloud asset search-all-resources --scope=projects/NAME); gcloud projects undelete brings it back within the recovery period"}
	kindZone = &cloudKind{"DNS zone",
		"every record in it goes with it, and the names under it stop resolving",
		"export the records first (aws route53 list-resource-record-sets, gcloud dns record-sets export, az network dns zone export)"}
	kindRegistry = &cloudKind{"registry or repository",
		"everything stored in it goes with it: deployments that pull from it fail",
		"copy what you need first (crane copy, skopeo copy, git clone --mirror) and check that nothing still pulls from it"}
	kindSecret = &cloudKind{"secret or key vault",
		"the values are gone for good: nothing can read them again",
		"copy the value somewhere safe first, and delete with a recovery window rather than at once (aws secretsmanager: --recovery-window-in-days 30; az keyvault: delete without purge)"}
	kindKey = &cloudKind{"encryption key",
		"data encrypted under it can never be decrypted again once the deletion happens",
		"disable the key instead (aws kms disable-key, gcloud kms keys versions disable) and watch for failures first; aws kms cancel-key-deletion undoes a schedule inside its window"}
	kindVolume = &cloudKind{"volume, disk or image",
		"its data goes with it; there is no undo",
		"snapshot it first (aws ec2 create-snapshot, gcloud compute disks snapshot, az snapshot create)"}
	kindBackup = &cloudKind{"snapshot or backup",
		"this is a backup: once deleted it can restore nothing",
		"keep it until a newer backup has been restored and checked; list what else exists first"}
	kindQueue = &cloudKind{"queue, topic or stream",
		"the messages in it are lost, and producers and consumers start failing",
		"drain or copy the messages first, and check that nothing still produces to it"}
	kindLogs = &cloudKind{"log group",
		"its log history goes with it",
		"export it first (aws logs create-export-task)"}
	kindIdentity = &cloudKind{"identity (user, role, service account or its credentials)",
		"whatever signs in or runs as it fails at once, and a new one of the same name is a different identity: policies and trust relations that named it by id do not come back",
		"disable it first and watch for failures (aws iam update-access-key --status Inactive, gcloud iam service-accounts disable, az ad user update --account-enabled false); gcloud service accounts and Entra ID objects can be undeleted for 30 days"}
	kindFunction = &cloudKind{"function, service or API",
		"its code, configuration and address go with it: whatever calls it fails, and a new one gets a new address; there is no undo",
		"save its code and configuration first (aws lambda get-function, gcloud functions describe, az webapp config show) and check that nothing still calls it"}
	kindCertificate = &cloudKind{"certificate",
		"the certificate and its private key go (a managed key cannot be exported back); whatever serves it stops answering TLS",
		"check that nothing uses it first (aws acm describe-certificate: InUseBy) and keep the replacement in place before deleting"}
	kindNetwork = &cloudKind{"network, subnet, gateway or load balancer",
		"whatever is reached through it loses its connectivity (instances in it, peered networks, VPN sites, the addresses clients use), and it comes back only as a new one with new ids and addresses; providers refuse some of these while resources remain in them",
		"list what uses it first (aws ec2 describe-network-interfaces --filters Name=vpc-id,Values=ID, gcloud compute instances list --filter=network:NAME, az network vnet show) and save its configuration"}
	kindAccount = &cloudKind{"account",
		"every resource in it stops, and it is deleted for good after the provider's recovery period",
		"list what runs in it first; an AWS account can be reopened through Support within 90 days"}
)

// cloudHeads maps the head noun of a resource to its kind.
var cloudHeads = map[string]*cloudKind{
	"instance": kindInstance, "server": kindInstance, "droplet": kindInstance, "linode": kindInstance,
	"vm": kindInstance, "vmss": kindInstance, "machine": kindInstance,
	"database": kindDatabase, "db": kindDatabase, "table": kindDatabase, "keyspace": kindDatabase,
	"cosmosdb": kindDatabase, "redis": kindDatabase, "mysql": kindDatabase, "postgresql": kindDatabase,
	"postgres": kindDatabase, "mongodb": kindDatabase, "dbaas": kindDatabase,
	"cluster": kindCluster, "aks": kindCluster,
	"bucket": kindBucket,
	"stack":  kindStack, "project": kindProject,
	"zone": kindZone, "domain": kindZone,
	"repository": kindRegistry, "registry": kindRegistry, "acr": kindRegistry, "repo": kindRegistry,
	"secret": kindSecret, "keyvault": kindSecret, "vault": kindSecret,
	"key":    kindKey,
	"volume": kindVolume, "disk": kindVolume, "image": kindVolume, "filesystem": kindVolume,
	"snapshot": kindBackup, "backup": kindBackup,
	"queue": kindQueue, "topic": kindQueue, "stream": kindQueue, "subscription": kindQueue,
	"vpc": kindNetwork, "network": kindNetwork, "vnet": kindNetwork, "subnet": kindNetwork, "subnetwork": kindNetwork,
	"gateway": kindNetwork, "router": kindNetwork, "balancer": kindNetwork, "loadbalancer": kindNetwork, "lb": kindNetwork,
}

// dataServiceWords mark a service or noun as a database even when the
// head noun is generic (gcloud sql instances, aws rds delete-db-cluster,
// az postgres flexible-server, aws opensearch delete-domain).
var dataServiceWords = map[string]bool{
	"sql": true, "rds": true, "db": true, "database": true, "spanner": true, "bigtable": true, "alloydb": true,
	"redis": true, "memcache": true, "elasticache": true, "memorydb": true, "redshift": true, "docdb": true,
	"neptune": true, "opensearch": true, "es": true, "elasticsearch": true, "postgres": true, "mysql": true,
	"mariadb": true, "cosmosdb": true, "dynamodb": true, "firestore": true, "cassandra": true, "keyspaces": true,
	"databases": true, "mongodb": true, "rdb": true, "dbaas": true, "trove": true,
}

// fileServiceWords mark file servers (a filestore instance is a volume).
var fileServiceWords = map[string]bool{"filestore": true, "efs": true, "fsx": true, "netapp": true}

func singular(w string) string {
	switch {
	case strings.HasSuffix(w, "ies"):
		return strings.TrimSuffix(w, "ies") + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "aas"): // dbaas
		return w
	case strings.HasSuffix(w, "s") && len(w) > 3:
		return strings.TrimSuffix(w, "s")
	}
	return w
}

// kindOf classifies the resource of a call, or returns nil for resources
// that hold no data (tags, alarms, security groups, IAM users).
func kindOf(c cloudCall) *cloudKind {
	var all []string
	for _, w := range c.service {
		all = append(all, strings.Split(strings.ToLower(w), "-")...)
	}
	var noun []string
	for _, w := range c.noun {
		noun = append(noun, singular(strings.ToLower(w)))
	}
	all = append(all, noun...)
	if len(noun) == 0 {
		return nil
	}
	if c.verb == "schedule the deletion of" && slices.Contains(noun, "key") {
		return kindKey
	}
	for _, w := range noun {
		if w == "snapshot" || w == "backup" {
			return kindBackup
		}
	}
	if len(c.service) > 0 && c.service[0] == "backup" {
		return kindBackup // aws backup delete-recovery-point
	}
	head := noun[len(noun)-1]
	if len(noun) >= 2 && noun[len(noun)-2] == "file" && head == "system" {
		head = "filesystem"
	}
	if len(noun) >= 2 && noun[len(noun)-2] == "log" && head == "group" {
		return kindLogs
	}
	if kind := identityKind(all, noun, head); kind != nil {
		return kind
	}
	kind := cloudHeads[head]
	hasWord := func(set map[string]bool) bool {
		for _, w := range all {
			if set[w] || set[singular(w)] {
				return true
			}
		}
		return false
	}
	switch {
	case head == "group" && len(noun) == 1 && len(c.service) == 0:
		return kindStack // az group delete: the resource group and all in it
	case (head == "account" || head == "container" || head == "share") && slices.Contains(all, "storage"):
		return kindBucket
	case head == "key" || head == "version":
		if slices.Contains(all, "kms") || slices.Contains(all, "keyvault") {
			return kindKey
		}
		if head == "key" && len(noun) == 1 {
			return kindKey
		}
		if head == "version" && slices.Contains(all, "secrets") {
			return kindSecret // gcloud secrets versions destroy
		}
		return nil
	case head == "group" && slices.Contains(noun, "replication") && hasWord(dataServiceWords):
		return kindDatabase // aws elasticache delete-replication-group
	case head == "system" && slices.Contains(all, "db"):
		return kindDatabase // oci db system terminate
	case kind == kindInstance && hasWord(fileServiceWords):
		return kindVolume
	case (kind == kindInstance || kind == kindCluster || kind == kindZone || kind == nil && head == "server") && hasWord(dataServiceWords):
		return kindDatabase
	case kind == kindQueue && c.cli == "gcloud" && !slices.Contains(all, "pubsub"):
		return nil
	case head == "connection" && slices.Contains(noun, "peering"), head == "connection" && slices.Contains(noun, "vpn"),
		head == "rule" && slices.Contains(noun, "forwarding"), head == "table" && slices.Contains(noun, "route"):
		return kindNetwork // aws ec2 delete-vpc-peering-connection
	case kind == kindNetwork && (head == "gateway" || head == "network") && (hasWord(dataServiceWords) || slices.Contains(all, "apigateway") || slices.Contains(all, "api")):
		return kindFunction // an API gateway is a service, not a network
	}
	return kind
}

// identityServices are the services whose users, roles, groups and
// keys are identities (aws iam, az ad, gcloud iam, cognito pools).
var identityServices = map[string]bool{"iam": true, "ad": true, "identitystore": true, "cognito": true, "sso": true}

// identityKind classifies the kinds the head noun alone cannot tell:
// identities and credentials (a user of aws iam, not of gcloud sql),
// functions and services that serve calls, certificates, node pools and
// accounts. It returns nil for the rest.
func identityKind(all, noun []string, head string) *cloudKind {
	inIdentity := slices.ContainsFunc(all, func(w string) bool { return identityServices[w] })
	has := func(w string) bool { return slices.Contains(noun, w) }
	switch {
	case inIdentity && (head == "user" || head == "role" || head == "group" || head == "sp" || head == "app" ||
		head == "account" || head == "provider" || head == "principal" || head == "key" || head == "credential" ||
		head == "policy" && len(noun) == 1 || head == "profile" && has("instance")):
		return kindIdentity // aws iam delete-user, gcloud iam service-accounts delete, az ad sp delete
	case head == "identity" || head == "pool" && (has("user") || has("identity")):
		return kindIdentity // az identity delete, aws cognito-idp delete-user-pool
	case head == "key" && has("access"):
		return kindIdentity // access keys outside iam's service word
	case head == "function" || head == "functionapp" || head == "webapp" || head == "staticwebapp" || head == "containerapp" ||
		head == "api" || head == "distribution" || head == "version" && has("layer"):
		return kindFunction // aws lambda delete-function, az webapp delete, gcloud functions delete
	case head == "service" && slices.ContainsFunc(all, func(w string) bool { return w == "run" || w == "app" || w == "apprunner" || w == "ecs" }):
		return kindFunction // gcloud run services delete, aws ecs delete-service
	case head == "app" && slices.Contains(all, "apps"), head == "app" && len(all) == 1:
		return kindFunction // doctl apps delete, az containerapp / spring app
	case head == "certificate" || head == "cert" || head == "authority" && has("certificate"):
		return kindCertificate
	case head == "vault" && slices.Contains(all, "glacier"):
		return kindBucket // an archive vault
	case head == "parameter" && slices.Contains(all, "ssm"):
		return kindSecret // a SecureString's value is gone with it
	case head == "nodegroup" || head == "pool" && has("node"):
		return kindInstance // eks delete-nodegroup, gcloud container node-pools delete
	case head == "account" && slices.Contains(all, "organizations"):
		return kindAccount
	}
	return nil
}

// cloudWhere says which account, project or region the line acts in,
// from its options or the environment, for the message: the classic
// failure is the right command in the wrong account.
func cloudWhere(cli *cloudCLI, l cloudLine, host guard.Host) string {
	var parts []string
	for i, s := range cli.scope {
		if v := l.values(s.opts...); len(v) > 0 {
			parts = append(parts, s.label+" "+v[len(v)-1])
			continue
		}
		if s.env != "" {
			if v, ok := host.Getenv(s.env); ok && v != "" {
				parts = append(parts, s.label+" "+v+" (from $"+s.env+")")
				continue
			}
		}
		if i == 0 {
			parts = append(parts, cli.defaultScope)
		}
	}
	if len(parts) == 0 {
		return cli.defaultScope
	}
	return strings.Join(parts, ", ")
}

func cliName(program string) string {
	if program == "linode" {
		return "linode-cli"
	}
	return program
}

// assumeYes are the options that skip a CLI's own question; they have no
// place in the read-only line of the hint.
var assumeYes = map[string]bool{"-f": true, "--force": true, "-y": true, "--yes": true, "-q": true, "--quiet": true, "--no-wait": true, "--async": true}

// showLine is the read-only twin of a delete: the same words with the
// CLI's describe verb in place of the delete verb (az group show --name
// rg-prod), so the operator looks at exactly what the line names.
func showLine(inv *guard.Invocation, cli *cloudCLI, c cloudCall) string {
	if cli.show == "" || c.verbWord == "" || len(c.names) == 0 {
		return ""
	}
	words := []string{c.cli}
	replaced := false
	for _, a := range inv.Args {
		switch {
		case !replaced && a.Value == c.verbWord:
			words = append(words, cli.show)
			replaced = true
		case assumeYes[a.Value]:
		default:
			words = append(words, a.Text)
		}
	}
	return strings.Join(words, " ")
}

func matchCloudDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	name := cliName(inv.Program)
	cli := cloudCLIs[name]
	if cli == nil {
		return nil
	}
	l := readCloudLine(cli, inv.Args)
	if l.asksForHelp() || l.has("dry-run", "dryrun", "generate-cli-skeleton", "generate-full-command-json-input", "generate-param-json-input") {
		return nil // nothing runs
	}
	c, ok := readCloudCall(name, l)
	if !ok {
		return nil
	}
	kind := kindOf(c)
	if kind == nil {
		return nil
	}
	what := strings.Join(c.names, " ")
	if what == "" {
		what = "(named by options guard could not read)"
	}
	where := cloudWhere(cli, l, host)
	command := strings.Join(append(append([]string{name}, c.service...), strings.Join(c.noun, "-")), " ")
	hint := kind.safe
	if look := showLine(inv, cli, c); look != "" {
		hint = "look at it first: " + look + "; " + hint
	}
	if name == "aws" && (c.service[0] == "ec2") {
		hint = "try it first with --dry-run; " + hint
	}
	decision := guard.Confirm
	extra := ""
	switch {
	case name == "aws" && kind == kindSecret && c.service[0] == "secretsmanager" && !l.has("force-delete-without-recovery"):
		decision, extra = guard.Warn, "; it stays recoverable for its recovery window (aws secretsmanager restore-secret)"
	case name == "az" && (kind == kindSecret || kind == kindKey) && c.verb == "delete":
		decision, extra = guard.Warn, "; with soft-delete on (the default) it stays recoverable until purged (az keyvault … recover)"
	case l.has("skip-final-snapshot"):
		extra = "; --skip-final-snapshot: no final snapshot is taken"
	}
	if name == "aws" && kind == kindDatabase {
		hint = strings.Replace(hint, kind.safe, "keep a final snapshot (--final-db-snapshot-identifier NAME instead of --skip-final-snapshot) and turn on deletion protection on databases that must stay", 1)
	}
	return guard.Found(decision, hint, "would %s the %s %s (%s) in %s%s: %s%s",
		c.verb, kind.name, what, command, where, inv.Where(), kind.loss, extra)
}

// matchObjectPurge: recursive deletes and force-removed buckets in object
// storage, and syncs that delete in the destination what an empty source
// lacks.
func matchObjectPurge(inv *guard.Invocation, host guard.Host) *guard.Finding {
	const hint = "list what would go first (aws s3 ls --recursive, gcloud storage ls -r, mc ls -r) and try it with --dryrun/--dry-run; turn on versioning so a delete can be undone"
	words := func(spec guard.OptSpec) (guard.Parsed, []string) {
		p := guard.ParseOptions(inv.Args, spec)
		return p, operandValues(p.Operands)
	}
	switch inv.Program {
	case "aws":
		l := readCloudLine(cloudCLIs["aws"], inv.Args)
		if len(l.words) >= 2 && l.words[0] == "s3api" && l.words[1] == "delete-objects" && !l.asksForHelp() {
			// --delete is a boolean for s3 sync, so its value here is read as
			// a word: the key list (file://keys.json or inline JSON).
			keys := "the --delete list"
			if len(l.words) > 2 {
				keys = strings.Join(l.words[2:], " ")
			}
			return purgeFinding(hint, "would delete every object listed in %s from the bucket %s at once", keys, strings.Join(l.values("bucket"), " "))
		}
		if len(l.words) < 3 || l.words[0] != "s3" || l.asksForHelp() || l.has("dryrun", "dry-run") {
			return nil
		}
		paths := storageURLs(l.words[2:])
		switch op := l.words[1]; {
		case op == "rm" && l.has("recursive") && len(paths) > 0:
			return purgeFinding(hint, "would delete every object under %s%s", paths[0], filtersNote(l.has("exclude", "include")))
		case op == "rb" && l.has("force") && len(paths) > 0:
			return purgeFinding(hint, "would delete every object in %s and then the bucket itself", paths[0])
		case op == "sync" && l.has("delete") && len(l.words) >= 4:
			return emptySourceFinding(inv, host, l.words[2], l.words[3], "aws s3 sync --delete")
		}
	case "gsutil":
		p, ops := words(guard.OptSpec{ShortValue: "ohuip"})
		if len(ops) < 2 || p.Has("help") || ops[0] == "help" {
			return nil
		}
		targets := storageURLs(ops[1:])
		switch {
		case ops[0] == "rm" && (p.Has("r", "R", "recursive") || anyRecursiveWildcard(targets)) && len(targets) > 0:
			return purgeFinding(hint, "would delete every object under %s (and the bucket itself when the URL names only a bucket)", targets[0])
		case ops[0] == "rsync" && p.Has("d") && !p.Has("n") && len(ops) >= 3:
			return emptySourceFinding(inv, host, ops[1], ops[2], "gsutil rsync -d")
		}
	case "gcloud":
		l := readCloudLine(cloudCLIs["gcloud"], inv.Args)
		if len(l.words) < 3 || l.words[0] != "storage" || l.asksForHelp() {
			return nil
		}
		targets := storageURLs(l.words[2:])
		switch l.words[1] {
		case "rm":
			if (l.has("recursive", "r", "R") || anyRecursiveWildcard(targets)) && len(targets) > 0 {
				return purgeFinding(hint, "would delete every object under %s (and the bucket itself when the URL names only a bucket)", targets[0])
			}
		case "rsync":
			if l.has("delete-unmatched-destination-objects") && !l.has("dry-run") && len(l.words) >= 4 {
				return emptySourceFinding(inv, host, l.words[2], l.words[3], "gcloud storage rsync --delete-unmatched-destination-objects")
			}
		}
	case "az":
		l := readCloudLine(&cloudCLI{valueOpts: []string{"source", "pattern", "account-name", "account-key", "connection-string", "sas-token", "subscription", "output", "query", "if-modified-since", "if-unmodified-since"}}, inv.Args)
		if len(l.words) < 3 || l.words[0] != "storage" || l.words[2] != "delete-batch" || l.asksForHelp() || l.has("dryrun") {
			return nil
		}
		source := "the container given by --source"
		if v := l.values("source", "s"); len(v) > 0 {
			source = v[0]
		}
		account := ""
		if v := l.values("account-name"); len(v) > 0 {
			account = " of storage account " + v[0]
		}
		pattern := ""
		if v := l.values("pattern"); len(v) > 0 {
			pattern = " matching " + v[0]
		}
		return purgeFinding(hint, "would delete every %s%s in %s%s", map[bool]string{true: "file", false: "blob"}[l.words[1] == "file"], pattern, source, account)
	case "azcopy":
		p, ops := words(guard.OptSpec{LongValue: []string{"include-pattern", "exclude-pattern", "include-path", "exclude-path", "log-level", "list-of-files", "delete-destination"}})
		if len(ops) < 2 || p.Has("help", "h") || p.Has("dry-run") {
			return nil
		}
		if (ops[0] == "remove" || ops[0] == "rm") && p.Has("recursive") {
			return purgeFinding(hint, "would delete every blob under %s", ops[1])
		}
		if ops[0] == "sync" && len(ops) >= 3 {
			if v, ok := p.Value("delete-destination"); ok && strings.EqualFold(v.Value, "true") {
				return emptySourceFinding(inv, host, ops[1], ops[2], "azcopy sync --delete-destination=true")
			}
		}
	case "oci":
		l := readCloudLine(cloudCLIs["oci"], inv.Args)
		if len(l.words) < 3 || l.words[0] != "os" || l.words[1] != "object" || l.words[2] != "bulk-delete" || l.asksForHelp() || l.has("dry-run") {
			return nil
		}
		prefix := ""
		if v := l.values("prefix"); len(v) > 0 {
			prefix = " under the prefix " + v[0]
		}
		return purgeFinding(hint, "would delete every object%s in the bucket %s", prefix, strings.Join(l.values("bucket-name", "bucket"), " "))
	case "linode-cli", "linode":
		p, ops := words(guard.OptSpec{LongValue: []string{"cluster", "as-user"}})
		if len(ops) < 3 || ops[0] != "obj" || p.Has("help", "h") {
			return nil
		}
		if (ops[1] == "rb" || ops[1] == "rm" || ops[1] == "del") && p.Has("recursive", "r") {
			return purgeFinding(hint, "would delete every object in %s", ops[2])
		}
	case "mc", "mcli":
		p, ops := words(guard.OptSpec{ShortValue: "C", LongValue: []string{"config-dir", "older-than", "newer-than", "version-id", "rewind", "encrypt-key"}})
		if len(ops) < 2 || p.Has("help", "h", "dry-run") {
			return nil
		}
		switch {
		case ops[0] == "rm" && p.Has("r", "recursive") && p.Has("force"):
			return purgeFinding(hint, "would delete every object under %s", ops[1])
		case ops[0] == "rb" && p.Has("force"):
			return purgeFinding(hint, "would delete the bucket %s with every object in it", ops[1])
		case ops[0] == "mirror" && p.Has("remove") && len(ops) >= 3:
			return emptySourceFinding(inv, host, ops[1], ops[2], "mc mirror --remove")
		}
	case "s3cmd":
		p, ops := words(guard.OptSpec{ShortValue: "c", LongValue: []string{"config", "exclude", "include", "rexclude", "rinclude", "access_key", "secret_key"}})
		if len(ops) < 2 || p.Has("n", "dry-run", "help", "h") {
			return nil
		}
		switch {
		case (ops[0] == "del" || ops[0] == "rm") && p.Has("r", "recursive"):
			return purgeFinding(hint, "would delete every object under %s", ops[1])
		case ops[0] == "rb" && p.Has("r", "recursive"):
			return purgeFinding(hint, "would delete every object in %s and then the bucket itself", ops[1])
		case ops[0] == "sync" && p.Has("delete-removed") && len(ops) >= 3:
			return emptySourceFinding(inv, host, ops[1], ops[2], "s3cmd sync --delete-removed")
		}
	}
	return nil
}

func purgeFinding(hint, format string, args ...any) *guard.Finding {
	return guard.Found(guard.Confirm, hint, format+": without versioning there is no undo", args...)
}

func filtersNote(filtered bool) string {
	if filtered {
		return " that the --exclude/--include filters let through"
	}
	return ""
}

// storageURLs keeps the object-storage URLs among words.
func storageURLs(words []string) []string {
	var out []string
	for _, w := range words {
		for _, scheme := range []string{"s3://", "gs://", "az://", "https://", "r2://"} {
			if strings.HasPrefix(w, scheme) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// anyRecursiveWildcard: gs://b/** matches every object at every depth.
func anyRecursiveWildcard(urls []string) bool {
	for _, u := range urls {
		if strings.Contains(u, "**") || strings.HasSuffix(u, "/*") {
			return true
		}
	}
	return false
}

// emptySourceFinding judges a sync that deletes in the destination what
// the source lacks: from an empty folder (a disk that did not mount) or a
// word that cannot be known, it deletes everything in the destination.
func emptySourceFinding(inv *guard.Invocation, host guard.Host, src, dst, how string) *guard.Finding {
	why, empty := syncSourceEmpty(inv, host, src)
	if !empty && how != "rsync --delete" {
		// rsync skips its deletes after an I/O error on the source; the
		// object-storage tools and rclone are judged on what will be there.
		why, empty = syncSourceMissing(inv, host, src)
	}
	if !empty {
		return nil
	}
	shown := src
	for _, a := range inv.Args {
		if (a.Value == src || a.Text == src) && !a.Known {
			shown = a.Text
		}
	}
	return guard.Found(guard.Confirm,
		"check the source first (ls -A "+shown+"; findmnt "+shown+"); try it with --dry-run; copy without deletes (rclone copy, aws s3 sync without --delete) when in doubt",
		"%s deletes in %s whatever the source lacks, and %s: it would empty %s; if this is a backup, it is the last copy", how, dst, why, dst)
}

// syncSourceEmpty tells whether the source of a sync is, or may be, empty:
// an unknown word, or a local folder with nothing in it. A remote source
// cannot be checked from here and passes.
func syncSourceEmpty(inv *guard.Invocation, host guard.Host, src string) (string, bool) {
	for _, a := range inv.Args {
		if (a.Value == src || a.Text == src) && !a.Known {
			return fmt.Sprintf("the source %s cannot be known here (%s)", a.Text, strings.Join(a.Unknown, ", ")), true
		}
	}
	if src == "" {
		return "the source is empty", true
	}
	if isRemoteLocation(src) {
		return "", false
	}
	path := inv.Path(src)
	if path == "" {
		return "", false
	}
	info, err := host.Lstat(path)
	if err != nil || !info.IsDir() {
		return "", false // a missing source makes the tool stop with an error
	}
	entries, _, err := host.ReadDir(path, 1)
	if err != nil || len(entries) > 0 {
		return "", false
	}
	note := ""
	if looksLikeMountpoint(path) && !isMounted(host, path) {
		note = " (nothing is mounted there)"
	}
	return "the source " + path + " is an empty folder" + note, true
}

// syncSourceMissing tells a local source that is not there when the line
// is judged and will be there empty when the sync runs: a folder mktemp
// or mkdir makes earlier in the line, with nothing else before it. A
// source still missing makes the tool stop with an error; after another
// command (npm run build && aws s3 sync build/ …) the folder is that
// command's output, and passes.
func syncSourceMissing(inv *guard.Invocation, host guard.Host, src string) (string, bool) {
	if src == "" || isRemoteLocation(src) {
		return "", false
	}
	for _, a := range inv.Args {
		if a.Value == src && slices.Contains(a.Sources, "mktemp") {
			return "the source " + a.Text + " is a folder mktemp has just made, empty", true
		}
	}
	path := inv.Path(src)
	if path == "" {
		return "", false
	}
	if _, err := host.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	madeEmpty := false
	for before := range inv.RanBefore {
		switch before.Program {
		case "cd", "pushd":
		case "mktemp":
			madeEmpty = madeEmpty || mktempMade(before) == path
		case "mkdir":
			madeEmpty = madeEmpty || slices.ContainsFunc(before.Args, func(a guard.Arg) bool { return a.Known && before.Path(a.Value) == path })
		default:
			return "", false // made, if at all, by what ran before: its output
		}
	}
	if !madeEmpty {
		return "", false // still missing: the sync stops with an error
	}
	return "the source " + path + " is made on this line by mkdir or mktemp, empty", true
}

// isRemoteLocation tells a URL or rclone-style remote:path from a local path.
func isRemoteLocation(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	colon := strings.Index(s, ":")
	slash := strings.Index(s, "/")
	return colon > 0 && (slash < 0 || colon < slash)
}

func isMounted(host guard.Host, path string) bool {
	for _, m := range host.Mounts() {
		if m.Dir == path {
			return true
		}
	}
	return false
}

// looksLikeMountpoint: folders under /mnt, /media and /srv are where
// backup disks are mounted; empty, they usually mean a mount that failed.
func looksLikeMountpoint(path string) bool {
	return strings.HasPrefix(path, "/mnt/") || strings.HasPrefix(path, "/media/") || strings.HasPrefix(path, "/srv/")
}
