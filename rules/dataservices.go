package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

// The data-services family: the stores and brokers beside the databases
// (search indices, topics, queues, secrets, key-value stores, time
// series), by their own CLIs and by their admin HTTP APIs. Each rule reads
// its CLI's syntax, and the request an HTTP client would send (method, URL,
// body), so a GET of _cat/indices passes and a POST of _delete_by_query
// with match_all does not.
func dataServicesRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "mongo-shutdown",
			Programs:   []string{"mongo", "mongosh"},
			Decision:   guard.Confirm,
			Summary:    "mongosh or mongo --eval (or a script on standard input) running db.shutdownServer() or adminCommand({shutdown: 1}): the server stops for every application; with force: true a primary does not wait for its secondaries, and writes they have not copied are rolled back",
			Postmortem: "db.shutdownServer({force: true}) typed on what was believed to be a secondary: the primary stopped at once, and the writes of the last seconds were rolled back when it rejoined",
			Match:      matchMongoShutdown,
		},
		{
			ID:         "search-index-delete",
			Programs:   httpClients,
			Decision:   guard.Confirm,
			Summary:    "Elasticsearch/OpenSearch index, data stream or snapshot deletes over HTTP (DELETE /index, /_all, /*), _delete_by_query matching everything",
			Postmortem: "Elasticsearch clusters wiped by a DELETE of /_all or /* (the 2017 and 2020 ransom wipes of open clusters; the same request typed against production by hand)",
			Match:      matchSearchIndexDelete,
		},
		{
			ID:         "couchdb-delete",
			Programs:   httpClients,
			Decision:   guard.Confirm,
			Summary:    "an HTTP DELETE of a CouchDB database (port 5984): every document and revision in it",
			Postmortem: "a common failure mode: a CouchDB database deleted with curl -X DELETE against the production host from shell history",
			Match:      matchCouchDelete,
		},
		{
			ID:         "kafka-topic-delete",
			Programs:   append([]string{"kafka-topics", "kafka-topics.sh", "kafka-configs", "kafka-configs.sh", "kafka-delete-records", "kafka-delete-records.sh", "rpk"}, httpClients...),
			Decision:   guard.Confirm,
			Summary:    "kafka-topics --delete, rpk topic delete, a Kafka REST DELETE of a topic, and purging its messages (retention.ms set to seconds, kafka-delete-records, rpk topic trim-prefix)",
			Postmortem: "a common failure mode: a topic (or a regex of topics) deleted on the production cluster, with every message consumers had not read",
			Match:      matchKafkaTopicDelete,
		},
		{
			ID:         "rabbitmq-delete",
			Programs:   append([]string{"rabbitmqctl", "rabbitmqadmin"}, httpClients...),
			Decision:   guard.Confirm,
			Summary:    "rabbitmqctl delete_vhost, reset, force_reset, purge_queue, delete_queue; rabbitmqadmin delete/purge; the management API's DELETE of a vhost or queue",
			Postmortem: "a common failure mode: rabbitmqctl reset run on a live node to fix a cluster join, deleting every vhost, user and queued message on it",
			Match:      matchRabbitDelete,
		},
		{
			ID:         "vault-secret-delete",
			Programs:   append([]string{"vault", "bao"}, httpClients...),
			Decision:   guard.Confirm,
			Summary:    "vault secrets disable, kv metadata delete, kv destroy (and their HTTP calls): secrets gone for good; kv delete warns",
			Postmortem: "a common failure mode: vault secrets disable of a mount revokes its leases and deletes every secret in it at once",
			Match:      matchVaultDelete,
		},
		{
			ID:         "etcd-delete-range",
			Programs:   append([]string{"etcdctl"}, httpClients...),
			Decision:   guard.Confirm,
			Summary:    "etcdctl del --prefix / --from-key / a key range, etcdctl rm -r (v2), or the gateway's deleterange: many keys at once (Kubernetes keeps its state under /registry)",
			Postmortem: "a common failure mode: etcdctl del --prefix with a prefix cut short, deleting a Kubernetes cluster's whole state under /registry",
			Match:      matchEtcdDelete,
		},
		{
			ID:         "consul-kv-delete",
			Programs:   append([]string{"consul"}, httpClients...),
			Decision:   guard.Confirm,
			Summary:    "consul kv delete -recurse, or DELETE /v1/kv/…?recurse: every key under a prefix",
			Postmortem: "a common failure mode: consul kv delete -recurse with an empty or short prefix, deleting the configuration services read at start",
			Match:      matchConsulDelete,
		},
		{
			ID:         "redis-flush",
			Programs:   []string{"redis-cli", "valkey-cli", "keydb-cli"},
			Decision:   guard.Confirm,
			Summary:    "FLUSHALL or FLUSHDB fed to redis-cli on standard input (echo FLUSHALL | redis-cli, here-strings) or in a script, and valkey-cli/keydb-cli in any spelling",
			Postmortem: "a common failure mode: FLUSHALL sent to the production Redis from a shell or script meant for a cache on another host",
			Match:      matchRedisFlush,
		},
		{
			ID:         "redis-config-write",
			Programs:   []string{"redis-cli", "valkey-cli", "keydb-cli"},
			Decision:   guard.Confirm,
			Summary:    "redis CONFIG SET dir or dbfilename: the next save writes the dump wherever they point (the known attack writes authorized_keys or a crontab)",
			Postmortem: "the classic Redis intrusion: CONFIG SET dir /root/.ssh, CONFIG SET dbfilename authorized_keys, SAVE",
			Match:      matchRedisConfigWrite,
		},
		{
			ID:         "redis-discard",
			Programs:   []string{"redis-cli", "valkey-cli", "keydb-cli"},
			Decision:   guard.Confirm,
			Summary:    "redis SHUTDOWN NOSAVE, DEBUG SEGFAULT or CRASH-AND-RECOVER, REPLICAOF/SLAVEOF another server, CLUSTER RESET HARD: the keys, or the writes since the last save, are thrown away",
			Postmortem: "a common failure mode: a Redis without a recent snapshot stopped with SHUTDOWN NOSAVE, or pointed at the wrong master with REPLICAOF, which replaces every key it holds",
			Match:      matchRedisDiscard,
		},
		{
			ID:         "influxdb-delete",
			Programs:   append([]string{"influx"}, httpClients...),
			Decision:   guard.Confirm,
			Summary:    "influx bucket delete, org delete, influx delete of points, InfluxQL DROP DATABASE/MEASUREMENT, or the same over HTTP",
			Postmortem: "a common failure mode: a bucket or database of metrics deleted by name on the wrong instance, with years of history",
			Match:      matchInfluxDelete,
		},
		{
			ID:         "nats-stream-delete",
			Programs:   []string{"nats"},
			Decision:   guard.Confirm,
			Summary:    "nats stream rm/purge, nats kv rm and nats object rm of a whole bucket: JetStream messages gone",
			Postmortem: "a common failure mode: a JetStream stream removed or purged with -f on the production context",
			Match:      matchNatsDelete,
		},
	}
}

// inputText is what a command reads on standard input when it can be
// known: a here-document, a here-string, echo or printf upstream, or a file
// given with < or cat upstream (read through the host, bounded).
func inputText(inv *guard.Invocation, host guard.Host) (string, bool) {
	if text, ok := guard.StdinText(inv); ok {
		return text, true
	}
	var file string
	for _, rd := range inv.Redirs {
		if rd.Op == "<" && rd.Target.Known && (rd.Fd == "" || rd.Fd == "0") {
			file = rd.Target.Value
		}
	}
	if n := len(inv.Stdin); file == "" && n > 0 && inv.Stdin[n-1].Program == "cat" && len(inv.Stdin[n-1].Args) == 1 && inv.Stdin[n-1].Args[0].Known {
		file = inv.Stdin[n-1].Args[0].Value
		if p := inv.Stdin[n-1].Path(file); p != "" {
			file = p
		}
	}
	if p := inv.Path(file); p != "" {
		if data, err := host.ReadFile(p, maxBodyFile); err == nil {
			return string(data), true
		}
	}
	return "", false
}

// goFlags reads the options of programs built on Go's flag package
// (vault, consul, influx 1.x): one or two dashes, long names, values
// after = or in the next word for the names in valueFlags.
type goFlags struct {
	flags    map[string][]string
	operands []string
	unknown  []guard.Arg // operands that could not be known
}

func readGoFlags(args []guard.Arg, valueFlags ...string) goFlags {
	g := goFlags{flags: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if v == "--" {
			for _, a := range args[i+1:] {
				g.operand(a)
			}
			break
		}
		if len(v) < 2 || v[0] != '-' || !args[i].Known {
			g.operand(args[i])
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(v, "-"), "=")
		if !hasValue && slices.Contains(valueFlags, name) && i+1 < len(args) {
			i++
			value = args[i].Value
		}
		g.flags[name] = append(g.flags[name], value)
	}
	return g
}

func (g *goFlags) operand(a guard.Arg) {
	g.operands = append(g.operands, a.Value)
	if !a.Known {
		g.unknown = append(g.unknown, a)
	}
}

func (g goFlags) has(names ...string) bool {
	for _, n := range names {
		if _, ok := g.flags[n]; ok {
			return true
		}
	}
	return false
}

func (g goFlags) value(names ...string) (string, bool) {
	for _, n := range names {
		if vs := g.flags[n]; len(vs) > 0 {
			return vs[len(vs)-1], true
		}
	}
	return "", false
}

// envOr names a server from an environment variable, or the client's
// default when it is not set.
func envOr(host guard.Host, name, fallback string) string {
	if v, ok := host.Getenv(name); ok && v != "" {
		return v + " (from $" + name + ")"
	}
	return fallback
}

// truthy reads a boolean flag given as -f, -f=true or -f=false.
func (g goFlags) truthy(name string) bool {
	v, ok := g.value(name)
	return ok && v != "false" && v != "0"
}

// --- Elasticsearch / OpenSearch ---

// searchHostLabel: es, es1, es-prod-2 as the first label of a host name.
var searchHostLabel = lazyre.New(`^es([0-9-].*)?$`)

// isSearchCluster tells an Elasticsearch or OpenSearch endpoint by its
// port, its host name or an API path only they have.
func isSearchCluster(r httpRequest) bool {
	if r.PortIs("9200", "9201", "9243") || r.HostHas("elastic", "opensearch", ".es.amazonaws.com", ".aoss.amazonaws.com", "found.io") {
		return true
	}
	label, _, _ := strings.Cut(strings.ToLower(r.URL.Hostname()), ".")
	if searchHostLabel.MatchString(label) {
		return true
	}
	if r.HostVarHas("es", "elastic", "elasticsearch", "opensearch", "search") {
		return true
	}
	for i, s := range r.Segments {
		if s == "_delete_by_query" || i == 0 && (s == "_all" || s == "_data_stream" || s == "_snapshot") {
			return true
		}
	}
	return false
}

// matchAllQuery: a body or query string that selects every document.
var matchAllQuery = lazyre.New(`"match_all"\s*:|(^|&)q=(\*|\*:\*|%2A|%2A:%2A)(&|$)`)

func matchSearchIndexDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	for _, r := range readHTTPRequests(inv, host) {
		if !isSearchCluster(r) || len(r.Segments) == 0 {
			continue
		}
		where := r.Hostport() + inv.Where()
		first := r.Segments[0]
		base := r.URL.Scheme + "://" + r.Hostport()
		if r.HostVar != "" {
			base = r.HostVar
		}
		look := "look first: curl -s \"" + base + "/_cat/indices/" + first + "?v\"; take a snapshot (PUT _snapshot/REPO/NAME) and keep action.destructive_requires_name=true so that _all and wildcards are refused"
		switch {
		case r.Method == "DELETE" && first == "_data_stream" && len(r.Segments) >= 2:
			return guard.Found(guard.Confirm, look, "would delete the data stream %s on %s with every backing index and document in it: only a snapshot can bring it back", r.Segments[1], where)
		case r.Method == "DELETE" && first == "_snapshot" && len(r.Segments) >= 3:
			return guard.Found(guard.Confirm, "list the snapshots first: curl -s '"+r.URL.Scheme+"://"+r.Hostport()+"/_cat/snapshots/"+r.Segments[1]+"?v'; keep it until a newer one has been restored and checked",
				"would delete the snapshot %s of repository %s on %s: this is a backup, the one a lost index is restored from", r.Segments[2], r.Segments[1], where)
		case r.Method == "DELETE" && len(r.Segments) == 1 && (first == "_all" || !strings.HasPrefix(first, "_")):
			if first == "_all" || first == "*" {
				return guard.Found(guard.Confirm, look, "would delete every index on %s (%s), with every document in them: only a snapshot can bring them back", where, first)
			}
			if strings.ContainsAny(first, "*?") {
				return guard.Found(guard.Confirm, look, "would delete every index matching %s on %s, with every document in them: only a snapshot can bring them back", first, where)
			}
			return guard.Found(guard.Confirm, look, "would delete the index %s on %s with every document in it: only a snapshot can bring it back", first, where)
		case r.Method != "GET" && r.Last() == "_delete_by_query":
			index := "every index"
			if len(r.Segments) >= 2 {
				index = r.Segments[0]
			}
			if matchAllQuery.MatchString(r.Body) || matchAllQuery.MatchString(r.URL.RawQuery) {
				return guard.Found(guard.Confirm, look, "would delete every document in %s on %s (the query matches everything): only a snapshot can bring them back", index, where)
			}
			return guard.Found(guard.Warn, "count what matches first: the same query to _count", "would delete the documents of %s on %s that the query matches", index, where)
		}
	}
	return nil
}

// --- CouchDB ---

func matchCouchDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	for _, r := range readHTTPRequests(inv, host) {
		if r.Method != "DELETE" || len(r.Segments) != 1 || strings.HasPrefix(r.Segments[0], "_") {
			continue
		}
		if !(r.PortIs("5984", "6984") || r.HostHas("couch") || r.HostVarHas("couch", "couchdb")) {
			continue
		}
		base := r.URL.Scheme + "://" + r.Hostport()
		return guard.Found(guard.Confirm, "replicate it first (POST "+base+"/_replicate with a target database) and check the host: curl -s "+base+"/_all_dbs",
			"would delete the CouchDB database %s on %s%s with every document and revision in it, at once", r.Segments[0], r.Hostport(), inv.Where())
	}
	return nil
}

// --- Kafka and Redpanda ---

var kafkaTopicsSpec = guard.OptSpec{LongValue: []string{"bootstrap-server", "zookeeper", "topic", "command-config", "config",
	"partitions", "replication-factor", "replica-assignment", "delete-config", "add-config"}}

var kafkaConfigsSpec = guard.OptSpec{LongValue: []string{"bootstrap-server", "zookeeper", "entity-type", "entity-name", "entity-default",
	"add-config", "add-config-file", "delete-config", "command-config", "topic", "broker", "client", "user"}}

var rpkSpec = guard.OptSpec{ShortValue: "Xpo", LongValue: []string{"partitions", "offset", "brokers", "config", "profile", "user", "password", "sasl-mechanism", "tls-key", "tls-cert", "tls-truststore", "format"}}

func matchKafkaTopicDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "describe it first (kafka-topics --describe --topic NAME, rpk topic describe NAME) and check the cluster you are on; consumers that have not read its messages lose them"
	switch inv.Program {
	case "kafka-topics", "kafka-topics.sh":
		p := guard.ParseOptions(inv.Args, kafkaTopicsSpec)
		if !p.Has("delete") || p.Has("help") {
			return nil
		}
		topic := "(no --topic given)"
		if t, ok := p.Value("topic"); ok {
			topic = t.Value
		}
		server := "the cluster in the command config"
		if s, ok := p.Value("bootstrap-server", "zookeeper"); ok {
			server = s.Value
		}
		if strings.ContainsAny(topic, "*+?[|") {
			return guard.Found(guard.Confirm, hint, "would delete every Kafka topic matching %s on %s%s, with their messages", topic, server, inv.Where())
		}
		return guard.Found(guard.Confirm, hint, "would delete the Kafka topic %s on %s%s with every message in it", topic, server, inv.Where())
	case "kafka-configs", "kafka-configs.sh":
		p := guard.ParseOptions(inv.Args, kafkaConfigsSpec)
		if !p.Has("alter") || p.Has("help") {
			return nil
		}
		for _, c := range p.Values("add-config") {
			for _, kv := range strings.Split(c.Value, ",") {
				key, value, _ := strings.Cut(kv, "=")
				if ms, err := strconv.ParseInt(value, 10, 64); err == nil && key == "retention.ms" && ms >= 0 && ms < 3600_000 {
					topic := "(the --entity-name given)"
					if t, ok := p.Value("entity-name", "topic"); ok {
						topic = t.Value
					}
					return guard.Found(guard.Confirm, "describe it first: kafka-configs --describe --entity-type topics --entity-name "+topic+"; set retention back right after, and know that consumers behind lose what they had not read",
						"would set retention.ms=%s on %s: Kafka deletes every message older than that, emptying the topic within minutes%s", value, topic, inv.Where())
				}
			}
		}
		return nil
	case "kafka-delete-records", "kafka-delete-records.sh":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"bootstrap-server", "offset-json-file", "command-config"}})
		if f, ok := p.Value("offset-json-file"); ok && !p.Has("help") {
			return guard.Found(guard.Confirm, hint, "would delete the Kafka records before the offsets in %s%s, with no undo", f.Value, inv.Where())
		}
		return nil
	case "rpk":
		p := guard.ParseOptions(inv.Args, rpkSpec)
		ops := operandValues(p.Operands)
		if len(ops) >= 3 && ops[0] == "topic" && ops[1] == "trim-prefix" && !p.Has("help", "h") {
			return guard.Found(guard.Confirm, hint, "would delete the messages of the Redpanda topic %s before the given offset%s, with no undo", strings.Join(ops[2:], " "), inv.Where())
		}
		if len(ops) < 3 || ops[0] != "topic" || ops[1] != "delete" || p.Has("help", "h") {
			return nil
		}
		topics := strings.Join(ops[2:], " ")
		if p.Has("r", "regex") {
			return guard.Found(guard.Confirm, hint, "would delete every Redpanda topic matching %s%s, with their messages", topics, inv.Where())
		}
		return guard.Found(guard.Confirm, hint, "would delete the Redpanda topic %s%s with every message in it", topics, inv.Where())
	}
	for _, r := range readHTTPRequests(inv, host) {
		// Kafka REST proxy v3: DELETE /v3/clusters/ID/topics/NAME
		s := r.Segments
		if r.Method == "DELETE" && len(s) == 5 && s[0] == "v3" && s[1] == "clusters" && s[3] == "topics" {
			return guard.Found(guard.Confirm, hint, "would delete the Kafka topic %s of cluster %s through the REST proxy %s%s, with every message in it", s[4], s[2], r.Hostport(), inv.Where())
		}
	}
	return nil
}

// --- RabbitMQ ---

func matchRabbitDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "export the definitions first (rabbitmqctl export_definitions defs.json, or GET /api/definitions) and check which node and vhost you are on (rabbitmqctl list_vhosts, list_queues -p VHOST)"
	switch inv.Program {
	case "rabbitmqctl":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "npt", LongValue: []string{"node", "vhost", "timeout"}})
		ops := operandValues(p.Operands)
		if len(ops) == 0 || p.Has("help", "h") {
			return nil
		}
		node := "this machine's RabbitMQ node"
		if n, ok := p.Value("n", "node"); ok {
			node = n.Value
		}
		vhost := "/"
		if v, ok := p.Value("p", "vhost"); ok {
			vhost = v.Value
		}
		arg := ""
		if len(ops) > 1 {
			arg = ops[1]
		}
		switch ops[0] {
		case "delete_vhost":
			return guard.Found(guard.Confirm, hint, "would delete the RabbitMQ virtual host %s on %s%s with every queue, exchange, binding, permission and message in it", arg, node, inv.Where())
		case "reset", "force_reset":
			return guard.Found(guard.Confirm, hint, "would reset %s%s to a blank RabbitMQ node: every vhost, user, permission, queue and message on it is deleted, and it leaves its cluster", node, inv.Where())
		case "purge_queue":
			return guard.Found(guard.Confirm, hint, "would delete every message in the RabbitMQ queue %s (vhost %s) on %s%s", arg, vhost, node, inv.Where())
		case "delete_queue":
			return guard.Found(guard.Confirm, hint, "would delete the RabbitMQ queue %s (vhost %s) on %s%s with every message in it", arg, vhost, node, inv.Where())
		}
		return nil
	case "rabbitmqadmin":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "HPVupcNfSd", LongValue: []string{"host", "port", "vhost", "username", "password", "config", "node", "format", "name", "base-uri"}})
		ops := operandValues(p.Operands)
		if len(ops) < 2 || p.Has("help") {
			return nil
		}
		name := ""
		for _, o := range ops[2:] {
			if n, ok := strings.CutPrefix(o, "name="); ok {
				name = n
			}
		}
		if n, ok := p.Value("name"); ok {
			name = n.Value
		}
		switch {
		case ops[0] == "delete" && (ops[1] == "vhost" || ops[1] == "vhosts"):
			return guard.Found(guard.Confirm, hint, "would delete the RabbitMQ virtual host %s%s with every queue, exchange and message in it", name, inv.Where())
		case ops[0] == "delete" && (ops[1] == "queue" || ops[1] == "queues"):
			return guard.Found(guard.Confirm, hint, "would delete the RabbitMQ queue %s%s with every message in it", name, inv.Where())
		case ops[0] == "purge" && (ops[1] == "queue" || ops[1] == "queues"), ops[0] == "queues" && ops[1] == "purge":
			return guard.Found(guard.Confirm, hint, "would delete every message in the RabbitMQ queue %s%s", name, inv.Where())
		}
		return nil
	}
	for _, r := range readHTTPRequests(inv, host) {
		s := r.Segments
		if r.Method != "DELETE" || len(s) < 3 || s[0] != "api" || !(r.PortIs("15672", "15671") || r.HostHas("rabbit")) {
			continue
		}
		switch {
		case s[1] == "vhosts" && len(s) == 3:
			return guard.Found(guard.Confirm, hint, "would delete the RabbitMQ virtual host %s on %s%s with every queue, exchange and message in it", s[2], r.Hostport(), inv.Where())
		case s[1] == "queues" && len(s) == 5 && s[4] == "contents":
			return guard.Found(guard.Confirm, hint, "would delete every message in the RabbitMQ queue %s (vhost %s) on %s%s", s[3], s[2], r.Hostport(), inv.Where())
		case s[1] == "queues" && len(s) == 4:
			return guard.Found(guard.Confirm, hint, "would delete the RabbitMQ queue %s (vhost %s) on %s%s with every message in it", s[3], s[2], r.Hostport(), inv.Where())
		}
	}
	return nil
}

// --- Vault / OpenBao ---

var vaultValueFlags = []string{"address", "namespace", "ns", "mount", "versions", "format", "field", "ca-cert", "ca-path",
	"client-cert", "client-key", "tls-server-name", "wrap-ttl", "policy-override", "mfa", "header"}

func matchVaultDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "read it first (vault kv get, vault secrets list -detailed) and keep a copy; vault kv delete (soft, undone by vault kv undelete) is the reversible way"
	if inv.Program == "vault" || inv.Program == "bao" {
		g := readGoFlags(inv.Args, vaultValueFlags...)
		ops := g.operands
		if g.has("help", "h") || len(ops) < 2 {
			return nil
		}
		path := ops[len(ops)-1]
		if len(ops) >= 2 && ops[0] == "delete" {
			path = ops[1]
		}
		if m, ok := g.value("mount"); ok {
			path = strings.TrimSuffix(m, "/") + "/" + path
		}
		addr := envOr(host, "VAULT_ADDR", "https://127.0.0.1:8200 (vault's default address)")
		if a, ok := g.value("address"); ok {
			addr = a
		}
		switch {
		case ops[0] == "secrets" && ops[1] == "disable" && len(ops) >= 3:
			return guard.Found(guard.Confirm, "list it first: vault secrets list -detailed; move it instead of removing it: vault secrets move",
				"would disable the secrets engine at %s on %s%s: every secret in it is deleted and its leases revoked, at once and for good", path, addr, inv.Where())
		case ops[0] == "kv" && len(ops) >= 4 && ops[1] == "metadata" && ops[2] == "delete":
			return guard.Found(guard.Confirm, hint, "would delete every version and the metadata of %s on %s%s, for good", path, addr, inv.Where())
		case ops[0] == "kv" && ops[1] == "destroy" && len(ops) >= 3:
			versions, _ := g.value("versions")
			return guard.Found(guard.Confirm, hint, "would destroy version(s) %s of %s on %s%s, for good", versions, path, addr, inv.Where())
		case ops[0] == "auth" && ops[1] == "disable" && len(ops) >= 3:
			return guard.Found(guard.Confirm, "list it first: vault auth list -detailed; check who logs in through it",
				"would disable the auth method at %s on %s%s: every token it issued is revoked and what it stores (userpass users, AppRole roles, their secret IDs) is deleted", path, addr, inv.Where())
		case ops[0] == "delete" && len(ops) == 2:
			return guard.Found(guard.Warn, hint, "would delete the data at %s on %s%s (on a KV version 1 mount, for good)", path, addr, inv.Where())
		case ops[0] == "kv" && ops[1] == "delete" && len(ops) >= 3:
			return guard.Found(guard.Warn, "vault kv undelete -versions=N "+path+" brings it back",
				"would delete the latest version of %s on %s%s (KV version 2 keeps it for vault kv undelete; on a version 1 mount it is gone)", path, addr, inv.Where())
		}
		return nil
	}
	for _, r := range readHTTPRequests(inv, host) {
		s := r.Segments
		if len(s) < 3 || s[0] != "v1" {
			continue
		}
		vault := r.PortIs("8200") || r.HostHas("vault", "openbao")
		switch {
		case r.Method == "DELETE" && s[1] == "sys" && s[2] == "mounts" && len(s) >= 4:
			return guard.Found(guard.Confirm, "list it first: GET /v1/sys/mounts; move it instead: POST /v1/sys/remount",
				"would disable the secrets engine at %s on %s%s: every secret in it is deleted and its leases revoked, for good", strings.Join(s[3:], "/"), r.Hostport(), inv.Where())
		case vault && r.Method == "DELETE" && len(s) >= 4 && s[2] == "metadata":
			return guard.Found(guard.Confirm, hint, "would delete every version and the metadata of %s/%s on %s%s, for good", s[1], strings.Join(s[3:], "/"), r.Hostport(), inv.Where())
		case vault && (r.Method == "POST" || r.Method == "PUT") && len(s) >= 4 && s[2] == "destroy":
			return guard.Found(guard.Confirm, hint, "would destroy versions of %s/%s on %s%s, for good", s[1], strings.Join(s[3:], "/"), r.Hostport(), inv.Where())
		}
	}
	return nil
}

// --- etcd ---

var etcdctlSpec = guard.OptSpec{ShortValue: "wd", LongValue: []string{"endpoints", "cacert", "cert", "key", "user", "password",
	"command-timeout", "dial-timeout", "keepalive-time", "keepalive-timeout", "write-out", "discovery-srv", "discovery-srv-name"}}

func matchEtcdDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "take a snapshot first: etcdctl snapshot save /var/backups/etcd-$(date +%F).db"
	if inv.Program == "etcdctl" {
		p := guard.ParseOptions(inv.Args, etcdctlSpec)
		ops := p.Operands
		if len(ops) == 0 || p.Has("help", "h") {
			return nil
		}
		if len(ops) >= 2 && ops[1].Known {
			hint += "; look at what matches: etcdctl get --prefix --keys-only '" + ops[1].Value + "' | head"
		}
		where := envOr(host, "ETCDCTL_ENDPOINTS", "127.0.0.1:2379 (etcdctl's default endpoint)")
		if e, ok := p.Value("endpoints"); ok {
			where = e.Value
		}
		where += inv.Where()
		switch ops[0].Value {
		case "del", "delete":
			if len(ops) < 2 {
				return nil
			}
			key := ops[1]
			switch {
			case !key.Known:
				if p.Has("prefix", "from-key") || len(ops) >= 3 {
					return guard.Found(guard.Confirm, hint, "would delete a range of keys on %s from %s, which cannot be known here (%s): empty, that is every key", where, key.Text, strings.Join(key.Unknown, ", "))
				}
			case p.Has("prefix") || p.Has("from-key") && key.Value == "":
				if key.Value == "" || key.Value == "/" {
					return guard.Found(guard.Confirm, hint, "would delete every key on %s: the whole store", where)
				}
				return guard.Found(guard.Confirm, hint, "would delete every key under %s on %s%s", key.Value, where, registryNote(key.Value))
			case p.Has("from-key"):
				return guard.Found(guard.Confirm, hint, "would delete every key from %s to the end of the keyspace on %s", key.Value, where)
			case len(ops) >= 3:
				return guard.Found(guard.Confirm, hint, "would delete every key from %s up to %s on %s", key.Value, ops[2].Value, where)
			}
		case "rm":
			if p.Has("r", "recursive") && len(ops) >= 2 {
				return guard.Found(guard.Confirm, hint, "would delete the etcd directory %s on %s with every key under it%s", ops[1].Value, where, registryNote(ops[1].Value))
			}
		}
		return nil
	}
	for _, r := range readHTTPRequests(inv, host) {
		s := r.Segments
		if r.Method == "POST" && len(s) == 3 && strings.HasPrefix(s[0], "v3") && s[1] == "kv" && s[2] == "deleterange" && strings.Contains(r.Body, "range_end") {
			return guard.Found(guard.Confirm, hint, "would delete a range of keys on the etcd at %s%s (deleterange with range_end)", r.Hostport(), inv.Where())
		}
	}
	return nil
}

// registryNote: Kubernetes keeps every object of a cluster under /registry.
func registryNote(prefix string) string {
	if strings.HasPrefix("/registry/", prefix) || strings.HasPrefix(prefix, "/registry") {
		return " (Kubernetes keeps its cluster state under /registry: this deletes the objects of the cluster)"
	}
	return ""
}

// --- Consul ---

func matchConsulDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "export it first (consul kv export PREFIX > kv.json, or consul snapshot save) and look at what matches: consul kv get -recurse -keys PREFIX"
	if inv.Program == "consul" {
		g := readGoFlags(inv.Args, "http-addr", "token", "token-file", "datacenter", "namespace", "partition", "ca-file", "client-cert", "client-key", "tls-server-name", "cas", "modify-index")
		ops := g.operands
		if len(ops) < 2 || ops[0] != "kv" || ops[1] != "delete" || !g.truthy("recurse") || g.has("help", "h") {
			return nil
		}
		addr := envOr(host, "CONSUL_HTTP_ADDR", "127.0.0.1:8500 (consul's default address)")
		if a, ok := g.value("http-addr"); ok {
			addr = a
		}
		if len(ops) < 3 || ops[2] == "" || ops[2] == "/" {
			return guard.Found(guard.Confirm, hint, "would delete every key in the Consul KV store of %s%s", addr, inv.Where())
		}
		return guard.Found(guard.Confirm, hint, "would delete every Consul key under %s on %s%s", ops[2], addr, inv.Where())
	}
	for _, r := range readHTTPRequests(inv, host) {
		s := r.Segments
		if r.Method != "DELETE" || len(s) < 2 || s[0] != "v1" || s[1] != "kv" || !r.URL.Query().Has("recurse") {
			continue
		}
		prefix := strings.Join(s[2:], "/")
		if prefix == "" {
			return guard.Found(guard.Confirm, hint, "would delete every key in the Consul KV store of %s%s", r.Hostport(), inv.Where())
		}
		return guard.Found(guard.Confirm, hint, "would delete every Consul key under %s on %s%s", prefix, r.Hostport(), inv.Where())
	}
	return nil
}

// --- Redis, Valkey, KeyDB ---

var redisCliSpec = guard.OptSpec{ShortValue: "hpsaunrit", LongValue: []string{"user", "pass", "sni", "cacert", "cacertdir",
	"cert", "key", "rdb", "functions-rdb", "pattern", "count", "eval", "pipe-timeout", "memkeys-samples", "quoted-pattern", "tls-ciphers", "tls-ciphersuites", "cluster-yes"}}

var redisFlush = lazyre.New(`(?i)(^|[\s;"'(,])(flushall|flushdb)\b`)

func matchRedisFlush(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, redisCliSpec)
	var command string
	// redis-cli FLUSHALL as arguments is database-drop's; here what the
	// arguments hide (a script for EVAL) and what standard input feeds.
	for i, a := range p.Operands {
		v := strings.ToLower(a.Value)
		if inv.Program != "redis-cli" && i == 0 && (v == "flushall" || v == "flushdb") {
			command = strings.ToUpper(v)
		}
		if i > 0 && strings.EqualFold(p.Operands[0].Value, "eval") || i > 0 && strings.EqualFold(p.Operands[0].Value, "fcall") {
			if m := redisFlush.FindStringSubmatch(a.Value); m != nil {
				command = strings.ToUpper(m[2]) + " (in a script)"
			}
		}
	}
	if e, ok := p.Value("eval"); ok {
		if text, err := host.ReadFile(inv.Path(e.Value), maxBodyFile); err == nil {
			if m := redisFlush.FindStringSubmatch(string(text)); m != nil {
				command = strings.ToUpper(m[2]) + " (in " + e.Value + ")"
			}
		}
	}
	if text, known := inputText(inv, host); known && command == "" {
		for _, line := range strings.Split(text, "\n") {
			fields := strings.Fields(line)
			if len(fields) > 0 && (strings.EqualFold(fields[0], "flushall") || strings.EqualFold(fields[0], "flushdb")) {
				command = strings.ToUpper(fields[0]) + " (read from standard input)"
				break
			}
		}
	}
	massDelete, everyKey := false, false
	if len(p.Operands) > 0 && inv.MoreOperands == "xargs" {
		switch strings.ToLower(p.Operands[0].Value) {
		case "del", "unlink":
			massDelete, everyKey = true, scansEveryKey(inv)
		}
	}
	if command == "" && !massDelete {
		return nil
	}
	server, target := redisServer(p)
	db := ""
	if n, ok := p.Value("n"); ok {
		db = " (database " + n.Value + ")"
	}
	scope := "every key on the server"
	if strings.HasPrefix(command, "FLUSHDB") {
		scope = "every key of the selected database"
	}
	if command == "" && everyKey {
		return guard.Found(guard.Confirm, "give the keys you mean: redis-cli "+target+" --scan --pattern 'PREFIX:*'; save it first: redis-cli "+target+" --rdb /var/backups/dump.rdb",
			"would delete on %s%s%s every key of the database: the listing upstream scans them all (no --pattern), as FLUSHDB would, with no undo", server, db, inv.Where())
	}
	if command == "" {
		return guard.Found(guard.Warn, "count what matches first: redis-cli "+target+" --scan --pattern PATTERN | wc -l; save it: redis-cli "+target+" --rdb /var/backups/dump.rdb",
			"would delete on %s%s%s every key that xargs reads from the listing upstream, with no undo", server, db, inv.Where())
	}
	return guard.Found(guard.Confirm,
		"check where you are first (redis-cli "+target+" INFO keyspace) and save it: redis-cli "+target+" --rdb /var/backups/dump.rdb; rename-command FLUSHALL \"\" in redis.conf keeps it from happening",
		"would send %s to %s%s%s: %s is deleted at once, with no undo", command, server, db, inv.Where(), scope)
}

// redisServer is the server a redis-cli line talks to (host:port, or the
// -u URL) and the options that name it again in a hint.
func redisServer(p guard.Parsed) (server, target string) {
	if u, ok := p.Value("u"); ok {
		return u.Value, "-u " + u.Value
	}
	h, port := "127.0.0.1", "6379"
	if v, ok := p.Value("h"); ok {
		h = v.Value
	}
	if v, ok := p.Value("p"); ok {
		port = v.Value
	}
	return h + ":" + port, "-h " + h + " -p " + port
}

// redisDiscard is one Redis command that throws away the server's data
// or the writes since its last save, with what is lost.
type redisDiscard struct {
	words []string // the command's words, lower case, in order
	// unless: a last word that makes it harmless (REPLICAOF NO ONE).
	unless string
	loss   string
}

var redisDiscards = []redisDiscard{
	{words: []string{"shutdown", "nosave"}, loss: "the server stops without saving: every write since the last snapshot is lost (all of them on a cache-only server with no persistence set up)"},
	{words: []string{"debug", "segfault"}, loss: "the server crashes on purpose: every write since the last snapshot is lost and every client is cut off"},
	{words: []string{"debug", "crash-and-recover"}, loss: "the server crashes on purpose and restarts: every write since the last snapshot is lost"},
	{words: []string{"debug", "reload", "nosave"}, loss: "the server drops its data and reloads the last dump: every write since it is lost"},
	{words: []string{"replicaof"}, unless: "no", loss: "it becomes a replica of that server: it throws away every key it holds and loads the other server's data instead"},
	{words: []string{"slaveof"}, unless: "no", loss: "it becomes a replica of that server: it throws away every key it holds and loads the other server's data instead"},
	{words: []string{"cluster", "reset", "hard"}, loss: "the node forgets the cluster (its slots, its peers, its node id): on a replica its data goes too"},
}

// findRedisDiscard finds a discarding command in fields (the arguments,
// or one line of what standard input feeds).
func findRedisDiscard(fields []string) (redisDiscard, string, bool) {
	for _, d := range redisDiscards {
		if len(fields) < len(d.words) {
			continue
		}
		match := true
		for i, w := range d.words {
			if !strings.EqualFold(fields[i], w) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		rest := fields[len(d.words):]
		if d.unless != "" && (len(rest) == 0 || strings.EqualFold(rest[0], d.unless)) {
			continue // REPLICAOF NO ONE promotes; bare REPLICAOF is an error
		}
		return d, strings.ToUpper(strings.Join(fields, " ")), true
	}
	return redisDiscard{}, "", false
}

func matchRedisDiscard(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, redisCliSpec)
	d, command, found := findRedisDiscard(operandValues(p.Operands))
	if !found {
		if text, known := inputText(inv, host); known {
			for _, line := range strings.Split(text, "\n") {
				if d, command, found = findRedisDiscard(strings.Fields(line)); found {
					command += " (read from standard input)"
					break
				}
			}
		}
	}
	if !found {
		return nil
	}
	server, target := redisServer(p)
	return guard.Found(guard.Confirm,
		"check where you are first (redis-cli "+target+" INFO server; INFO persistence shows the last save) and save first: redis-cli "+target+" --rdb /var/backups/dump.rdb; to stop cleanly: redis-cli "+target+" SHUTDOWN SAVE",
		"would send %s to %s%s: %s; there is no undo", command, server, inv.Where(), d.loss)
}

// scansEveryKey: xargs reads a redis-cli --scan (or KEYS *) with no
// narrower pattern: every key.
func scansEveryKey(inv *guard.Invocation) bool {
	for _, up := range inv.Stdin {
		if up.Program != "redis-cli" && up.Program != "valkey-cli" && up.Program != "keydb-cli" {
			continue
		}
		p := guard.ParseOptions(up.Args, redisCliSpec)
		if p.Has("scan") {
			pattern, ok := p.Value("pattern")
			return !ok || pattern.Value == "*"
		}
		ops := operandValues(p.Operands)
		if len(ops) == 2 && strings.EqualFold(ops[0], "keys") && ops[1] == "*" {
			return true
		}
	}
	return false
}

// redisDumpPlaces are folders where a file Redis writes becomes code or
// a login: what the dump's bytes hold is the attacker's.
var redisDumpPlaces = []string{"/etc", "/root", "/var/spool/cron", "/usr", "/bin", "/sbin", "/lib", "/boot", "/home", "/var/www", "/srv/www"}

func matchRedisConfigWrite(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, redisCliSpec)
	ops := p.Operands
	for i := 0; i+2 < len(ops); i++ {
		if !strings.EqualFold(ops[i].Value, "config") || !strings.EqualFold(ops[i+1].Value, "set") {
			continue
		}
		for j := i + 2; j+1 < len(ops); j += 2 { // CONFIG SET takes several pairs (Redis 7)
			param, value := strings.ToLower(ops[j].Value), ops[j+1].Value
			if param != "dir" && param != "dbfilename" && param != "appendfilename" && param != "appenddirname" {
				continue
			}
			hint := "leave dir and dbfilename to redis.conf (CONFIG GET dir shows them); protect the server: bind 127.0.0.1, requirepass, rename-command CONFIG \"\""
			risky := param == "dir" && slices.ContainsFunc(redisDumpPlaces, func(d string) bool { return value == d || strings.HasPrefix(value, d+"/") }) ||
				strings.Contains(value, ".ssh") || param != "dir" && !strings.HasSuffix(value, ".rdb") && !strings.HasSuffix(value, ".aof")
			if risky {
				return guard.Found(guard.Confirm, hint,
					"would point Redis's dump at %s (CONFIG SET %s): the next SAVE writes a file there that holds whatever the keys hold, the known way in through authorized_keys, a crontab or a web root", value, param)
			}
			return guard.Found(guard.Warn, hint, "changes where Redis writes its dump (CONFIG SET %s %s): the next SAVE goes there, not where redis.conf says", param, value)
		}
	}
	return nil
}

// --- InfluxDB ---

var influxQLDrop = lazyre.New(`(?i)\b(drop\s+(database|measurement|series|retention\s+policy|shard)\s+("[^"]*"|\S+)|delete\s+from\s+("[^"]*"|\S+))`)

func matchInfluxDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "back it up first (influx backup /var/backups/influx, or influxd backup for 1.x) and check the host and org you are on (influx bucket list)"
	if inv.Program == "influx" {
		g := readGoFlags(inv.Args, "host", "port", "token", "t", "org", "o", "org-id", "configs-path", "active-config", "c",
			"name", "n", "id", "i", "bucket", "b", "bucket-id", "start", "stop", "predicate", "p", "database", "username", "password", "execute", "format", "precision")
		ops := g.operands
		if g.has("help", "h") {
			return nil
		}
		where := inv.Where()
		if h, ok := g.value("host"); ok {
			where = " on " + h + where
		}
		if q, ok := g.value("execute"); ok {
			if m := influxQLDrop.FindString(q); m != "" {
				return guard.Found(guard.Confirm, hint, "would run %s%s: the data is deleted at once, with no undo", strings.Join(strings.Fields(m), " "), where)
			}
		}
		if text, known := inputText(inv, host); known {
			if m := influxQLDrop.FindString(text); m != "" {
				return guard.Found(guard.Confirm, hint, "would run %s%s: the data is deleted at once, with no undo", strings.Join(strings.Fields(m), " "), where)
			}
		}
		name := ""
		if v, ok := g.value("name", "n", "id", "i"); ok {
			name = v
		}
		switch {
		case len(ops) >= 2 && ops[0] == "bucket" && ops[1] == "delete":
			return guard.Found(guard.Confirm, hint, "would delete the InfluxDB bucket %s%s with every point in it", name, where)
		case len(ops) >= 2 && ops[0] == "org" && ops[1] == "delete":
			return guard.Found(guard.Confirm, hint, "would delete the InfluxDB organization %s%s with every bucket, dashboard and task in it", name, where)
		case len(ops) >= 1 && ops[0] == "delete":
			bucket, _ := g.value("bucket", "b", "bucket-id")
			start, _ := g.value("start")
			stop, _ := g.value("stop")
			pred, hasPred := g.value("predicate", "p")
			what := "every point"
			if hasPred {
				what = "the points matching " + pred
			}
			return guard.Found(guard.Confirm, hint, "would delete %s in the InfluxDB bucket %s between %s and %s%s, with no undo", what, bucket, start, stop, where)
		}
		return nil
	}
	for _, r := range readHTTPRequests(inv, host) {
		s := r.Segments
		influx := r.PortIs("8086") || r.HostHas("influx")
		switch {
		case r.Method == "DELETE" && len(s) == 4 && s[0] == "api" && s[1] == "v2" && s[2] == "buckets":
			return guard.Found(guard.Confirm, hint, "would delete the InfluxDB bucket %s on %s%s with every point in it", s[3], r.Hostport(), inv.Where())
		case r.Method == "POST" && len(s) == 3 && s[0] == "api" && s[1] == "v2" && s[2] == "delete":
			return guard.Found(guard.Confirm, hint, "would delete points of bucket %s on %s%s (%s), with no undo", r.URL.Query().Get("bucket"), r.Hostport(), inv.Where(), strings.TrimSpace(r.Body))
		case influx && len(s) == 1 && s[0] == "query":
			q := r.URL.Query().Get("q") + " " + r.Body
			if m := influxQLDrop.FindString(q); m != "" {
				return guard.Found(guard.Confirm, hint, "would run %s on %s%s: the data is deleted at once, with no undo", strings.Join(strings.Fields(m), " "), r.Hostport(), inv.Where())
			}
		}
	}
	return nil
}

// --- NATS JetStream ---

func matchNatsDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "s", LongValue: []string{"server", "user", "password", "creds", "nkey", "context", "tlscert", "tlskey", "tlsca", "timeout", "js-domain", "subject", "seq", "keep"}})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || p.Has("help", "h") {
		return nil
	}
	where := "the current nats context"
	if c, ok := p.Value("context"); ok {
		where = "context " + c.Value
	} else if s, ok := p.Value("s", "server"); ok {
		where = s.Value
	}
	where += inv.Where()
	name := "(chosen interactively)"
	if len(ops) >= 3 {
		name = ops[2]
	}
	hint := "look first (nats stream info NAME, nats kv status BUCKET) and back it up: nats stream backup NAME /var/backups/NAME"
	remove := ops[1] == "rm" || ops[1] == "delete" || ops[1] == "del"
	switch ops[0] {
	case "stream", "str":
		if remove {
			return guard.Found(guard.Confirm, hint, "would delete the JetStream stream %s on %s with every message in it", name, where)
		}
		if ops[1] == "purge" {
			what := "every message"
			if p.Has("subject", "seq", "keep") {
				what = "the selected messages"
			}
			return guard.Found(guard.Confirm, hint, "would delete %s in the JetStream stream %s on %s (the stream stays)", what, name, where)
		}
	case "kv", "object", "obj":
		if remove && len(ops) <= 3 {
			return guard.Found(guard.Confirm, hint, "would delete the %s bucket %s on %s with everything in it", map[bool]string{true: "key-value", false: "object store"}[ops[0] == "kv"], name, where)
		}
	}
	return nil
}

// mongoShutdown finds the shutdown call in mongo shell code, with its
// force option when given.
var mongoShutdown = lazyre.New(`shutdownServer\s*\(([^)]*)\)|adminCommand\s*\(\s*\{([^}]*\bshutdown["']?\s*:[^}]*)\}`)

var mongoForce = lazyre.New(`\bforce["']?\s*:\s*true`)

func matchMongoShutdown(inv *guard.Invocation, host guard.Host) *guard.Finding {
	for _, code := range sqlTexts(inv) {
		m := mongoShutdown.FindStringSubmatch(code)
		if m == nil {
			continue
		}
		hint := "check which member you are on first (db.hello().isWritablePrimary, rs.status()); on a primary step it down first (rs.stepDown()), or stop the service where it runs (systemctl stop mongod)"
		if mongoForce.MatchString(m[1] + m[2]) {
			return guard.Found(guard.Confirm, hint,
				"would stop the MongoDB server at once (force: true): a primary does not wait for its secondaries to catch up, so writes they have not copied are rolled back when it comes back, and every application loses the server until it is started again")
		}
		return guard.Found(guard.Confirm, hint,
			"would stop the MongoDB server: every application connected to it loses its database until it is started again (systemctl start mongod)")
	}
	return nil
}
