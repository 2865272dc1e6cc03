package rules

import (
	"net"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func appDatabaseRules() []*guard.Rule {
	return []*guard.Rule{{
		ID: "app-database-reset",
		Programs: []string{"rails", "rake", "php", "python", "python3", "django-admin", "prisma", "sequelize", "sequelize-cli",
			"knex", "typeorm", "flyway", "liquibase", "alembic", "dbmate", "goose", "migrate", "diesel", "sqlx", "mix"},
		Decision:   guard.Confirm,
		Summary:    "a framework's database reset (rails db:drop/reset/schema:load, artisan migrate:fresh/db:wipe, prisma migrate reset, manage.py flush, sequelize db:drop, knex migrate:rollback --all, flyway clean, liquibase dropAll, alembic downgrade base, dbmate drop, mix ecto.reset…) aimed at production (RAILS_ENV, --env, artisan's --force, a settings module, a --database alias, set in the shell or in the project's .env) or at a database on another host",
		Postmortem: "a coding agent ran RAILS_ENV=production bin/rails db:schema:load DISABLE_DATABASE_ENVIRONMENT_CHECK=1 to 'fix a pending migration': every table of production was dropped and made again empty",
		Match:      matchAppDatabaseReset,
	}}
}

// appReset is a framework task that drops or empties a whole database.
type appReset struct {
	tasks []string // the task words (db:drop) or word pairs ("migrate reset")
	what  string
}

// appResets: by program (rails and rake share theirs; php is artisan's,
// python manage.py's).
var appResets = map[string]appReset{
	"rails":         {[]string{"db:drop", "db:drop:all", "db:reset", "db:schema:load", "db:structure:load", "db:migrate:reset", "db:purge", "db:purge:all", "db:truncate_all", "db:seed:replant"}, "drops or empties every table"},
	"artisan":       {[]string{"migrate:fresh", "migrate:reset", "migrate:refresh", "db:wipe"}, "drops every table"},
	"manage.py":     {[]string{"flush", "reset_db", "sqlflush"}, "deletes every row of every table"},
	"prisma":        {[]string{"migrate reset", "db push --force-reset"}, "drops the database and makes it again empty"},
	"sequelize":     {[]string{"db:drop", "db:migrate:undo:all", "db:seed:undo:all"}, "drops the database or every migrated table"},
	"knex":          {[]string{"migrate:rollback --all", "migrate:down --all"}, "rolls back every migration, dropping their tables"},
	"typeorm":       {[]string{"schema:drop"}, "drops every table"},
	"flyway":        {[]string{"clean"}, "drops every object of its schemas"},
	"liquibase":     {[]string{"dropAll", "drop-all"}, "drops every object of the database"},
	"alembic":       {[]string{"downgrade base"}, "rolls back every migration, dropping their tables"},
	"dbmate":        {[]string{"drop"}, "drops the database"},
	"goose":         {[]string{"reset"}, "rolls back every migration"},
	"migrate":       {[]string{"drop"}, "drops everything in the database"},
	"diesel":        {[]string{"database reset", "database drop"}, "drops the database"},
	"sqlx":          {[]string{"database drop", "database reset"}, "drops the database"},
	"mix":           {[]string{"ecto.drop", "ecto.reset"}, "drops the database"},
	"django-admin":  {[]string{"flush", "reset_db"}, "deletes every row of every table"},
	"sequelize-cli": {[]string{"db:drop", "db:migrate:undo:all", "db:seed:undo:all"}, "drops the database or every migrated table"},
}

// envSelectors are the variables and options that say which of an
// application's environments a task runs against.
var (
	envVariables = []string{"RAILS_ENV", "RACK_ENV", "APP_ENV", "NODE_ENV", "MIX_ENV", "FLASK_ENV", "DJANGO_SETTINGS_MODULE", "ENVIRONMENT", "STAGE", "DB_ENV"}
	envOptions   = []string{"env", "environment", "e", "stage", "settings"}
	urlVariables = []string{"DATABASE_URL", "DB_URL", "POSTGRES_URL", "MYSQL_URL"}
	urlOptions   = []string{"url", "u", "database-url", "db-url", "database"}
)

func matchAppDatabaseReset(inv *guard.Invocation, host guard.Host) *guard.Finding {
	tool, words := inv.Program, knownValues(inv.Args)
	switch tool {
	case "rake":
		tool = "rails"
	case "php", "python", "python3":
		if len(words) == 0 {
			return nil
		}
		tool, words = path.Base(words[0]), words[1:]
	}
	reset, ok := appResets[tool]
	if !ok || slices.Contains(words, "--help") || slices.Contains(words, "-h") {
		return nil
	}
	task := ""
	for _, t := range reset.tasks {
		if containsRun(words, strings.Fields(t)) {
			task = t
			break
		}
	}
	if task == "" {
		return nil
	}
	where := productionTarget(inv, host, tool, words)
	if where == "" {
		return nil // development or test, as the tools default to
	}
	return guard.Found(guard.Confirm, "run it against a development or test database; take a dump of this one first (pg_dump, mysqldump) and check which database the tool's settings name",
		"would run %s %s against %s: it %s, with no undo", tool, task, where, reset.what)
}

// containsRun: want's words appear in words, in order, side by side.
func containsRun(words, want []string) bool {
	for i := 0; i+len(want) <= len(words); i++ {
		if slices.Equal(words[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// productionTarget names what the task runs against when that is
// production or another host: "RAILS_ENV=production", "--env=production",
// "the database at db.prod.internal"; "" otherwise.
func productionTarget(inv *guard.Invocation, host guard.Host, tool string, words []string) string {
	dotenv := projectDotenv(inv, host)
	getenv := func(name string) (guard.Arg, string, bool) {
		if v, ok := inv.Getenv(name); ok {
			return v, "", true
		}
		if v, ok := host.Getenv(name); ok {
			return guard.Arg{Value: v, Known: true}, "", true
		}
		if v, ok := dotenv[name]; ok {
			return guard.Arg{Value: v, Known: true}, ", from " + path.Join(inv.Cwd, ".env"), true
		}
		return guard.Arg{}, "", false
	}
	for _, name := range urlVariables {
		if v, from, ok := getenv(name); ok && v.Known && from == "" && isLocalDatabase(v.Value) {
			dotenv = nil // the line names a database on this machine: the file's settings are not what it uses
		}
	}
	for _, name := range envVariables {
		v, from, ok := getenv(name)
		if ok && v.Known && isProduction(v.Value) {
			return "the production environment (" + name + "=" + v.Value + from + ")"
		}
	}
	for i, w := range words {
		name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if !strings.HasPrefix(w, "-") && hasValue && slices.Contains(envVariables, name) && isProduction(value) {
			return "the production environment (" + w + ")" // rake db:drop RAILS_ENV=production
		}
		if !strings.HasPrefix(w, "-") || !slices.Contains(envOptions, name) {
			continue
		}
		if !hasValue && i+1 < len(words) {
			value = words[i+1]
		}
		if isProduction(value) && hasValue {
			return "the production environment (" + w + ")"
		} else if isProduction(value) {
			return "the production environment (" + w + " " + value + ")"
		}
	}
	if v, ok := inv.Getenv("DISABLE_DATABASE_ENVIRONMENT_CHECK"); ok && v.Value != "" && v.Value != "0" || slices.Contains(words, "DISABLE_DATABASE_ENVIRONMENT_CHECK=1") {
		return "a protected database (DISABLE_DATABASE_ENVIRONMENT_CHECK switches off Rails' refusal to drop production)"
	}
	if tool == "artisan" && slices.Contains(words, "--force") {
		return "production (--force is how artisan is told to run it there)"
	}
	for _, name := range urlVariables {
		v, from, ok := getenv(name)
		if h := remoteDatabase(v.Value); ok && v.Known && h != "" {
			return "the database at " + h + strings.TrimPrefix(from, ",")
		}
	}
	for _, w := range words {
		if _, value, _ := strings.Cut(w, "://"); value != "" && !strings.HasPrefix(w, "-") {
			if h := remoteDatabase(w); h != "" {
				return "the database at " + h // goose DRIVER URL reset
			}
		}
	}
	for i, w := range words {
		name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if name == "x" && i+1 < len(words) { // alembic -x db_url=…
			_, value, hasValue = strings.Cut(words[i+1], "=")
		} else if !strings.HasPrefix(w, "-") || !slices.Contains(urlOptions, name) {
			continue
		} else if !hasValue && i+1 < len(words) {
			value = words[i+1]
		}
		if h := remoteDatabase(value); h != "" {
			return "the database at " + h
		}
		if name == "database" && isProduction(value) {
			return "the database " + value // manage.py flush --database=production: a name in DATABASES
		}
	}
	return ""
}

// isLocalDatabase: a database URL on this machine (localhost, 127.0.0.1).
func isLocalDatabase(raw string) bool {
	u, err := url.Parse(strings.TrimPrefix(raw, "jdbc:"))
	return err == nil && u.Host != "" && isLoopback(u.Hostname())
}

// maxDotenvBytes bounds how much of a project's .env guard reads.
const maxDotenvBytes = 64 << 10

// projectDotenv reads the .env of the folder the task runs in (bounded,
// read-only): prisma, Laravel, Rails with dotenv and django-environ take
// their environment and database URL from it when the shell sets none.
func projectDotenv(inv *guard.Invocation, host guard.Host) map[string]string {
	if inv.Cwd == "" || inv.Remote != "" || inv.Container != "" {
		return nil
	}
	data, err := host.ReadFile(path.Join(inv.Cwd, ".env"), maxDotenvBytes)
	if err != nil {
		return nil
	}
	return dotenvVars(data)
}

// dotenvVars are the NAME=value settings of a dotenv file's text, quotes
// taken off; comments and lines of another shape are skipped.
func dotenvVars(data []byte) map[string]string {
	vars := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "export ")
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vars[strings.TrimSpace(name)] = value
	}
	return vars
}

// isProduction: an environment's name that says production (production,
// prod, app.settings.prod, live).
func isProduction(v string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(v), func(c rune) bool { return c == '.' || c == '_' || c == '-' || c == '/' || c == ':' || c == '=' }) {
		if part == "prod" || part == "production" || part == "live" || part == "prd" {
			return true
		}
	}
	return false
}

// remoteDatabase is the host of a database URL when it is not this
// machine or a service of a local compose network (a name of one label,
// db or postgres), or when its name says production; "" otherwise.
func remoteDatabase(raw string) string {
	raw = strings.TrimPrefix(raw, "jdbc:")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	h := u.Hostname()
	if isLoopback(h) {
		return ""
	}
	if strings.Contains(strings.ToLower(h), "prod") || strings.Contains(h, ".") || net.ParseIP(h) != nil {
		return h
	}
	return ""
}
