package guard

// FIFOs made or used on the line: `mkfifo p; sh < p & echo CODE > p`
// hands CODE to the shell through p. The shell's code is what the line
// writes into the FIFO, before or after the reader starts; guard judges
// it when it sees it, and until then asks (hidden-code), as for any
// FIFO whose writer it does not see.

// maxFifoText bounds what is kept of the text written into one FIFO.
const maxFifoText = 1 << 20

// fifoFeed is what the line does with one FIFO: the shells that read
// code from it and the text written into it so far.
type fifoFeed struct {
	readers []fifoReader
	written []string // each write's text, in the order of the line
	// unknown: a write whose text guard cannot compute ($CMD > p)
	unknown bool
}

// fifoReader is a shell that reads its code from a FIFO, with what is
// needed to judge that code when it is written.
type fifoReader struct {
	outer  *Invocation
	sc     *scope
	via    string
	adjust func(inner *Invocation, isc *scope)
	fed    bool // the shell reads the FIFO as its standard input (sh < p)
	// hidden is the question asked about the reader while guard has not
	// seen what is written into the FIFO.
	hidden string
}

// recordFifos remembers the FIFOs mkfifo (or mknod NAME p) makes.
func (r *resolver) recordFifos(inv *Invocation) {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "mZ", LongValue: []string{"mode", "context"}})
	names := p.Operands
	if inv.Program == "mknod" {
		if len(names) < 2 || names[1].Value != "p" {
			return // a device, not a FIFO
		}
		names = names[:1]
	}
	st := r.reached()
	for _, a := range names {
		if !a.Known {
			continue
		}
		if path := inv.Path(a.Value); path != "" && len(st.written) < maxWritten {
			st.written[path] = written{fifo: true}
		}
	}
}

// fifo returns the feed of the FIFO at path, made on first use.
func (r *resolver) fifo(path string) *fifoFeed {
	st := r.reached()
	if st.fifos == nil {
		st.fifos = map[string]*fifoFeed{}
	}
	f := st.fifos[path]
	if f == nil && len(st.fifos) < maxWritten {
		f = &fifoFeed{}
		st.fifos[path] = f
	}
	return f
}

// readFifo registers a shell reading code from the FIFO at path and
// judges what the line already wrote into it.
func (r *resolver) readFifo(path string, reader fifoReader) {
	f := r.fifo(path)
	if f == nil {
		return
	}
	if reader.outer.Code != nil {
		reader.hidden = reader.outer.Code.Hidden
	}
	f.readers = append(f.readers, reader)
	for _, code := range f.written {
		r.runFifoCode(reader, code)
	}
	f.settle()
}

// settle asks about the readers of a FIFO while the line writes nothing
// guard can compute into it, and no more once all it writes is known.
func (f *fifoFeed) settle() {
	for _, reader := range f.readers {
		if reader.hidden == "" {
			continue
		}
		if len(f.written) > 0 && !f.unknown {
			if reader.outer.Code != nil && reader.outer.Code.Hidden == reader.hidden {
				reader.outer.Code.Hidden = ""
			}
			continue
		}
		reader.outer.note().Hidden = reader.hidden
	}
}

// feedFifo hands what a command writes into path to the shells reading
// that FIFO, and reports whether path is a FIFO of the line (made by
// mkfifo, or read by a shell as one). Text guard cannot compute leaves
// the readers' question standing.
func (r *resolver) feedFifo(path string, out text) bool {
	st := r.reached()
	_, read := st.fifos[path]
	if w, made := st.written[path]; !read && (!made || !w.fifo) {
		return false
	}
	f := r.fifo(path)
	if f == nil {
		return true
	}
	defer f.settle()
	if !out.known || size(f.written)+len(out.value) > maxFifoText {
		f.unknown = true
		return true
	}
	f.written = append(f.written, out.value)
	for _, reader := range f.readers {
		r.runFifoCode(reader, out.value)
	}
	return true
}

// runFifoCode judges code a shell reads from a FIFO, as the code it
// would read on its standard input.
func (r *resolver) runFifoCode(reader fifoReader, code string) {
	r.runCode(reader.outer, code, reader.sc, reader.via, func(inner *Invocation, isc *scope) {
		if reader.adjust != nil {
			reader.adjust(inner, isc)
		}
		if reader.fed {
			isc.fed = true
			inner.Stdin = nil
		}
	})
}

func size(texts []string) int {
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	return n
}
