package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// jnode is a JSON value that keeps the order of an object's keys, so that
// guard install edits an agent's settings without reordering them (Go's
// maps would). Scalars keep the text they were written with.
type jnode struct {
	kind byte // '{' object, '[' array, 0 scalar
	keys []string
	vals []*jnode // an object's values, in keys' order; an array's elements
	raw  []byte   // a scalar as written: "text", 30, true, null
}

func jobject() *jnode { return &jnode{kind: '{'} }
func jarray() *jnode  { return &jnode{kind: '['} }

// jscalar is a scalar from a Go string, number or bool.
func jscalar(v any) *jnode {
	return &jnode{raw: bytes.TrimSpace(jsonLine(v))}
}

// parseJSON reads one JSON value and nothing after it.
func parseJSON(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("more than one JSON value (offset %d)", dec.InputOffset())
	}
	return n, nil
}

func readNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := jobject()
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key.(string))
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // }
			return n, err
		case '[':
			n := jarray()
			for dec.More() {
				v, err := readNode(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // ]
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		return &jnode{raw: []byte(t.String())}, nil
	default:
		return jscalar(t), nil
	}
}

// get returns an object's value for key, nil if absent.
func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// set replaces key's value, or appends key at the end.
func (n *jnode) set(key string, v *jnode) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

func (n *jnode) del(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return
		}
	}
}

// str is a scalar string's value, "" for anything else.
func (n *jnode) str() string {
	if n == nil || n.kind != 0 {
		return ""
	}
	var s string
	if json.Unmarshal(n.raw, &s) != nil {
		return ""
	}
	return s
}

// equal compares two values by meaning (key order aside).
func (n *jnode) equal(o *jnode) bool {
	var a, b any
	if json.Unmarshal(n.encode(""), &a) != nil || json.Unmarshal(o.encode(""), &b) != nil {
		return false
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// encode writes the value with indent per level ("" for one line).
func (n *jnode) encode(indent string) []byte {
	var b bytes.Buffer
	n.write(&b, indent, "")
	return b.Bytes()
}

func (n *jnode) write(b *bytes.Buffer, indent, prefix string) {
	open, close := "{", "}"
	switch n.kind {
	case 0:
		b.Write(n.raw)
		return
	case '[':
		open, close = "[", "]"
	}
	if len(n.vals) == 0 {
		b.WriteString(open + close)
		return
	}
	inner := prefix + indent
	b.WriteString(open)
	for i, v := range n.vals {
		if i > 0 {
			b.WriteString(",")
		}
		if indent != "" {
			b.WriteString("\n" + inner)
		}
		if n.kind == '{' {
			encodeKey(b, n.keys[i])
			if indent != "" {
				b.WriteString(" ")
			}
		}
		v.write(b, indent, inner)
	}
	if indent != "" {
		b.WriteString("\n" + prefix)
	}
	b.WriteString(close)
}

func encodeKey(b *bytes.Buffer, key string) {
	var k bytes.Buffer
	encodeJSON(&k, key)
	b.Write(bytes.TrimSpace(k.Bytes()))
	b.WriteString(":")
}

// indentOf is the indentation a file uses: that of its first indented
// line; none for a file written on one line; two spaces for a new or an
// empty one.
func indentOf(data []byte) string {
	text := strings.TrimSpace(string(data))
	if !strings.Contains(text, "\n") && len(text) > len("{}") {
		return ""
	}
	for _, line := range strings.Split(text, "\n")[1:] {
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed != "" && len(trimmed) < len(line) {
			return line[:len(line)-len(trimmed)]
		}
	}
	return "  "
}

// commentAt reports the line of the first comment (// or /* outside a
// string) in data, 0 if none: settings files that allow comments (JSONC)
// cannot be rewritten by a JSON encoder without losing them.
func commentAt(data []byte) int {
	inString, escaped := false, false
	line := 1
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			line++
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && c == '/' && i+1 < len(data) && (data[i+1] == '/' || data[i+1] == '*'):
			return line
		}
	}
	return 0
}

// items are an array's elements; nil for anything else, nil included.
func (n *jnode) items() []*jnode {
	if n == nil || n.kind != '[' {
		return nil
	}
	return n.vals
}

// unmarshalExact decodes an agent's event into v, a pointer to a struct,
// matching object keys to the fields' json names exactly, as the agent
// itself reads them (JavaScript, Python, Rust: exact keys, the last of
// duplicates wins). encoding/json also takes a key that differs only in
// case, and the last one it meets wins: {"tool_name":"Bash", "Tool_Name":
// "Read"} would read as Read to guard and run as Bash in the agent, and a
// "CWD" or "Tool_Input" after the real one would have guard judge another
// folder or another command. Keys that name no field exactly are dropped
// before decoding.
func unmarshalExact(data []byte, v any) error {
	n, err := parseJSON(data)
	if err != nil {
		return err
	}
	keepExactKeys(n, reflect.TypeOf(v))
	return json.Unmarshal(n.encode(""), v)
}

// keepExactKeys drops, from n and the values inside it, the object keys
// that name no field of t exactly.
func keepExactKeys(n *jnode, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n == nil:
	case t.Kind() == reflect.Struct && n.kind == '{':
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = t.Field(i).Type
			}
		}
		var keys []string
		var vals []*jnode
		for i, key := range n.keys {
			if ft, ok := fields[key]; ok {
				keepExactKeys(n.vals[i], ft)
				keys, vals = append(keys, key), append(vals, n.vals[i])
			}
		}
		n.keys, n.vals = keys, vals
	case t.Kind() == reflect.Map && n.kind == '{', t.Kind() == reflect.Slice && n.kind == '[':
		for _, val := range n.vals {
			keepExactKeys(val, t.Elem())
		}
	}
}
