package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

func databaseRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "database-drop",
		Programs:   []string{"mysql", "mariadb", "psql", "sqlite3", "clickhouse-client", "mysqladmin", "dropdb", "redis-cli", "mongo", "mongosh", "cqlsh", "cockroach", "sqlcmd", "usql", "duckdb", "mysqlsh", "pgcli", "mycli", "clickhouse"},
		Decision:   guard.Confirm,
		Summary:    "DROP DATABASE/TABLE/KEYSPACE, TRUNCATE, DELETE without WHERE, dropdb, redis FLUSHALL, mongo dropDatabase, drop() and deleteMany({}) (psql, mysql, cqlsh, cockroach sql, sqlcmd, mongosh…)",
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
			return guard.Found(guard.Confirm, hint, "would drop the PostgreSQL database %s and all its data", p.Operands[0].Value)
		}
		return nil
	case "mysqladmin":
		for i, a := range inv.Args {
			if strings.EqualFold(a.Value, "drop") && i+1 < len(inv.Args) {
				return guard.Found(guard.Confirm, hint, "would drop the MySQL database %s and all its data", inv.Args[i+1].Value)
			}
		}
		return nil
	case "redis-cli":
		for _, a := range inv.Args {
			if v := strings.ToLower(a.Value); v == "flushall" || v == "flushdb" {
				return guard.Found(guard.Confirm, hint, "would delete every key (%s) on the Redis server", strings.ToUpper(v))
			}
		}
		return nil
	}
	for _, sql := range sqlTexts(inv) {
		if m := destructiveSQL.FindString(sql); m != "" {
			statement := strings.Join(strings.Fields(m), " ")
			if db := scratchDatabase(inv); db != "" && !strings.Contains(strings.ToLower(statement), "database") {
				return guard.Found(guard.Warn, hint, "runs %s in %s, a development or test database by its name", statement, db)
			}
			return guard.Found(guard.Confirm, hint+"; where the database allows it, run it inside BEGIN; … ROLLBACK; first",
				"would run %s: the data is deleted at once, with no undo", statement)
		}
		if strings.Contains(sql, "dropDatabase(") || strings.Contains(sql, ".drop()") {
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

// scratchDatabase is the database a client connects to when its name
// says it is for development or tests, on a server whose name does not
// say production; "" otherwise.
func scratchDatabase(inv *guard.Invocation) string {
	var db, server string
	switch inv.Program {
	case "psql":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cdfhpUvLoTFRP", LongValue: []string{"command", "dbname", "file", "host", "port", "username", "set", "variable", "log-file", "output", "table-attr", "field-separator", "record-separator", "pset"}})
		if v, ok := p.Value("d", "dbname"); ok && v.Known {
			db = v.Value
		} else if len(p.Operands) > 0 && p.Operands[0].Known {
			db = p.Operands[0].Value
		}
		if h, ok := p.Value("h", "host"); ok {
			server = h.Value
		}
	case "mysql", "mariadb":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "eDhPuSp", LongValue: []string{"execute", "database", "host", "port", "user", "socket"}})
		if v, ok := p.Value("D", "database"); ok && v.Known {
			db = v.Value
		} else if len(p.Operands) > 0 && p.Operands[0].Known {
			db = p.Operands[0].Value
		}
		if h, ok := p.Value("h", "host"); ok {
			server = h.Value
		}
	}
	if strings.Contains(db, "=") || strings.Contains(strings.ToLower(db+" "+server), "prod") || !scratchWords.MatchString(db) {
		return "" // a connection string, or a production server
	}
	return db
}
