package guard

import "strings"

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
	flags    map[string]int
	values   map[string][]Arg
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
			p.Operands = append(p.Operands, args[i+1:]...)
			return p
		case strings.HasPrefix(v, "--") && a.Known:
			name, value, hasValue := strings.Cut(v[2:], "=")
			p.flag(name)
			if hasValue {
				p.values[name] = append(p.values[name], Arg{Text: a.Text, Value: value, Known: true})
			} else if contains(spec.LongValue, name) && i+1 < len(args) {
				i++
				p.values[name] = append(p.values[name], args[i])
			}
		case len(v) > 1 && v[0] == '-' && a.Known:
			if spec.NumericOptions && isAllDigits(v[1:]) {
				p.flag("n")
				p.values["n"] = append(p.values["n"], Arg{Text: a.Text, Value: v[1:], Known: true})
				continue
			}
			for j := 1; j < len(v); j++ {
				name := v[j : j+1]
				p.flag(name)
				if strings.Contains(spec.ShortValue, name) {
					if j+1 < len(v) {
						p.values[name] = append(p.values[name], Arg{Text: a.Text, Value: v[j+1:], Known: true})
					} else if i+1 < len(args) {
						i++
						p.values[name] = append(p.values[name], args[i])
					}
					break
				}
			}
		default:
			p.Operands = append(p.Operands, a)
			if spec.StopAtOperand {
				p.Rest = args[i+1:]
				return p
			}
		}
	}
	return p
}

// flag counts one more use of an option, making the maps on the first.
func (p *Parsed) flag(name string) {
	if p.flags == nil {
		p.flags, p.values = map[string]int{}, map[string][]Arg{}
	}
	p.flags[name]++
}

// Has reports whether any of the named options was given. One-letter names
// are short options, longer ones long options.
func (p Parsed) Has(names ...string) bool {
	for _, n := range names {
		if p.flags[n] > 0 {
			return true
		}
	}
	return false
}

// Count returns how many times the named options were given (-vv is 2).
func (p Parsed) Count(names ...string) int {
	n := 0
	for _, name := range names {
		n += p.flags[name]
	}
	return n
}

// Value returns the last value given to any of the named options.
func (p Parsed) Value(names ...string) (Arg, bool) {
	var last Arg
	found := false
	for _, n := range names {
		if vs := p.values[n]; len(vs) > 0 {
			last, found = vs[len(vs)-1], true
		}
	}
	return last, found
}

// Values returns every value given to the named options.
func (p Parsed) Values(names ...string) []Arg {
	var all []Arg
	for _, n := range names {
		all = append(all, p.values[n]...)
	}
	return all
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
