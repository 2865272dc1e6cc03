package guard

// SedEdit reads sed's arguments for the files it is given and for what
// its script does to one of them: edit(content) is what sed -i writes back
// over a file that held content. edit is nil when the script cannot be
// computed (read from a file, a word guard cannot know, commands other
// than s, y, d and p, addresses other than numbers, $, N,M and /regexp/).
func SedEdit(args []Arg) (files []Arg, edit func(content string) (string, bool)) {
	p := ParseOptions(args, OptSpec{ShortValue: "efl", LongValue: []string{"expression", "file", "line-length"}})
	files = p.Operands
	script := ""
	exprs := p.Values("e", "expression")
	for _, e := range exprs {
		if !e.Known {
			return files, nil
		}
		script += e.Value + "\n"
	}
	if len(exprs) == 0 && !p.Has("f", "file") {
		if len(files) == 0 || !files[0].Known {
			return files, nil
		}
		script, files = files[0].Value, files[1:]
	}
	if p.Has("f", "file", "z", "null-data", "s", "separate") {
		return files, nil
	}
	cmds, ok := parseSed(script)
	if !ok {
		return files, nil
	}
	prog, ok := compileSed(cmds, p.Has("E", "r", "regexp-extended"))
	if !ok {
		return files, nil
	}
	quiet := p.Has("n", "quiet", "silent")
	return files, func(content string) (string, bool) { return prog.run(content, quiet) }
}
