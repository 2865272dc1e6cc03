package guard

import (
	"slices"
	"strings"
)

// OptSpec describes a program's options, enough to tell options, their
// values and operands apart.
type OptSpec struct {
	// ShortValue lists the short options that take a value ("e" for -e X).
	ShortValue string
	// LongValue lists the long options (without "--") that take a value
	// when it is not attached with "=".
	LongValue []string
	// StopAtOperand ends option parsing at the first operand, as wrappers
	// (sudo, env, timeout) and POSIX programs do.
	StopAtOperand bool
	// NumericOptions treats "-10" as an option, as nice does.
	NumericOptions bool
}

// Parsed is the result of parsing arguments with an OptSpec.
type Parsed struct {
	// flags lists each option given, once per use; values each option's
	// value. Lists, not maps: a command has a handful of options, and
	// rules parse every command they see.
	flags    []string
	values   []optValue
	Operands []Arg
	// Rest holds the arguments after the first operand when StopAtOperand is
	// set; Operands then holds only that first one.
	Rest []Arg
}

// ParseOptions splits args into options and operands. Short options may be
// clustered (-rf); long options may carry "=value"; "--" ends options.
func ParseOptions(args []Arg, spec OptSpec) Parsed {
	var p Parsed
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case v == "--" && a.Known:
			if len(p.Operands) == 0 {
				p.Operands = args[i+1 : len(args) : len(args)]
			} else if i+1 < len(args) {
				// one copy of exactly the operands: a rule per word would
				// otherwise grow the slice word by word (kubectl exec p -- …)
				p.Operands = append(slices.Grow(p.Operands[:len(p.Operands):len(p.Operands)], len(args)-i-1), args[i+1:]...)
			}
			return p
		case strings.HasPrefix(v, "--") && a.Known:
			name, value, hasValue := strings.Cut(v[2:], "=")
			p.flag(name)
			if hasValue {
				p.value(name, Arg{Text: a.Text, Value: value, Known: true})
			} else if slices.Contains(spec.LongValue, name) && i+1 < len(args) {
				i++
				p.value(name, args[i])
			}
		case strings.HasPrefix(v, "--") && strings.Contains(v, "=") && strings.HasPrefix(a.Text, v[:strings.Index(v, "=")+1]):
			// --endpoints=$EP: the option's name is written out, only its
			// value is unknown; it is an option, not an operand.
			name, value, _ := strings.Cut(v[2:], "=")
			p.flag(name)
			p.value(name, Arg{Text: a.Text, Value: value, Unknown: a.Unknown, Sources: a.Sources, MaybeEmpty: a.MaybeEmpty})
		case len(v) > 1 && v[0] == '-' && a.Known:
			if spec.NumericOptions && isAllDigits(v[1:]) {
				p.flag("n")
				p.value("n", Arg{Text: a.Text, Value: v[1:], Known: true})
				continue
			}
			for j := 1; j < len(v); j++ {
				name := v[j : j+1]
				p.flag(name)
				if strings.Contains(spec.ShortValue, name) {
					if j+1 < len(v) {
						p.value(name, Arg{Text: a.Text, Value: v[j+1:], Known: true})
					} else if i+1 < len(args) {
						i++
						p.value(name, args[i])
					}
					break
				}
			}
		default:
			p.Operands = appendOperand(p.Operands, args, i)
			if spec.StopAtOperand {
				p.Rest = args[i+1:]
				return p
			}
		}
	}
	return p
}

// appendOperand adds args[i] to ops. While the operands lie side by side
// in args (options first, then operands: the usual case) ops is a window
// on args' array, capped so that an append by a caller copies.
func appendOperand(ops []Arg, args []Arg, i int) []Arg {
	switch n := len(ops); {
	case n == 0:
		return args[i : i+1 : i+1]
	case i >= n && &ops[n-1] == &args[i-1]:
		return args[i-n : i+1 : i+1]
	}
	if len(ops) == cap(ops) {
		// a window on args ends here: one copy with room for every word
		// left, not a slice grown word by word
		ops = slices.Grow(ops[:len(ops):len(ops)], len(args)-i)
	}
	return append(ops, args[i])
}

type optValue struct {
	name  string
	value Arg
}

// flag records one more use of an option.
func (p *Parsed) flag(name string) { p.flags = append(p.flags, name) }

// value records an option's value.
func (p *Parsed) value(name string, a Arg) { p.values = append(p.values, optValue{name, a}) }

// Has reports whether any of the named options was given. One-letter names
// are short options, longer ones long options.
func (p Parsed) Has(names ...string) bool {
	for _, f := range p.flags {
		if slices.Contains(names, f) {
			return true
		}
	}
	return false
}

// Count returns how many times the named options were given (-vv is 2).
func (p Parsed) Count(names ...string) int {
	n := 0
	for _, f := range p.flags {
		if slices.Contains(names, f) {
			n++
		}
	}
	return n
}

// Value returns the last value given to any of the named options.
func (p Parsed) Value(names ...string) (Arg, bool) {
	var last Arg
	found := false
	for _, v := range p.values {
		if slices.Contains(names, v.name) {
			last, found = v.value, true
		}
	}
	return last, found
}

// Values returns every value given to the named options, in order.
func (p Parsed) Values(names ...string) []Arg {
	var all []Arg
	for _, v := range p.values {
		if slices.Contains(names, v.name) {
			all = append(all, v.value)
		}
	}
	return all
}
