package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// jq reading a file or a pipe guard knows, with a filter that is only a
// path (.version, .scripts.build, .items[0].name), prints the values at
// that path: VERSION=$(jq -r .version package.json) is known, so
// rm -rf dist/app-$VERSION is judged as the folder it names. Any other
// filter, option or input is not computed.

// maxJQValues bounds the JSON values of one input that are walked.
const maxJQValues = 256

func jqFilter(r *resolver, inv *Invocation, depth int) text {
	raw, compact := false, false
	var operands []Arg
	endOfOptions := false
	for _, a := range inv.Args {
		if !a.Known {
			return text{from: unknownWhat(a)}
		}
		switch v := a.Value; {
		case endOfOptions || !strings.HasPrefix(v, "-") || v == "-":
			operands = append(operands, a)
		case v == "--":
			endOfOptions = true
		case v == "-r" || v == "--raw-output":
			raw = true
		case v == "-c" || v == "--compact-output":
			compact = true
		case v == "-rc" || v == "-cr":
			raw, compact = true, true
		case v == "-e" || v == "--exit-status" || v == "-M" || v == "--monochrome-output":
		default:
			return uncomputed("jq " + v)
		}
	}
	if len(operands) == 0 {
		return uncomputed("jq")
	}
	path, ok := jqPath(operands[0].Value)
	if !ok {
		return uncomputed("jq " + operands[0].Text)
	}
	t := r.inputOf(inv, operands[1:], depth)
	if !t.known {
		return t
	}
	dec := json.NewDecoder(strings.NewReader(t.value))
	dec.UseNumber()
	var out strings.Builder
	for n := 0; ; n++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n == maxJQValues {
			return uncomputed("jq of input that is not JSON guard reads")
		}
		for _, step := range path {
			v = step.from(v)
		}
		line, ok := jqPrint(v, raw, compact)
		if !ok {
			return uncomputed("jq " + operands[0].Text)
		}
		out.WriteString(line + "\n")
	}
	return t.rewritten(out.String(), "jq")
}

// jqStep is one step of a path: a key of an object, or an index of an array.
type jqStep struct {
	key   string
	index int
	isKey bool
}

func (s jqStep) from(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if s.isKey {
			return x[s.key]
		}
	case []any:
		if !s.isKey {
			i := s.index
			if i < 0 {
				i += len(x)
			}
			if i >= 0 && i < len(x) {
				return x[i]
			}
		}
	}
	return nil // jq prints null for what is not there (or fails, printing nothing guard relies on)
}

// jqPath parses a filter that is only a path: ., .a, .a.b, .["a"], .a[0].
func jqPath(filter string) ([]jqStep, bool) {
	f := strings.TrimSpace(filter)
	if !strings.HasPrefix(f, ".") {
		return nil, false
	}
	var steps []jqStep
	for f != "" && f != "." {
		switch {
		case strings.HasPrefix(f, "[") || strings.HasPrefix(f, ".["):
			f = strings.TrimPrefix(f, ".")
			end := strings.IndexByte(f, ']')
			if end < 0 {
				return nil, false
			}
			inner := f[1:end]
			f = f[end+1:]
			if n, err := strconv.Atoi(inner); err == nil {
				steps = append(steps, jqStep{index: n})
				continue
			}
			key, err := strconv.Unquote(inner)
			if err != nil || !strings.HasPrefix(inner, `"`) {
				return nil, false
			}
			steps = append(steps, jqStep{key: key, isKey: true})
		case strings.HasPrefix(f, "."):
			f = f[1:]
			n := 0
			for n < len(f) && (f[n] == '_' || f[n] >= 'a' && f[n] <= 'z' || f[n] >= 'A' && f[n] <= 'Z' || n > 0 && f[n] >= '0' && f[n] <= '9') {
				n++
			}
			if n == 0 {
				return nil, false
			}
			steps = append(steps, jqStep{key: f[:n], isKey: true})
			f = f[n:]
		default:
			return nil, false
		}
	}
	return steps, true
}

// jqPrint is how jq prints one value: a string as it is with -r, and
// otherwise as JSON; objects and arrays only compact (-c), since jq
// indents them.
func jqPrint(v any, raw, compact bool) (string, bool) {
	switch x := v.(type) {
	case string:
		if raw {
			return x, true
		}
	case map[string]any, []any:
		if !compact {
			return "", false
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}
