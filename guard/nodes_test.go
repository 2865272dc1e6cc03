package guard_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// placed puts $(rm -rf /usr) in each field of mvdan.cc/sh's syntax tree
// that can hold words or statements, keyed TYPE.FIELD. Each line must be
// blocked: a field the walk skipped would let the command through.
var placed = map[string]struct {
	lang syntax.LangVariant
	line string
}{
	"File.Stmts":             {0, "$(rm -rf /usr)"},
	"Stmt.Cmd":               {0, "echo $(rm -rf /usr)"},
	"Stmt.Redirs":            {0, "echo x > $(rm -rf /usr)"},
	"Assign.Value":           {0, "x=$(rm -rf /usr)"},
	"Assign.Index":           {0, "x[$(rm -rf /usr)]=1"},
	"Assign.Array":           {0, "x=($(rm -rf /usr))"},
	"Redirect.Word":          {0, "cat < $(rm -rf /usr)"},
	"Redirect.Hdoc":          {0, "cat <<EOF\n$(rm -rf /usr)\nEOF"},
	"CallExpr.Assigns":       {0, "X=$(rm -rf /usr) true"},
	"CallExpr.Args":          {0, "true $(rm -rf /usr)"},
	"Subshell.Stmts":         {0, "( echo $(rm -rf /usr) )"},
	"Block.Stmts":            {0, "{ echo $(rm -rf /usr); }"},
	"IfClause.Cond":          {0, "if [ $(rm -rf /usr) ]; then :; fi"},
	"IfClause.Then":          {0, "if true; then echo $(rm -rf /usr); fi"},
	"IfClause.Else":          {0, "if true; then :; else echo $(rm -rf /usr); fi"},
	"WhileClause.Cond":       {0, "while [ $(rm -rf /usr) ]; do :; done"},
	"WhileClause.Do":         {0, "while false; do echo $(rm -rf /usr); done"},
	"ForClause.Loop":         {0, "for i in $(rm -rf /usr); do :; done"},
	"ForClause.Do":           {0, "for i in 1; do echo $(rm -rf /usr); done"},
	"WordIter.Items":         {0, "for i in a $(rm -rf /usr); do :; done"},
	"CStyleLoop.Init":        {0, "for ((i=$(rm -rf /usr); i<1; i++)); do :; done"},
	"CStyleLoop.Cond":        {0, "for ((i=0; i<$(rm -rf /usr); i++)); do :; done"},
	"CStyleLoop.Post":        {0, "for ((i=0; i<1; i+=$(rm -rf /usr))); do :; done"},
	"BinaryCmd.X":            {0, "echo $(rm -rf /usr) && true"},
	"BinaryCmd.Y":            {0, "true | echo $(rm -rf /usr)"},
	"FuncDecl.Body":          {0, "f() { echo $(rm -rf /usr); }"},
	"Word.Parts":             {0, "echo a$(rm -rf /usr)"},
	"DblQuoted.Parts":        {0, `echo "$(rm -rf /usr)"`},
	"CmdSubst.Stmts":         {0, "echo $(rm -rf /usr)"},
	"ParamExp.Index":         {0, "echo ${a[$(rm -rf /usr)]}"},
	"ParamExp.Slice":         {0, "echo ${a:$(rm -rf /usr)}"},
	"ParamExp.Repl":          {0, "echo ${a/$(rm -rf /usr)/x}"},
	"ParamExp.Exp":           {0, "echo ${a:-$(rm -rf /usr)}"},
	"ParamExp.NestedParam":   {syntax.LangZsh, "echo ${${a:-$(rm -rf /usr)}}"},
	"Slice.Offset":           {0, "echo ${a:$(rm -rf /usr):1}"},
	"Slice.Length":           {0, "echo ${a:0:$(rm -rf /usr)}"},
	"Replace.Orig":           {0, "echo ${a/$(rm -rf /usr)/x}"},
	"Replace.With":           {0, "echo ${a/x/$(rm -rf /usr)}"},
	"Expansion.Word":         {0, "echo ${a#$(rm -rf /usr)}"},
	"ArithmExp.X":            {0, "echo $(( $(rm -rf /usr) ))"},
	"ArithmCmd.X":            {0, "(( $(rm -rf /usr) ))"},
	"BinaryArithm.X":         {0, "echo $(( $(rm -rf /usr) + 1 ))"},
	"BinaryArithm.Y":         {0, "echo $(( 1 + $(rm -rf /usr) ))"},
	"UnaryArithm.X":          {0, "echo $(( -$(rm -rf /usr) ))"},
	"ParenArithm.X":          {0, "echo $(( ($(rm -rf /usr)) ))"},
	"FlagsArithm.X":          {syntax.LangZsh, "echo ${a[(r)$(rm -rf /usr)]}"},
	"CaseClause.Word":        {0, "case $(rm -rf /usr) in *) ;; esac"},
	"CaseClause.Items":       {0, "case x in *) echo $(rm -rf /usr) ;; esac"},
	"CaseItem.Patterns":      {0, "case x in $(rm -rf /usr)) ;; esac"},
	"CaseItem.Stmts":         {0, "case x in *) echo $(rm -rf /usr) ;; esac"},
	"TestClause.X":           {0, "[[ $(rm -rf /usr) ]]"},
	"BinaryTest.X":           {0, "[[ $(rm -rf /usr) == x ]]"},
	"BinaryTest.Y":           {0, "[[ x == $(rm -rf /usr) ]]"},
	"UnaryTest.X":            {0, "[[ -n $(rm -rf /usr) ]]"},
	"ParenTest.X":            {0, "[[ ( $(rm -rf /usr) ) ]]"},
	"DeclClause.Args":        {0, "declare x=$(rm -rf /usr)"},
	"ArrayExpr.Elems":        {0, "a=(x $(rm -rf /usr))"},
	"ArrayElem.Index":        {0, "a=([$(rm -rf /usr)]=x)"},
	"ArrayElem.Value":        {0, "a=([0]=$(rm -rf /usr))"},
	"ProcSubst.Stmts":        {0, "cat <(rm -rf /usr)"},
	"TimeClause.Stmt":        {0, "time echo $(rm -rf /usr)"},
	"CoprocClause.Name":      {0, "coproc $(rm -rf /usr) { :; }"},
	"CoprocClause.Stmt":      {0, "coproc echo $(rm -rf /usr)"},
	"LetClause.Exprs":        {0, "let x=$(rm -rf /usr)"},
	"BraceExp.Elems":         {0, "echo {a,$(rm -rf /usr)}"},
	"TestDecl.Description":   {syntax.LangBats, "@test \"$(rm -rf /usr)\" { :; }"},
	"TestDecl.Body":          {syntax.LangBats, "@test \"x\" { echo $(rm -rf /usr); }"},
	"FuncDecl.Names":         {syntax.LangZsh, "function f g { echo $(rm -rf /usr); }"},
	"ExtGlob.Pattern":        {0, "echo @(x|$(rm -rf /usr))"},
	"ParamExp.Modifiers":     {syntax.LangZsh, "echo ${a:h}$(rm -rf /usr)"},
	"ParamExp.Flags":         {syntax.LangZsh, "echo ${(U)a}$(rm -rf /usr)"},
	"ParamExp.Param":         {0, "echo $a$(rm -rf /usr)"},
	"WordIter.Name":          {0, "for i in $(rm -rf /usr); do :; done"},
	"FuncDecl.Name":          {0, "f() { echo $(rm -rf /usr); }"},
	"Redirect.N":             {0, "echo 2> $(rm -rf /usr)"},
	"DeclClause.Variant":     {0, "local x=$(rm -rf /usr)"},
	"FlagsArithm.Flags":      {syntax.LangZsh, "echo ${a[(r)$(rm -rf /usr)]}"},
	"CoprocClause.Stmt.Cmd":  {0, "coproc { rm -rf /usr; }"},
	"SglQuoted.Value":        {0, "eval '$(rm -rf /usr)'"},
	"Lit.Value":              {0, "eval \\$\\(rm -rf /usr\\)"},
	"Comment.Text":           {0, "true # $(rm -rf /usr)\nrm -rf /usr"},
	"ArithmExp.Unsigned":     {syntax.LangMirBSDKorn, "echo $((# $(rm -rf /usr) ))"},
	"TestClause.X.Unary":     {0, "[[ -z $(rm -rf /usr) ]]"},
	"ParamExp.Exp.Assign":    {0, "echo ${x:=$(rm -rf /usr)}"},
	"ParamExp.Index.At":      {0, `echo "${a[@]:$(rm -rf /usr)}"`},
	"Stmt.Redirs.HereString": {0, "cat <<< $(rm -rf /usr)"},
}

// holderTypes are the syntax types whose values are or lead to words and
// statements; a field of one of these types is where code can be placed.
var holderTypes = []string{"Word", "Stmt", "WordPart", "ArithmExpr", "TestExpr", "Command", "Loop"}

// syntaxFields lists TYPE.FIELD for every field of mvdan.cc/sh's syntax
// package that can hold words or statements, read from its source, so that
// a node kind added by an upgrade fails this test until it is covered.
func syntaxFields(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "mvdan.cc/sh/v3").Output()
	if err != nil {
		t.Skipf("go list cannot find mvdan.cc/sh/v3: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "syntax", "nodes.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	structs := map[string]*ast.StructType{}
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gen.Specs {
			if ts, ok := spec.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
		}
	}
	holders := map[string]bool{}
	for _, h := range holderTypes {
		holders[h] = true
	}
	fieldType := func(e ast.Expr) string {
		for {
			switch x := e.(type) {
			case *ast.StarExpr:
				e = x.X
			case *ast.ArrayType:
				e = x.Elt
			case *ast.Ident:
				return x.Name
			default:
				return ""
			}
		}
	}
	// A struct holding a holder is a holder: repeat until nothing changes.
	for changed := true; changed; {
		changed = false
		for name, st := range structs {
			if holders[name] {
				continue
			}
			for _, field := range st.Fields.List {
				if holders[fieldType(field.Type)] {
					holders[name], changed = true, true
					break
				}
			}
		}
	}
	var fields []string
	for name, st := range structs {
		for _, field := range st.Fields.List {
			if !holders[fieldType(field.Type)] {
				continue
			}
			for _, id := range field.Names {
				fields = append(fields, name+"."+id.Name)
			}
		}
	}
	slices.Sort(fields)
	return fields
}

// TestEveryNodeFieldIsWalked: a $(rm -rf /usr) placed in any field of the
// syntax tree that can hold code is judged, and the line that places it
// really puts it there.
func TestEveryNodeFieldIsWalked(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	fields := syntaxFields(t)
	if len(fields) < 60 {
		t.Fatalf("only %d fields found in mvdan.cc/sh's syntax tree: the enumeration is broken", len(fields))
	}
	for _, field := range fields {
		c, ok := placed[field]
		if !ok {
			t.Errorf("no line places $(rm -rf /usr) in %s: add one to placed", field)
			continue
		}
		lang := c.lang
		if lang == 0 {
			lang = syntax.LangBash
		}
		if !reaches(t, c.line, lang, field) {
			t.Errorf("%s: %q does not put the substitution in that field", field, c.line)
		}
	}
	for key, c := range placed {
		lang := c.lang
		if lang == 0 {
			lang = syntax.LangBash
		}
		v := e.Judge(c.line, guard.NewMemHost(), guard.Options{Cwd: "/home/op", Lang: lang})
		if v.Decision != guard.Block {
			t.Errorf("%s: %q is %s, want block (%+v)", key, c.line, v.Decision, v.Findings)
		}
	}
}

// reaches parses line and reports whether a value of the field's type has
// a command or process substitution under that field.
func reaches(t *testing.T, line string, lang syntax.LangVariant, field string) bool {
	typeName, fieldName, _ := strings.Cut(field, ".")
	f, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(line), "")
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", field, line, err)
		return false
	}
	if typeName == "BraceExp" {
		// Brace expressions are made by SplitBraces, as guard's expansion does.
		var words []*syntax.Word
		syntax.Walk(f, func(n syntax.Node) bool {
			if w, ok := n.(*syntax.Word); ok {
				words = append(words, w)
			}
			return true
		})
		for _, w := range words {
			syntax.SplitBraces(w)
		}
	}
	found := false
	var visit func(v reflect.Value)
	visit = func(v reflect.Value) {
		if found || !v.IsValid() {
			return
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				visit(v.Elem())
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				visit(v.Index(i))
			}
		case reflect.Struct:
			if v.Type().Name() == typeName {
				if fv := v.FieldByName(fieldName); fv.IsValid() && holdsSubst(fv) {
					found = true
					return
				}
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					visit(v.Field(i))
				}
			}
		}
	}
	visit(reflect.ValueOf(f))
	return found
}

// holdsSubst reports whether the rm placed is anywhere under v.
func holdsSubst(v reflect.Value) bool {
	found := false
	var visit func(v reflect.Value)
	visit = func(v reflect.Value) {
		if found || !v.IsValid() {
			return
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			switch x := v.Interface().(type) {
			case *syntax.CallExpr:
				if len(x.Args) > 0 && x.Args[0].Lit() == "rm" {
					found = true
					return
				}
			case *syntax.Lit:
				// kept as text by the parser (zsh subscript flags, extglob
				// groups), and run by the shell all the same
				found = strings.Contains(x.Value, "$(rm -rf /usr)")
				return
			}
			visit(v.Elem())
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				visit(v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					visit(v.Field(i))
				}
			}
		}
	}
	visit(v)
	return found
}
