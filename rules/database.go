package rules

import (
	"path"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

func databaseRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "database-drop",
		Programs:   []string{"mysql", "mariadb", "psql", "sqlite3", "clickhouse-client", "mysqladmin", "dropdb", "redis-cli", "mongo", "mongosh", "cqlsh", "cockroach", "sqlcmd", "usql", "duckdb", "mysqlsh", "pgcli", "mycli", "clickhouse", "pg_dropcluster", "pg_resetwal", "pg_resetxlog", "dropuser", "pg_restore"},
		Decision:   guard.Confirm,
		Summary:    "DROP DATABASE/TABLE/KEYSPACE, TRUNCATE, DELETE or UPDATE without WHERE (typed, or in a file the client reads: < FILE, psql -f, cat FILE |), column, role and binlog drops, pg_restore --clean into a database, dropdb, dropuser, pg_dropcluster, pg_resetwal, redis FLUSHALL, mongo dropDatabase, drop() and deleteMany({}) (psql, mysql, cqlsh, cockroach sql, sqlcmd, mongosh…)",
		Postmortem: "production databases dropped from a shell typed in the wrong terminal",
		Match:      matchDatabaseDrop,
	}}
}

// mongoDeleteAll: a delete whose filter is empty matches every document.
var mongoDeleteAll = lazyre.New(`\.(?:getCollection\(\s*["']([\w.-]+)["']\s*\)|([\w-]+))\.(deleteMany|remove)\(\s*(?:\{\s*\})?\s*\)`)

var destructiveSQL = lazyre.New(`(?i)\b(drop\s+(database|schema|table|keyspace)\b|truncate\s+(table\s+)?[\w."]+|delete\s+from\s+[\w."]+\s*(;|$))`)

func matchDatabaseDrop(inv *guard.Invocation, host guard.Host) *guard.Finding {
	hint := "take a dump first (mysqldump DB > DB.sql, pg_dump DB > DB.sql, redis-cli --rdb dump.rdb) and check which server you are on"
	switch inv.Program {
	case "dropdb":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "hpUd", LongValue: []string{"host", "port", "username", "maintenance-db"}})
		if len(p.Operands) > 0 && !p.Has("help", "version") {
			if f, ok := dropKept(inv, []string{p.Operands[0].Value}); ok {
				return f
			}
			if f := dropTestDatabases(inv, []string{p.Operands[0].Value}); f != nil {
				return f
			}
			return guard.Found(guard.Confirm, hint, "would drop the PostgreSQL database %s and all its data", p.Operands[0].Value)
		}
		return nil
	case "mysqladmin":
		for i, a := range inv.Args {
			if strings.EqualFold(a.Value, "drop") && i+1 < len(inv.Args) {
				if f, ok := dropKept(inv, []string{inv.Args[i+1].Value}); ok {
					return f
				}
				if f := dropTestDatabases(inv, []string{inv.Args[i+1].Value}); f != nil {
					return f
				}
				return guard.Found(guard.Confirm, hint, "would drop the MySQL database %s and all its data", inv.Args[i+1].Value)
			}
		}
		return nil
	case "pg_restore":
		return pgRestoreClean(inv)
	case "dropuser":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "hpU", LongValue: []string{"host", "port", "username"}})
		ops := operandValues(p.Operands)
		if len(ops) == 0 || p.Has("help", "version", "V", "i", "interactive") {
			return nil // dropuser with no name asks for it, and -i asks before dropping
		}
		loss := dropRoleLoss
		return guard.Found(guard.Confirm, loss.hint, "would drop the PostgreSQL role %s: %s", ops[0], loss.loss)
	case "pg_dropcluster":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{})
		ops := operandValues(p.Operands)
		if len(ops) < 2 || p.Has("help", "h") {
			return nil
		}
		return guard.Found(guard.Confirm, "see what it holds first: pg_lsclusters; take a dump first: sudo -u postgres pg_dumpall --cluster "+ops[0]+"/"+ops[1]+" > all.sql",
			"would delete the PostgreSQL cluster %s/%s: its data directory, every database in it and its configuration go, with no undo", ops[0], ops[1])
	case "pg_resetwal", "pg_resetxlog":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "DceloxmOu", LongValue: []string{"pgdata", "commit-timestamp-ids", "epoch", "next-wal-file", "multixact-ids", "next-oid", "multixact-offset", "next-transaction-id", "wal-segsize", "char-signedness"}})
		if p.Has("n", "dry-run", "help", "V", "version") {
			return nil // -n prints the values it would write
		}
		dir := "the data directory (PGDATA)"
		if d, ok := p.Value("D", "pgdata"); ok {
			dir = d.Value
		} else if ops := operandValues(p.Operands); len(ops) > 0 {
			dir = ops[0]
		}
		return guard.Found(guard.Confirm, "it is a last resort: copy the whole data directory first (cp -a), then try pg_resetwal -n to see what it would write",
			"would throw away the write-ahead log of %s: transactions not yet written to the data files are lost and the database can be left inconsistent", dir)
	case "redis-cli":
		for _, a := range inv.Args {
			if v := strings.ToLower(a.Value); v == "flushall" || v == "flushdb" {
				if f, ok := dropKept(inv, []string{"*"}); ok {
					return f
				}
				return guard.Found(guard.Confirm, hint, "would delete every key (%s) on the Redis server", strings.ToUpper(v))
			}
		}
		return nil
	}
	for _, src := range sqlSources(inv, host) {
		sql := src.text
		if src.file && destructiveSQL.MatchString(sql) && !destructiveSQL.MatchString(dropRecreated(sql)) {
			return guard.Found(guard.Warn, "restore into a new database first and compare, or take a dump of what is there now",
				"restores a dump%s: the tables it names are dropped and made again from it, and rows written since the dump was taken are lost", src.from)
		}
		if m := destructiveSQL.FindString(sql); m != "" {
			statement := strings.Join(strings.Fields(m), " ") + src.from
			targets, made := sqlTargets(inv, sql)
			if len(targets) == 0 && made > 0 {
				return nil // it drops only what the same text created
			} else if f, ok := dropKept(inv, targets); ok {
				return f
			} else if f := dropTestDatabases(inv, targets); f != nil && strings.Contains(strings.ToLower(statement), "database") {
				return f
			}
			if db := scratchDatabase(inv); db != "" && !strings.Contains(strings.ToLower(statement), "database") {
				return guard.Found(guard.Warn, hint, "runs %s in %s, a development or test database by its name", statement, db)
			}
			return guard.Found(guard.Confirm, hint+"; where the database allows it, run it inside BEGIN; … ROLLBACK; first",
				"would run %s: the data is deleted at once, with no undo", statement)
		}
		if statement, table := updateEveryRow(sql); statement != "" {
			statement += src.from
			if db := scratchDatabase(inv); db != "" {
				return guard.Found(guard.Warn, hint, "runs %s in %s, a development or test database by its name", statement, db)
			}
			return guard.Found(guard.Confirm, "add the WHERE you mean and count what it matches first (SELECT count(*) FROM "+table+" WHERE …); run it inside BEGIN; … ROLLBACK; first",
				"would run %s on every row of %s (no WHERE): the old values are overwritten at once, with no undo", statement, table)
		}
		if loss := schemaLossIn(sql); loss != nil {
			statement := strings.Join(strings.Fields(loss.re.FindString(sql)), " ") + src.from
			if db := scratchDatabase(inv); db != "" {
				return guard.Found(guard.Warn, hint, "runs %s in %s, a development or test database by its name", statement, db)
			}
			return guard.Found(guard.Confirm, loss.hint, "would run %s: %s", statement, loss.loss)
		}
		if strings.Contains(sql, "dropDatabase(") || strings.Contains(sql, "dropDatabase:") || strings.Contains(sql, ".drop()") {
			return guard.Found(guard.Confirm, hint, "would drop a MongoDB database or collection")
		}
		if m := mongoDeleteAll.FindStringSubmatch(sql); m != nil {
			coll := m[1] + m[2] // one of the two is set
			return guard.Found(guard.Confirm, "take a dump first (mongodump --collection "+coll+"), count what matches (db."+coll+".countDocuments({})) and give the filter you mean",
				"would delete every document of the MongoDB collection %s (%s with an empty filter), with no undo", coll, m[3])
		}
	}
	return nil
}

// sqlSource is SQL a client would run, and where it comes from when that
// is a file (" (from restore.sql)"), for the message.
type sqlSource struct {
	text string
	from string
	file bool
}

// sqlFileLimit bounds how much of a file of SQL guard reads: the
// statements that drop come first in dumps and scripts.
const sqlFileLimit = 1 << 20

// sqlSources are sqlTexts and the files the client reads its statements
// from: standard input redirected from a file (mysql shop < x.sql) and
// psql -f / --file. A file guard cannot read is not judged: the shell
// or the client fails on it before any statement runs.
func sqlSources(inv *guard.Invocation, host guard.Host) []sqlSource {
	var out []sqlSource
	for _, t := range sqlTexts(inv) {
		out = append(out, sqlSource{text: t})
	}
	var files []guard.Arg
	for _, rd := range inv.Redirs {
		if rd.Op == "<" && (rd.Fd == "" || rd.Fd == "0") {
			files = append(files, rd.Target)
		}
	}
	if inv.Program == "psql" {
		files = append(files, guard.ParseOptions(inv.Args, psqlSpec).Values("f", "file")...)
	} else if opts := sqlFileOptions[inv.Program]; opts != nil {
		for i, a := range inv.Args {
			for _, opt := range opts {
				if a.Value == opt && i+1 < len(inv.Args) {
					files = append(files, inv.Args[i+1])
				} else if rest, ok := strings.CutPrefix(a.Value, opt+"="); ok && strings.HasPrefix(opt, "--") {
					files = append(files, guard.Arg{Text: a.Text, Value: rest, Known: a.Known})
				}
			}
		}
	}
	if n := len(inv.Stdin); n > 0 && inv.Stdin[n-1].Program == "cat" {
		files = append(files, guard.ParseOptions(inv.Stdin[n-1].Args, guard.OptSpec{}).Operands...) // cat x.sql | mysql
	}
	for _, f := range files {
		if !f.Known || f.Value == "-" || host == nil || inv.Remote != "" {
			continue // a file on another host is not read here
		}
		path := inv.Path(f.Value)
		data, err := host.ReadFile(path, sqlFileLimit)
		if err != nil {
			continue
		}
		out = append(out, sqlSource{text: string(data), from: " (from " + path + ")", file: true})
	}
	return out
}

// sqlDropIfExists finds the DROP TABLE IF EXISTS a dump opens each table
// with; sqlCreateTable the CREATE TABLE that follows.
var (
	sqlDropIfExists = lazyre.New(`(?i)\bdrop\s+table\s+if\s+exists\s+([\w."` + "`" + `]+)\s*;`)
	sqlCreateTable  = lazyre.New(`(?i)\bcreate\s+table\s+(?:if\s+not\s+exists\s+)?([\w."` + "`" + `]+)`)
)

// dropRecreated returns sql without each DROP TABLE IF EXISTS whose table
// the same text creates again later: what a dump (mysqldump, pg_dump
// --clean --if-exists) does to restore a table, rather than to delete it.
func dropRecreated(sql string) string {
	var b strings.Builder
	last := 0
	for _, m := range sqlDropIfExists.FindAllStringSubmatchIndex(sql, -1) {
		name := sql[m[2]:m[3]]
		if !slices.ContainsFunc(sqlCreateTable.FindAllStringSubmatch(sql[m[1]:], -1), func(c []string) bool { return c[1] == name }) {
			continue
		}
		b.WriteString(sql[last:m[0]])
		last = m[1]
	}
	b.WriteString(sql[last:])
	return b.String()
}

// schemaLoss is a statement that deletes no rows but loses data or
// access all the same: a column, an account, a replication position.
type schemaLoss struct {
	re   *lazyre.Regexp
	loss string
	hint string
}

// dropRoleLoss is DROP USER or ROLE, and dropuser.
var dropRoleLoss = schemaLoss{lazyre.New(`(?i)\bdrop\s+(?:user|role)\s+(?:if\s+exists\s+)?[\w."'` + "`" + `@%]+`),
	"the account goes with its grants: the applications that log in with it are refused at once",
	"lock it first and watch for failures (ALTER USER … ACCOUNT LOCK, ALTER ROLE … NOLOGIN); keep its grants: SHOW GRANTS FOR …"}

var schemaLosses = []schemaLoss{
	{lazyre.New(`(?i)\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?[\w."` + "`" + `]+\s+(?:[^;]*,\s*)?drop\s+column\s+(?:if\s+exists\s+)?[\w."` + "`" + `]+`),
		"the column's values in every row are deleted at once, with no undo",
		"copy the column first (CREATE TABLE t_backup AS SELECT id, COL FROM t) or take a dump; check which server you are on"},
	dropRoleLoss,
	{lazyre.New(`(?i)\bdrop\s+owned\s+by\s+[\w"]+`),
		"every table, view and function the role owns, in this database, is dropped with its data",
		"see what it owns first (\\dt with the owner column, or pg_dump --schema-only); REASSIGN OWNED BY keeps the objects"},
	{lazyre.New(`(?i)\breset\s+(?:master|binary\s+logs\s+and\s+gtids)\b`),
		"every binary log is deleted: replicas and point-in-time recovery lose their position",
		"purge old logs only: PURGE BINARY LOGS BEFORE NOW() - INTERVAL 7 DAY; check the replicas first (SHOW REPLICAS)"},
	{lazyre.New(`(?i)\bpg_drop_replication_slot\s*\(\s*'[^']*'\s*\)`),
		"the replica or consumer that uses the slot loses its place in the WAL and must be rebuilt",
		"check that nothing uses it first: SELECT slot_name, active FROM pg_replication_slots"},
}

// schemaLossIn returns the first schemaLoss sql holds, or nil.
func schemaLossIn(sql string) *schemaLoss {
	for i := range schemaLosses {
		if schemaLosses[i].re.MatchString(sql) {
			return &schemaLosses[i]
		}
	}
	return nil
}

// sqlUpdate finds each UPDATE statement up to its end; updateEveryRow
// keeps those with no WHERE (RE2 cannot say "not followed by").
var sqlUpdate = lazyre.New(`(?i)\bupdate\s+([\w."` + "`" + `]+)\s+set\b[^;]*`)

var sqlWhere = lazyre.New(`(?i)\bwhere\b`)

// updateEveryRow returns the first UPDATE … SET of sql that has no WHERE,
// shortened for the message, and the table it writes.
func updateEveryRow(sql string) (statement, table string) {
	for _, m := range sqlUpdate.FindAllStringSubmatch(sql, -1) {
		if sqlWhere.MatchString(m[0]) {
			continue
		}
		statement = strings.Join(strings.Fields(m[0]), " ")
		if len(statement) > 60 {
			statement = statement[:60] + "…"
		}
		return statement, strings.Trim(m[1], "`\"")
	}
	return "", ""
}

// sqlTexts collects the SQL a client would run: -e, -c, --query, --eval,
// sqlite3's second operand, and standard input when it can be known.
func sqlTexts(inv *guard.Invocation) []string {
	var texts []string
	args := inv.Args
	for i, a := range args {
		v := a.Value
		for _, opt := range []string{"-e", "--execute", "-c", "--command", "-q", "-Q", "--query", "--eval", "--sql"} {
			if v == opt && i+1 < len(args) {
				texts = append(texts, args[i+1].Value)
			}
			if rest, ok := strings.CutPrefix(v, opt+"="); ok && strings.HasPrefix(opt, "--") {
				texts = append(texts, rest)
			}
		}
	}
	if inv.Program == "sqlite3" {
		p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "", LongValue: nil})
		if len(p.Operands) >= 2 {
			texts = append(texts, p.Operands[1].Value)
		}
	}
	for _, rd := range inv.Redirs {
		if rd.Input() {
			texts = append(texts, rd.Target.Value)
		}
	}
	if len(inv.Stdin) > 0 {
		last := inv.Stdin[len(inv.Stdin)-1]
		if last.Program == "echo" || last.Program == "printf" {
			texts = append(texts, strings.Join(last.Values(), " "))
		}
	}
	return texts
}

// scratchWords mark a database kept for development or tests by its name
// (app_dev, test, ci-db), as a word of the name.
var scratchWords = lazyre.New(`(?i)(^|[_\-.])(dev|devel|development|test|tests|testing|local|ci|sandbox|scratch)($|[_\-.])`)

// testWords mark a database made for test runs by its name (app_test,
// ci_db, tmp-import): the tests' set-up drops and creates it again each
// time, so nothing in it is kept by hand, unlike a development database.
var testWords = lazyre.New(`(?i)(^|[_\-.])(test|tests|testing|ci|tmp|temp|scratch)($|[_\-.])`)

// dropTestDatabases: a warning when every database a command drops is
// one made for test runs by its name, on a server whose name does not say
// production (dropdb --if-exists app_test before the tests create it);
// nil otherwise.
func dropTestDatabases(inv *guard.Invocation, dbs []string) *guard.Finding {
	_, server := connectedDatabase(inv)
	if s, _, ok := serverOf(inv); ok && s.host != "" {
		server = s.host
	}
	if len(dbs) == 0 || strings.Contains(strings.ToLower(server), "prod") {
		return nil
	}
	for _, db := range dbs {
		if db == "" || db == "*" || strings.Contains(strings.ToLower(db), "prod") || !testWords.MatchString(db) {
			return nil
		}
	}
	return guard.Found(guard.Warn, "make sure this is the test server you mean; the tests' set-up creates it again",
		"drops %s, a database made for test runs by its name: its data goes, and the next test run creates it again", strings.Join(dbs, ", "))
}

// scratchDatabase is the database a client connects to when its name
// says it is for development or tests, on a server whose name does not
// say production; "" otherwise.
func scratchDatabase(inv *guard.Invocation) string {
	db, server := connectedDatabase(inv)
	name := db
	if inv.Program == "sqlite3" {
		name = path.Base(db) // the file's name; its folders may say prod
	}
	if strings.Contains(db, "=") || strings.Contains(strings.ToLower(db+" "+server), "prod") || !scratchWords.MatchString(name) {
		return "" // a connection string, or a production server
	}
	return db
}

// connectedDatabase is the database a psql or mysql client connects to
// and the server given, "" where not given or not known.
func connectedDatabase(inv *guard.Invocation) (db, server string) {
	client, ok := sqlClients[inv.Program]
	if !ok {
		return "", ""
	}
	p := guard.ParseOptions(inv.Args, client.spec)
	if v, ok := p.Value(client.dbOptions...); ok && v.Known {
		db = v.Value
	} else if len(p.Operands) > 0 && p.Operands[0].Known {
		db = p.Operands[0].Value
	}
	if h, ok := p.Value("h", "host"); ok {
		server = h.Value
	}
	return db, server
}

// sqlClients: how psql and mysql name the database they connect to (an
// option, else the first operand); both take the server as -h/--host.
// sqlite3's is its first operand, a file.
var sqlClients = map[string]struct {
	spec      guard.OptSpec
	dbOptions []string
}{
	"psql":    {guard.OptSpec{ShortValue: "cdfhpUvLoTFRP", LongValue: []string{"command", "dbname", "file", "host", "port", "username", "set", "variable", "log-file", "output", "table-attr", "field-separator", "record-separator", "pset"}}, []string{"d", "dbname"}},
	"mysql":   {mysqlClientSpec, []string{"D", "database"}},
	"mariadb": {mysqlClientSpec, []string{"D", "database"}},
	// sqlite3 FILE SQL: the database is the file (test.db, dev.sqlite3)
	"sqlite3": {guard.OptSpec{ShortValue: ""}, nil},
}

var mysqlClientSpec = guard.OptSpec{ShortValue: "eDhPuSp", LongValue: []string{"execute", "database", "host", "port", "user", "socket"}}

// dbServer names the server a client or dump tool talks to: its family
// (postgres, mysql, redis) and the host and port as given ("" for the
// default).
type dbServer struct{ family, host, port string }

var (
	pgDumpSpec = guard.OptSpec{ShortValue: "dfFjnNtTZhpUES", LongValue: []string{"dbname", "file", "format", "jobs", "schema", "exclude-schema", "table", "exclude-table", "exclude-table-data", "compress", "host", "port", "username", "encoding", "superuser", "lock-wait-timeout", "role", "section", "snapshot", "extra-float-digits", "rows-per-insert", "filter", "extension", "exclude-extension", "exclude-database"}}
	mysqlSpec  = guard.OptSpec{ShortValue: "uhPrSweD", LongValue: []string{"user", "host", "port", "result-file", "socket", "where", "ignore-table", "execute", "database", "defaults-file", "defaults-extra-file", "default-character-set"}}
	redisSpec  = guard.OptSpec{ShortValue: "hpanu", LongValue: []string{"rdb", "user", "pass"}}
	psqlSpec   = guard.OptSpec{ShortValue: "cdfhpUvLoPTF", LongValue: []string{"command", "dbname", "file", "host", "port", "username", "variable", "set", "log-file", "output", "pset", "table-attr", "field-separator", "record-separator"}}
)

// serverOf: the server a database command talks to; ok false for another
// program.
func serverOf(inv *guard.Invocation) (dbServer, guard.Parsed, bool) {
	var family string
	var spec guard.OptSpec
	switch inv.Program {
	case "pg_dump", "pg_dumpall", "psql", "dropdb", "createdb":
		family, spec = "postgres", pgDumpSpec
		spec.ShortValue += "cv"
		spec.LongValue = append(slices.Clip(spec.LongValue), "command", "set", "variable", "maintenance-db")
	case "mysqldump", "mariadb-dump", "mysql", "mariadb", "mysqladmin":
		family, spec = "mysql", mysqlSpec
	case "redis-cli":
		family, spec = "redis", redisSpec
	default:
		return dbServer{}, guard.Parsed{}, false
	}
	p := guard.ParseOptions(inv.Args, spec)
	s := dbServer{family: family}
	if h, ok := p.Value("h", "host"); ok {
		s.host = h.Value
	}
	if v, ok := p.Value("p", "port"); ok && family != "mysql" {
		s.port = v.Value
	}
	if v, ok := p.Value("P", "port"); ok && family == "mysql" {
		s.port = v.Value
	}
	return s, p, true
}

// dumpOf: b dumps the database db of the server (or all of them) whole,
// schema and data; out is its output option, the zero Arg for stdout.
func dumpOf(b *guard.Invocation, server dbServer, db string) (out guard.Arg, ok bool) {
	s, p, known := serverOf(b)
	if !known || s != server {
		return guard.Arg{}, false
	}
	out, _ = p.Value("f", "file", "r", "result-file", "rdb")
	switch b.Program {
	case "pg_dump":
		if p.Has("a", "data-only", "s", "schema-only", "n", "schema", "N", "exclude-schema", "t", "table", "T", "exclude-table", "exclude-table-data", "section") {
			return guard.Arg{}, false // a part only
		}
		name, given := p.Value("d", "dbname")
		if !given && len(p.Operands) > 0 {
			name, given = p.Operands[0], true
		}
		return out, given && name.Known && name.Value == db
	case "pg_dumpall":
		return out, !p.Has("a", "data-only", "s", "schema-only", "g", "globals-only", "r", "roles-only", "t", "tablespaces-only", "exclude-database")
	case "mysqldump", "mariadb-dump":
		if p.Has("d", "no-data", "t", "no-create-info", "w", "where", "ignore-table") {
			return guard.Arg{}, false
		}
		if p.Has("A", "all-databases") {
			return out, true
		}
		if p.Has("B", "databases") {
			return out, slices.ContainsFunc(p.Operands, func(o guard.Arg) bool { return o.Known && o.Value == db })
		}
		return out, len(p.Operands) == 1 && p.Operands[0].Known && p.Operands[0].Value == db // tables after it: a part only
	case "redis-cli":
		return out, out.Text != ""
	}
	return guard.Arg{}, false
}

// createSQL finds CREATE DATABASE statements.
var createSQL = lazyre.New(`(?i)\bcreate\s+(?:database|schema)\s+(?:if\s+not\s+exists\s+)?[` + "`" + `"]?([\w-]+)`)

// createdBy: b made the database db on the server: createdb, mysqladmin
// create, CREATE DATABASE run by a client.
func createdBy(b *guard.Invocation, server dbServer, db string) bool {
	s, p, known := serverOf(b)
	if !known || s != server {
		return false
	}
	switch b.Program {
	case "createdb":
		return len(p.Operands) > 0 && p.Operands[0].Known && p.Operands[0].Value == db
	case "mysqladmin":
		return len(p.Operands) > 1 && strings.EqualFold(p.Operands[0].Value, "create") && p.Operands[1].Value == db
	}
	for _, sql := range sqlTexts(b) {
		for _, m := range createSQL.FindAllStringSubmatch(sql, -1) {
			if m[1] == db {
				return true
			}
		}
	}
	return false
}

// dropKept: every database whose data the command deletes (dbs, "*" for
// all of the server's) was made by the line, or dumped whole to a real
// file, by commands of the line that certainly ran before it on the same
// server (guard.Invocation.RanBefore). The finding is nil when the line
// made them all: it takes back only its own; else a warning naming the
// dumps. ok is false when one is neither.
func dropKept(inv *guard.Invocation, dbs []string) (f *guard.Finding, ok bool) {
	server, _, known := serverOf(inv)
	if !known || len(dbs) == 0 {
		return nil, false
	}
	var files []string
	for _, db := range dbs {
		if db == "" {
			return nil, false // guard cannot tell which database
		}
		made := false
		for b := range inv.SucceededBefore {
			if createdBy(b, server, db) {
				made = true
				break
			}
		}
		if made {
			continue
		}
		_, file := keptCopy(inv, func(b *guard.Invocation) (guard.Arg, bool) { return dumpOf(b, server, db) })
		if file == "" {
			return nil, false
		}
		files = append(files, file)
	}
	if len(files) == 0 {
		return nil, true
	}
	return guard.Found(guard.Warn, "keep "+strings.Join(files, ", ")+" until you no longer need the data: it is the only copy now",
		"deletes the data of %s; the line dumped it to %s just before", strings.Join(dbs, ", "), strings.Join(files, ", ")), true
}

// sqlTargets: the databases the destructive statements of sql delete data
// in ("" where guard cannot tell): DROP DATABASE names it; a table
// statement acts in the database the client is connected to, or the one
// that qualifies the table (MySQL's db.table). A database created
// earlier in the same text stands as made by the line: made lists those.
func sqlTargets(inv *guard.Invocation, sql string) (targets []string, made int) {
	connected, _ := connectedDatabase(inv)
	for _, m := range sqlStatement.FindAllStringSubmatchIndex(sql, -1) {
		g := 2
		for g < len(m)-2 && m[g] < 0 {
			g += 4 // the branch that matched: kind and name side by side
		}
		kind, name := strings.ToLower(sql[m[g]:m[g+1]]), strings.Trim(sql[m[g+2]:m[g+3]], "`\"")
		db := connected
		switch {
		case kind == "database" || (kind == "schema" && inv.Program != "psql"):
			db = name
		case inv.Program != "psql" && strings.Contains(name, "."):
			db, _, _ = strings.Cut(name, ".")
		}
		if db != "" && slices.ContainsFunc(createSQL.FindAllStringSubmatchIndex(sql[:m[0]], -1), func(c []int) bool { return sql[c[2]:c[3]] == db }) {
			made++
			continue // made earlier in the same text
		}
		targets = append(targets, db)
	}
	return targets, made
}

// sqlStatement finds each destructive statement with its kind and the
// name it acts on.
var sqlStatement = lazyre.New(`(?i)\b(?:drop\s+(database|schema|table|keyspace)\s+(?:if\s+exists\s+)?([\w."` + "`" + `]+)|(truncate)\s+(?:table\s+)?([\w."` + "`" + `]+)|(delete)\s+from\s+([\w."` + "`" + `]+)\s*(?:;|$))`)

// pgRestoreSpec: pg_restore's options that take a value.
var pgRestoreSpec = guard.OptSpec{ShortValue: "dfFIjLnNPSTthpU", LongValue: []string{"dbname", "file", "format", "index", "jobs", "use-list", "schema", "exclude-schema", "function", "superuser", "trigger", "table", "host", "port", "username", "role", "section", "filter", "exclude-database"}}

// pgRestoreClean: pg_restore --clean drops every object of the dump in the
// database it connects to before creating them again (--if-exists only
// silences the errors for those missing); with --create it drops the
// dump's database itself. Restoring into an empty database, listing the
// dump (-l) or writing a script (-f without -d) drop nothing.
func pgRestoreClean(inv *guard.Invocation) *guard.Finding {
	p := guard.ParseOptions(inv.Args, pgRestoreSpec)
	db, toDB := p.Value("d", "dbname")
	if !toDB || !p.Has("c", "clean") || p.Has("l", "list", "help", "version") {
		return nil
	}
	dump := "the dump"
	if len(p.Operands) > 0 {
		dump = p.Operands[0].Value
	}
	hint := "restore into a new, empty database first (createdb NEW; pg_restore -d NEW " + dump + "), or take a dump of what is there now (pg_dump -Fc " + db.Value + " > " + db.Value + ".before.dump)"
	if p.Has("C", "create") {
		return guard.Found(guard.Confirm, hint,
			"would drop the database named in %s and create it again (pg_restore --clean --create): everything in it now is lost", dump)
	}
	if f := dropTestDatabases(inv, []string{db.Value}); f != nil {
		return f
	}
	return guard.Found(guard.Confirm, hint,
		"would drop every table, view and function of %s in the database %s before restoring it (pg_restore --clean): rows written there since the dump are lost", dump, db.Value)
}

// sqlFileOptions are the options that name a file of SQL a client runs.
var sqlFileOptions = map[string][]string{
	"sqlcmd":            {"-i", "--input-file"},
	"clickhouse-client": {"--queries-file"},
	"cockroach":         {"--file", "-f"},
}
