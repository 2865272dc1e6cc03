package guard

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// maxArithDepth bounds variable values evaluated as arithmetic inside
// other arithmetic (x='y+1' y='z*2' …): bash evaluates them recursively,
// and runs any command substitution in an array subscript it meets.
const maxArithDepth = 8

// arithStmt evaluates an arithmetic expression that stands on its own
// ((( )), let, for ((;;)), [[ a -eq b ]]): its substitutions run first.
// Its value decides nothing guard follows; its assignments (i++, x=5)
// are what is kept.
func (r *resolver) arithStmt(x syntax.ArithmExpr, sc *scope) {
	if x == nil {
		return
	}
	mark := r.prewalk(x, sc)
	defer func() { r.substs = r.substs[:mark] }()
	r.arithValue(x, sc)
}

// arithValue evaluates an expression whose substitutions were walked. It
// returns false when the value cannot be known.
func (r *resolver) arithValue(x syntax.ArithmExpr, sc *scope) (int64, bool) {
	return r.arith(x, sc, 0)
}

func (r *resolver) arith(x syntax.ArithmExpr, sc *scope, depth int) (int64, bool) {
	switch x := x.(type) {
	case nil:
		return 0, true
	case *syntax.Word:
		return r.arithWord(x, sc, depth)
	case *syntax.ParenArithm:
		return r.arith(x.X, sc, depth)
	case *syntax.FlagsArithm:
		return r.arith(x.X, sc, depth)
	case *syntax.UnaryArithm:
		return r.arithUnary(x, sc, depth)
	case *syntax.BinaryArithm:
		return r.arithBinary(x, sc, depth)
	}
	return 0, false
}

// arithWord evaluates a word inside arithmetic: a number, a variable name
// (whose value is itself an expression), or an expansion.
func (r *resolver) arithWord(w *syntax.Word, sc *scope, depth int) (int64, bool) {
	if name := w.Lit(); name != "" && syntax.ValidName(name) {
		return r.arithVar(name, sc, depth)
	}
	var one [1]Arg
	a := r.expandPrewalked(one[:0], w, sc, modeScalar)[0]
	if !a.Known {
		return 0, false
	}
	return r.arithText(a.Value, sc, depth+1)
}

// arithVar is the value of a variable used by name in arithmetic.
func (r *resolver) arithVar(name string, sc *scope, depth int) (int64, bool) {
	value, known := sc.lookup(name)
	if !known {
		return 0, false
	}
	if v, ok := sc.get(name); ok && len(v.list) > 0 {
		first, set := v.at(0)
		value, known = first.Value, first.Known || !set
		if !known {
			return 0, false
		}
	}
	return r.arithText(value, sc, depth+1)
}

// arithText evaluates text as bash evaluates a variable's value in
// arithmetic: a number, a name, or an expression parsed anew, whose
// command substitutions (in array subscripts) run.
func (r *resolver) arithText(text string, sc *scope, depth int) (int64, bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, true
	}
	if n, ok := parseArithNumber(text); ok {
		return n, true
	}
	if depth > maxArithDepth || r.arithTexts >= maxArithDepth {
		return 0, false // a value naming itself through a subscript (v='a[(v)]') starts depth anew
	}
	if syntax.ValidName(text) {
		return r.arithVar(text, sc, depth)
	}
	if !r.budgetReparse(text) {
		return 0, false
	}
	if why := tooDeep(text); why != "" {
		r.tooComplex("a value used in arithmetic " + strings.TrimPrefix(why, "it ") + "; guard did not evaluate it")
		return 0, false
	}
	x, err := syntax.NewParser(syntax.Variant(r.langOr())).Arithmetic(strings.NewReader(literalCR(text)))
	if err != nil || x == nil {
		return 0, false
	}
	// Evaluated in the caller's scope, so that x=5 in the text assigns; only
	// the text positions refer to changes for the while.
	outer := sc.src
	sc.src = text
	r.arithTexts++ // before the walk of its substitutions, which may evaluate it again
	mark := r.prewalk(x, sc)
	defer func() { r.substs, sc.src = r.substs[:mark], outer; r.arithTexts-- }()
	return r.arith(x, sc, depth)
}

// evalArithText runs the arithmetic bash would evaluate in text (an array
// subscript in a name given to read, printf -v, declare, unset, ${!ref}),
// for the command substitutions it would run.
func (r *resolver) evalArithText(text string, sc *scope) {
	if strings.ContainsAny(text, "$`") {
		r.arithText(text, sc, 1)
	}
}

// nameRef returns the variable name in a name that may carry a subscript
// (a[i]), evaluating the subscript as bash does.
func (r *resolver) nameRef(s string, sc *scope) string {
	name, sub, ok := strings.Cut(s, "[")
	if ok && strings.HasSuffix(sub, "]") {
		r.evalArithText(strings.TrimSuffix(sub, "]"), sc)
	}
	return name
}

// lineLang is the language the line is written in (bash when not told):
// words handed on as code are read in it, and split as it splits them.
func (r *resolver) lineLang() syntax.LangVariant {
	if r.lang == 0 {
		return syntax.LangBash
	}
	return r.lang
}

func (r *resolver) langOr() syntax.LangVariant {
	if r.lang == 0 || r.lang == syntax.LangZsh {
		return syntax.LangBash
	}
	return r.lang
}

func (r *resolver) arithUnary(x *syntax.UnaryArithm, sc *scope, depth int) (int64, bool) {
	switch x.Op {
	case syntax.Inc, syntax.Dec:
		name := wordName(x.X)
		v, ok := r.arith(x.X, sc, depth)
		if !ok {
			r.setArith(name, 0, false, sc)
			return 0, false
		}
		next := v + 1
		if x.Op == syntax.Dec {
			next = v - 1
		}
		r.setArith(name, next, true, sc)
		if x.Post {
			return v, true
		}
		return next, true
	}
	v, ok := r.arith(x.X, sc, depth)
	if !ok {
		return 0, false
	}
	switch x.Op {
	case syntax.Not:
		return boolInt(v == 0), true
	case syntax.BitNegation:
		return ^v, true
	case syntax.Minus:
		return -v, true
	}
	return v, true
}

func (r *resolver) arithBinary(x *syntax.BinaryArithm, sc *scope, depth int) (int64, bool) {
	switch x.Op {
	case syntax.TernQuest:
		cond, ok := r.arith(x.X, sc, depth)
		branches, isColon := x.Y.(*syntax.BinaryArithm)
		if !ok || !isColon {
			return 0, false
		}
		if cond != 0 {
			return r.arith(branches.X, sc, depth)
		}
		return r.arith(branches.Y, sc, depth)
	case syntax.AndArit, syntax.OrArit:
		a, ok := r.arith(x.X, sc, depth)
		if !ok {
			return 0, false
		}
		if x.Op == syntax.AndArit && a == 0 || x.Op == syntax.OrArit && a != 0 {
			return boolInt(x.Op == syntax.OrArit), true
		}
		b, ok := r.arith(x.Y, sc, depth)
		return boolInt(b != 0), ok
	case syntax.Comma:
		r.arith(x.X, sc, depth)
		return r.arith(x.Y, sc, depth)
	}
	if op, isAssign := assignOps[x.Op]; isAssign {
		name := wordName(x.X)
		b, ok := r.arith(x.Y, sc, depth)
		if op != 0 && ok {
			var a int64
			a, ok = r.arith(x.X, sc, depth)
			if ok {
				b, ok = binaryOp(op, a, b)
			}
		}
		r.setArith(name, b, ok, sc)
		return b, ok
	}
	a, ok := r.arith(x.X, sc, depth)
	if !ok {
		return 0, false
	}
	b, ok := r.arith(x.Y, sc, depth)
	if !ok {
		return 0, false
	}
	return binaryOp(x.Op, a, b)
}

// assignOps maps each assignment to the operator it applies first (0 for =).
var assignOps = map[syntax.BinAritOperator]syntax.BinAritOperator{
	syntax.Assgn: 0, syntax.AddAssgn: syntax.Add, syntax.SubAssgn: syntax.Sub,
	syntax.MulAssgn: syntax.Mul, syntax.QuoAssgn: syntax.Quo, syntax.RemAssgn: syntax.Rem,
	syntax.AndAssgn: syntax.And, syntax.OrAssgn: syntax.Or, syntax.XorAssgn: syntax.Xor,
	syntax.ShlAssgn: syntax.Shl, syntax.ShrAssgn: syntax.Shr, syntax.PowAssgn: syntax.Pow,
}

func binaryOp(op syntax.BinAritOperator, a, b int64) (int64, bool) {
	switch op {
	case syntax.Add:
		return a + b, true
	case syntax.Sub:
		return a - b, true
	case syntax.Mul:
		return a * b, true
	case syntax.Quo, syntax.Rem:
		if b == 0 || a == -1<<63 && b == -1 {
			return 0, false // bash stops with "division by 0"
		}
		if op == syntax.Quo {
			return a / b, true
		}
		return a % b, true
	case syntax.Pow:
		if b < 0 {
			return 0, false
		}
		result := int64(1)
		for base := a; b > 0; b >>= 1 {
			if b&1 == 1 {
				result *= base
			}
			base *= base
		}
		return result, true
	case syntax.Eql:
		return boolInt(a == b), true
	case syntax.Neq:
		return boolInt(a != b), true
	case syntax.Lss:
		return boolInt(a < b), true
	case syntax.Gtr:
		return boolInt(a > b), true
	case syntax.Leq:
		return boolInt(a <= b), true
	case syntax.Geq:
		return boolInt(a >= b), true
	case syntax.And:
		return a & b, true
	case syntax.Or:
		return a | b, true
	case syntax.Xor:
		return a ^ b, true
	case syntax.XorBool:
		return boolInt((a != 0) != (b != 0)), true
	case syntax.Shl:
		return a << (uint64(b) & 63), true
	case syntax.Shr:
		return a >> (uint64(b) & 63), true
	}
	return 0, false
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// wordName is the variable an arithmetic assignment sets, "" when it is an
// array element or not a name.
func wordName(x syntax.ArithmExpr) string {
	if w, ok := x.(*syntax.Word); ok {
		if name := w.Lit(); syntax.ValidName(name) {
			return name
		}
	}
	return ""
}

func (r *resolver) setArith(name string, v int64, known bool, sc *scope) {
	if name == "" {
		return
	}
	if known {
		sc.assign(name, Arg{Value: strconv.FormatInt(v, 10), Known: true})
		return
	}
	sc.assign(name, Arg{Unknown: []string{"$" + name}})
}

// parseArithNumber reads an integer constant as bash does: decimal, 0x
// hexadecimal, 0 octal, BASE#DIGITS.
func parseArithNumber(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	var n uint64
	var err error
	switch {
	case strings.Contains(s, "#"):
		baseText, digits, _ := strings.Cut(s, "#")
		base, berr := strconv.Atoi(baseText)
		if berr != nil || base < 2 || base > 64 || digits == "" {
			return 0, false
		}
		for _, c := range digits {
			d := digitValue(c, base)
			if d < 0 || d >= base {
				return 0, false
			}
			n = n*uint64(base) + uint64(d)
		}
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		n, err = strconv.ParseUint(s[2:], 16, 64)
	case len(s) > 1 && s[0] == '0':
		n, err = strconv.ParseUint(s[1:], 8, 64)
	default:
		n, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return 0, false
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// digitValue reads one digit of a BASE#DIGITS constant.
func digitValue(c rune, base int) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		if base <= 36 {
			return int(c-'A') + 10
		}
		return int(c-'A') + 36
	case c == '@':
		return 62
	case c == '_':
		return 63
	}
	return -1
}
