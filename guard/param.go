package guard

import (
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// paramValue returns a parameter's value: a variable, a positional or a
// special parameter.
func (r *resolver) paramValue(name string, sc *scope) (Arg, bool) {
	switch {
	case name == "#":
		if sc.paramsUnknown() {
			return Arg{Unknown: []string{"$#"}}, false
		}
		return Arg{Value: strconv.Itoa(len(sc.params.list)), Known: true}, true
	case name == "0":
		if sc.params == nil || sc.params.zero.Value == "" && sc.params.zero.Known {
			return Arg{Value: "bash", Known: true}, true
		}
		return sc.params.zero, sc.params.zero.Known
	case isAllDigits(name):
		n, _ := strconv.Atoi(name)
		if sc.paramsUnknown() {
			return Arg{Unknown: []string{"$" + name}, MaybeEmpty: true}, false
		}
		if n-1 < len(sc.params.list) {
			a := sc.params.list[n-1]
			return a, a.Known
		}
		return Arg{Known: true}, true
	case name == "?" || name == "$" || name == "!" || name == "-" || name == "_":
		return Arg{Unknown: []string{"$" + name}}, false
	}
	if v, ok := sc.get(name); ok {
		switch {
		case len(v.list) > 0:
			if a, set := v.at(0); set { // $arr is ${arr[0]}
				return a, a.Known
			}
			return Arg{Known: true}, true
		case v.list != nil:
			return Arg{Known: true}, true
		case v.known && v.everything:
			return Arg{Value: v.value, pattern: v.value, Known: true, Glob: true, standIn: true}, true
		case !v.known && v.numbers != nil:
			return Arg{Value: v.value, Unknown: v.numbers, Origin: v.origin}, false
		case !v.known && v.origin != "":
			return Arg{Value: v.value, Unknown: []string{"$" + name}, MaybeEmpty: v.maybeEmpty, Origin: v.origin, Sources: v.sources, shape: v.shape}, false
		case !v.known && v.data:
			return Arg{Unknown: []string{"$" + name}, MaybeEmpty: v.maybeEmpty, data: true, Sources: v.sources, shape: v.shape}, false
		case !v.known && v.sources != nil:
			return Arg{Unknown: []string{"$" + name}, MaybeEmpty: v.maybeEmpty, Sources: v.sources, shape: v.shape}, false
		case !v.known && v.shape > shapeAny:
			return Arg{Unknown: []string{"$" + name}, MaybeEmpty: v.maybeEmpty, shape: v.shape}, false
		}
	}
	value, known := sc.lookup(name)
	if !known {
		a := Arg{Unknown: []string{"$" + name}, MaybeEmpty: sc.mayBeEmpty(name)}
		if _, assigned := sc.get(name); !assigned && nameParams[name] {
			a.shape = shapeName
		}
		return a, false
	}
	return Arg{Value: value, Known: true}, true
}

// paramList returns the elements of $@ or of an array, when known.
func (r *resolver) paramList(name string, sc *scope) ([]Arg, bool) {
	if name == "@" || name == "*" {
		if sc.paramsUnknown() {
			return nil, false
		}
		return sc.params.list, true
	}
	v, ok := sc.get(name)
	if !ok || v.list == nil {
		if ok && v.known {
			return []Arg{{Value: v.value, Known: true}}, true
		}
		return nil, false
	}
	return v.list, true
}

// arrayKeys are what "${!a[@]}" lists: an indexed array's indexes, an
// associative array's keys, when known. Those keys come in bash's own
// order, which guard does not know: only a loop, which takes them one at a
// time, may have them (anyOrder).
func (r *resolver) arrayKeys(name string, sc *scope, anyOrder bool) ([]Arg, bool) {
	v, ok := sc.get(name)
	switch {
	case !ok:
		return nil, false
	case v.assoc:
		if v.keys == nil || !anyOrder && len(v.keys) > 1 {
			return nil, false
		}
		keys := sortedKeys(v.keys)
		out := make([]Arg, len(keys))
		for i, k := range keys {
			out[i] = Arg{Value: k, Known: true}
		}
		return out, true
	case v.list != nil:
		out := make([]Arg, len(v.list))
		for i := range v.list {
			n := i
			if v.index != nil {
				n = v.index[i]
			}
			out[i] = Arg{Value: strconv.Itoa(n), Known: true}
		}
		return out, true
	}
	return nil, false
}

func sortedKeys(m map[string]Arg) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (r *resolver) expandParam(p *syntax.ParamExp, sc *scope, quoted bool, b *fieldBuilder) {
	if p.Split == syntax.OptOn && !b.split {
		b.split = true
		defer func() { b.split = false }()
	}
	if p.Param == nil {
		if b.zsh() && p.Exp != nil && p.Index == nil && p.Flags == nil && !p.Excl && !p.Length && p.Slice == nil && p.Repl == nil && p.NestedParam == nil && len(p.Modifiers) == 0 {
			// zsh's ${:-WORD}: no name, never set, so the operator
			// applies to an empty value (${:-/usr} is /usr)
			r.expandOperator(p, "", "${}", Arg{Known: true}, true, sc, quoted, b)
			return
		}
		if b.zsh() && p.Flags != nil && p.Exp != nil && p.Exp.Word != nil && (p.Exp.Op == syntax.DefaultUnset || p.Exp.Op == syntax.DefaultUnsetOrNull) &&
			p.Index == nil && !p.Excl && !p.Length && p.Slice == nil && p.Repl == nil && p.NestedParam == nil && len(p.Modifiers) == 0 {
			// zsh's ${(FLAGS):-WORD}: the flags applied to WORD
			// (${(s:,:):-rm,-rf,/usr} is three words)
			if w := r.scalar(p.Exp.Word, sc); w.Known && r.applyFlags(p.Flags.Value, []string{w.Value}, sc, quoted, b) {
				return
			}
		}
		b.unknown(sc.text(p), true, quoted)
		return
	}
	if p.GlobSubst != syntax.OptUnset && b.globSubst == syntax.OptUnset {
		// zsh's $~x (and $^^x… off again): globsubst for this expansion
		b.globSubst = p.GlobSubst
		defer func() { b.globSubst = syntax.OptUnset }()
	}
	name := p.Param.Value
	display := "$" + name
	if !p.Short {
		display = "${" + name + "}"
	}
	if b.zsh() && len(p.Modifiers) > 0 && p.Flags == nil && p.Index == nil && !p.Excl && !p.Length && p.Exp == nil && p.Slice == nil && p.Repl == nil && p.NestedParam == nil {
		var mods strings.Builder
		for _, m := range p.Modifiers {
			mods.WriteString(":" + m.Value)
		}
		r.expandModified(p, name, mods.String(), sc, quoted, b)
		return
	}
	if b.zsh() && p.Flags != nil && p.Index == nil && !p.Excl && !p.Length && p.Exp == nil && p.Slice == nil && p.Repl == nil && p.NestedParam == nil &&
		len(p.Modifiers) == 0 && r.expandFlagged(p.Flags.Value, name, sc, quoted, b) {
		return
	}
	if p.Names != 0 && !b.zsh() && sc.remote == "" && p.Flags == nil && len(p.Modifiers) == 0 {
		// ${!prefix@}: the names of the variables set with that prefix,
		// sorted, each a word of its own when quoted ("${!cmd_@}")
		b.list(sc.namesWithPrefix(name), quoted, p.Names == syntax.NamesPrefix)
		return
	}
	if p.Flags != nil || p.Width || p.IsSet || len(p.Modifiers) > 0 || p.Names != 0 || p.NestedParam != nil || p.Split == syntax.OptOff || p.RcExpand != syntax.OptUnset {
		b.unknown(display, true, quoted)
		return
	}
	// Lists: "$@", "${arr[@]}", ${#arr[@]}, ${arr[@]:1}.
	listIndex := ""
	if idx, ok := p.Index.(*syntax.Word); ok && (idx.Lit() == "@" || idx.Lit() == "*") {
		listIndex = idx.Lit()
	} else if p.Index == nil && (name == "@" || name == "*") {
		listIndex = name
	}
	if listIndex != "" && p.Excl && !p.Length && p.Slice == nil && p.Exp == nil && p.Repl == nil {
		// "${!a[@]}": the indexes of an array, the keys of an associative one
		if keys, known := r.arrayKeys(name, sc, b.mode == modeLoop); known {
			b.list(keys, quoted, listIndex == "*")
			return
		}
	}
	if listIndex != "" && !p.Excl {
		elems, known := r.paramList(name, sc)
		if !known {
			b.unknown(display, true, quoted)
			if v, ok := sc.get(name); ok && v.data {
				b.cur.data = true // "${lines[@]}" after mapfile from the terminal
			}
			return
		}
		if p.Length {
			b.result(strconv.Itoa(len(elems)), quoted)
			return
		}
		if p.Slice != nil {
			elems, known = r.sliceList(elems, p.Slice, sc, name == "@" || name == "*")
			if !known {
				b.unknown(display, true, quoted)
				return
			}
		}
		if p.Exp != nil || p.Repl != nil {
			b.unknown(display, true, quoted)
			return
		}
		b.list(elems, quoted, listIndex == "*")
		return
	}
	if b.zsh() && p.Index == nil && !p.Excl && !p.Length && p.Exp == nil && p.Slice == nil && p.Repl == nil {
		// zsh: $arr is every element, as separate words unless quoted.
		if v, ok := sc.get(name); ok && v.list != nil {
			b.list(v.list, quoted, quoted)
			return
		}
	}
	var val Arg
	var known bool
	switch {
	case p.Excl:
		val, known = r.indirect(name, sc)
	case p.Index != nil:
		val, known = r.element(name, p.Index, sc)
	default:
		val, known = r.paramValue(name, sc)
	}
	if !known && (val.Unknown == nil || !isAllDigits(name) && !onlyNumberParams(val.Unknown)) {
		// named as written (${HOST} stays ${HOST}): rules match it in the
		// word's text; a positional parameter keeps what its caller
		// passed, a variable the numbers in its value (tmp=/tmp/x.$$)
		val.Unknown = []string{display}
		if p.Excl {
			val.Unknown = []string{"${!" + name + "}"}
		}
	}
	if v, isVar := sc.get(name); !known && !p.Length && (val.data || isVar && v.data) {
		// a piece, a part or an element of data read when the line runs
		// (read -r x; eval "${x:7}") is that data still
		defer func() { b.cur.data = true }()
	}
	value := val.Value
	switch {
	case p.Length:
		if !known {
			b.unknown(display, false, quoted)
			return
		}
		b.result(strconv.Itoa(len([]rune(value))), quoted)
		return
	case p.Slice != nil:
		if !known {
			b.unknown(display, true, quoted)
			return
		}
		if s, ok := r.sliceString(value, p.Slice, sc); ok {
			b.result(s, quoted)
			return
		}
		b.unknown(display, true, quoted)
		return
	case p.Repl != nil:
		orig, with := r.scalar(p.Repl.Orig, sc), r.scalar(p.Repl.With, sc)
		if !known || !orig.Known || !with.Known {
			b.unknown(display, true, quoted)
			return
		}
		if s, ok := replacePattern(value, orig.pattern, with.Value, p.Repl.All); ok {
			b.result(s, quoted)
			return
		}
		b.unknown(display, true, quoted)
		return
	case p.Exp == nil:
		b.arg(val, quoted)
		return
	}
	r.expandOperator(p, name, display, val, known, sc, quoted, b)
}

// expandOperator applies ${x:-w}, ${x#pat} and the other operators.
func (r *resolver) expandOperator(p *syntax.ParamExp, name, display string, val Arg, known bool, sc *scope, quoted bool, b *fieldBuilder) {
	value := val.Value
	if sc.params != nil && sc.params.none && isAllDigits(name) && name != "0" && p.Exp.Word != nil && len(p.Exp.Word.Parts) > 0 {
		// run without arguments: ${1:-w} is w; ${1:-} stays "$1", which
		// the code may check before it uses it
		known, value = true, ""
	}
	set := known && (sc.isSet(name) || p.Index != nil || isAllDigits(name) && value != "")
	switch p.Exp.Op {
	case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull:
		orNull := p.Exp.Op == syntax.DefaultUnsetOrNull || p.Exp.Op == syntax.AssignUnsetOrNull
		useDefault := known && (!set || orNull && value == "")
		if known && !useDefault {
			b.arg(val, quoted)
			return
		}
		// Unknown: the empty reading is the default word. A temporary
		// folder's variable whose default is a temporary folder reads as
		// that folder: "${TMPDIR:-/tmp}/x" is /tmp/x, or x in the user's
		// own temporary folder, the same risk.
		if !known && !(tempFolderVars[name] && p.Exp.Word != nil && isTempFolder(p.Exp.Word.Lit())) {
			b.unknown(display, true, quoted)
		}
		if lit := defaultToSplit(p.Exp.Word, quoted); lit != "" {
			// Unquoted, the default is split like any expansion's result:
			// for d in ${DIRS:-dist /usr} runs twice, the second time on /usr.
			b.result(lit, false)
		} else if p.Exp.Word != nil {
			// unquoted, the default word starts a word of its own: ${X:-~} is the home folder
			r.expandParts(p.Exp.Word.Parts, sc, quoted, b, !quoted)
		}
		if (p.Exp.Op == syntax.AssignUnset || p.Exp.Op == syntax.AssignUnsetOrNull) && syntax.ValidName(name) {
			sc.assign(name, r.scalar(p.Exp.Word, sc))
		}
	case syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
		if known && value != "" {
			b.arg(val, quoted)
			return
		}
		// The shell aborts the command when it is unset, so no empty reading.
		b.unknown(display, false, quoted)
	case syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		if !known {
			b.unknown(display, true, quoted)
			return
		}
		if set && (value != "" || p.Exp.Op == syntax.AlternateUnset) && p.Exp.Word != nil {
			r.expandParts(p.Exp.Word.Parts, sc, quoted, b, false)
		}
	case syntax.UpperFirst, syntax.UpperAll, syntax.LowerFirst, syntax.LowerAll:
		if !known || p.Exp.Word != nil && p.Exp.Word.Lit() != "" {
			b.unknown(display, true, quoted)
			return
		}
		b.result(changeCase(value, p.Exp.Op), quoted)
	case syntax.RemSmallPrefix, syntax.RemLargePrefix, syntax.RemSmallSuffix, syntax.RemLargeSuffix:
		pat := Arg{Known: true}
		if p.Exp.Word != nil {
			pat = r.scalar(p.Exp.Word, sc)
		}
		if !known || !pat.Known {
			b.unknown(display, true, quoted)
			return
		}
		s, ok := removeAffix(value, pat.pattern, p.Exp.Op)
		if !ok {
			b.unknown(display, true, quoted)
			return
		}
		b.result(s, quoted)
	case syntax.OtherParamOps:
		op := ""
		if p.Exp.Word != nil {
			op = p.Exp.Word.Lit()
		}
		if known && op == "P" {
			r.textSubsts(value, sc) // expanded as a prompt: its $(…) run
		}
		if s, ok := transform(value, op, name); known && p.Index == nil && ok {
			b.result(s, quoted)
			return
		}
		b.unknown(display, true, quoted)
	default:
		b.unknown(display, true, quoted)
	}
}

// defaultToSplit is the text of an unquoted default word made of plain
// words and spaces (${DIRS:-dist build}), which the shell splits into
// fields; "" for anything else (quotes, escapes, ~, patterns), which the
// general expansion handles.
func defaultToSplit(w *syntax.Word, quoted bool) string {
	if quoted || w == nil {
		return ""
	}
	lit := w.Lit()
	if !strings.ContainsAny(lit, " \t\n") || strings.ContainsAny(lit, `\'"~*?[`) {
		return ""
	}
	return lit
}

// tempFolderVars name a temporary folder by convention (mktemp reads
// TMPDIR).
var tempFolderVars = map[string]bool{"TMPDIR": true, "TMP": true, "TEMP": true, "TEMPDIR": true}

// isTempFolder: p is /tmp, /var/tmp or /dev/shm, or a path inside one
// that does not climb out of it.
func isTempFolder(p string) bool {
	if !path.IsAbs(p) || slices.Contains(strings.Split(p, "/"), "..") {
		return false
	}
	p = path.Clean(p)
	for _, dir := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// transform is bash's ${NAME@OP} of a scalar's value: case changed (U,
// u, L), quoted for reuse (Q, K, A), escapes interpreted (E), expanded as
// a prompt (P, only for text without a prompt's escapes or expansions:
// its value as it is). ok is false for what guard does not compute.
func transform(value, op, name string) (string, bool) {
	switch op {
	case "U":
		return strings.ToUpper(value), true
	case "L":
		return strings.ToLower(value), true
	case "u":
		return changeCase(value, syntax.UpperFirst), true
	case "Q", "K", "k":
		return shellQuote(value), true
	case "A":
		return name + "=" + shellQuote(value), true
	case "E":
		return unescapeDollar(value), true
	case "P":
		return value, !strings.ContainsAny(value, `\$`+"`")
	}
	return "", false
}

func changeCase(s string, op syntax.ParExpOperator) string {
	if s == "" {
		return s
	}
	switch op {
	case syntax.UpperAll:
		return strings.ToUpper(s)
	case syntax.LowerAll:
		return strings.ToLower(s)
	case syntax.UpperFirst:
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// indirect expands ${!ref}: the variable whose name ref holds. A name with
// a subscript (ref='a[$(cmd)]') has its subscript evaluated, which runs
// what is inside it.
func (r *resolver) indirect(ref string, sc *scope) (Arg, bool) {
	target, known := r.paramValue(ref, sc)
	if !known {
		return Arg{Unknown: []string{"${!" + ref + "}"}, MaybeEmpty: true}, false
	}
	name := r.nameRef(target.Value, sc)
	if name == "" || !syntax.ValidName(name) && !isAllDigits(name) {
		return Arg{Unknown: []string{"${!" + ref + "}"}, MaybeEmpty: true}, false
	}
	if strings.Contains(target.Value, "[") {
		return Arg{Unknown: []string{"${!" + ref + "}"}, MaybeEmpty: true}, false
	}
	return r.paramValue(name, sc)
}

// element expands ${a[i]}.
func (r *resolver) element(name string, index syntax.ArithmExpr, sc *scope) (Arg, bool) {
	if v, exists := sc.get(name); exists && v.assoc {
		return r.assocElement(v, index, sc)
	}
	n, ok := r.arithValue(index, sc)
	v, exists := sc.get(name)
	if !ok || !exists || v.list == nil {
		if exists && v.known && v.list == nil && ok && n == 0 {
			return Arg{Value: v.value, Known: true}, true
		}
		return Arg{MaybeEmpty: true}, false
	}
	switch {
	case n < 0:
		n += int64(v.end())
	case sc.opts&optZsh != 0 && n == 0:
		return Arg{Known: true}, true // zsh counts from 1: a[0] is empty
	case sc.opts&optZsh != 0:
		n--
	}
	a, set := v.at(n)
	if !set {
		return Arg{Known: true}, true
	}
	return a, a.Known
}

// sliceString applies ${x:offset:length}.
func (r *resolver) sliceString(s string, sl *syntax.Slice, sc *scope) (string, bool) {
	runes := []rune(s)
	off, length, ok := r.sliceBounds(len(runes), sl, sc)
	if !ok {
		return "", false
	}
	return string(runes[off : off+length]), true
}

// sliceList applies ${@:offset:length} (offset 0 is $0, 1 is $1) and
// ${a[@]:offset:length}.
func (r *resolver) sliceList(elems []Arg, sl *syntax.Slice, sc *scope, positional bool) ([]Arg, bool) {
	if positional {
		zero, _ := r.paramValue("0", sc)
		elems = append([]Arg{zero}, elems...)
	}
	off, length, ok := r.sliceBounds(len(elems), sl, sc)
	if !ok {
		return nil, false
	}
	return elems[off : off+length], true
}

func (r *resolver) sliceBounds(n int, sl *syntax.Slice, sc *scope) (int, int, bool) {
	off := int64(0)
	if sl.Offset != nil {
		v, ok := r.arithValue(sl.Offset, sc)
		if !ok {
			return 0, 0, false
		}
		off = v
	}
	if off < 0 {
		off += int64(n)
	}
	if off < 0 || off > int64(n) {
		return 0, 0, off >= 0
	}
	length := int64(n) - off
	if sl.Length != nil {
		v, ok := r.arithValue(sl.Length, sc)
		if !ok {
			return 0, 0, false
		}
		if v < 0 {
			v = int64(n) - off + v
			if v < 0 {
				return 0, 0, false
			}
		}
		length = min(v, length)
	}
	return int(off), int(length), true
}

// assocKey is the key a subscript of an associative array names: its
// word expanded as a string (m[$k], m[$(cmd)] runs cmd), not arithmetic.
func (r *resolver) assocKey(index syntax.ArithmExpr, sc *scope) (string, bool) {
	w, ok := index.(*syntax.Word)
	if !ok {
		r.arithStmt(index, sc)
		return "", false // m[a b], m[x+1]: a key guard does not read
	}
	key := r.scalar(w, sc)
	return key.Value, key.Known
}

// assocElement expands ${m[key]} of an associative array: the element
// when its key and the array are known (a key it lacks is empty).
func (r *resolver) assocElement(v shellVar, index syntax.ArithmExpr, sc *scope) (Arg, bool) {
	key, ok := r.assocKey(index, sc)
	if !ok || v.keys == nil {
		return Arg{MaybeEmpty: true}, false
	}
	if el, found := v.keys[key]; found {
		return el, el.Known
	}
	return Arg{Known: true}, true
}

// assignAssoc assigns m=([k]=v …) or m[k]=v to the associative array
// old: its keys stay known while every key is.
func (r *resolver) assignAssoc(as *syntax.Assign, old shellVar, sc *scope) {
	keys := map[string]Arg{}
	if as.Append || as.Index != nil {
		keys = nil
		if old.keys != nil {
			keys = maps.Clone(old.keys)
		}
	}
	set := func(index syntax.ArithmExpr, value *syntax.Word) {
		key, ok := r.assocKey(index, sc)
		el := Arg{Known: true}
		if value != nil {
			el = r.scalar(value, sc)
			el.Glob = false // no pathname expansion in assignments
		}
		if !ok || len(keys) >= maxListElems {
			keys = nil
		}
		if keys != nil {
			keys[key] = el
		}
	}
	if as.Index != nil {
		set(as.Index, as.Value)
	}
	if as.Array != nil {
		for _, el := range as.Array.Elems {
			if el.Index == nil {
				// m=(k v …), bash 5.1's pairs: not read
				if el.Value != nil {
					r.expandWord(el.Value, sc, modeScalar)
				}
				keys = nil
				continue
			}
			set(el.Index, el.Value)
		}
	}
	old.keys, old.set, old.maybeEmpty = keys, true, true
	sc.set(as.Name.Value, old)
}

// numberParams are the shell's parameters that always hold a number:
// never empty, never a slash, a dot or a space.
var numberParams = map[string]bool{"$": true, "BASHPID": true, "PPID": true, "RANDOM": true, "SRANDOM": true,
	"EPOCHSECONDS": true, "EPOCHREALTIME": true, "SECONDS": true, "UID": true, "EUID": true, "LINENO": true}

// nameParams are the variables bash sets itself, or login from the
// account, to a piece of a name: a host or user name, the machine's type.
// Where the line does not assign them, whatever their value, it holds no
// blank and no slash ($HOSTNAME in /srv/backup/$HOSTNAME/).
var nameParams = map[string]bool{"HOSTNAME": true, "HOSTTYPE": true, "OSTYPE": true, "MACHTYPE": true, "USER": true, "LOGNAME": true}

// onlyNumberParams: every unknown part is a NumberParam.
func onlyNumberParams(unknown []string) bool {
	return len(unknown) > 0 && !slices.ContainsFunc(unknown, func(u string) bool { return !NumberParam(u) })
}

// NumberParam tells whether an unknown part of a word ($$, ${RANDOM}, as
// Arg.Unknown names it) is a parameter that always holds a number.
func NumberParam(unknown string) bool {
	name, ok := strings.CutPrefix(unknown, "$")
	if !ok {
		return false
	}
	if strings.HasPrefix(name, "{") && strings.HasSuffix(name, "}") {
		name = name[1 : len(name)-1]
	}
	return numberParams[name]
}
