package pdf

import (
	"bytes"
	"context"
	"errors"
	"strconv"
)

// Limits that keep the lexer safe on hostile input (nesting and the
// number of values are the document's Limits).
const (
	maxDepth      = 100     // nesting the writer accepts, and DefaultLimits.MaxDepth
	maxStringLen  = 1 << 24 // one string token
	maxArrayItems = 1 << 20 // elements in one array or dictionary
)

var errSyntax = errors.New("pdf syntax error")

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// token kinds
type tokKind int

const (
	tEOF tokKind = iota
	tInt
	tReal
	tString
	tHex
	tName
	tKeyword
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
)

type token struct {
	kind tokKind
	i    int64
	f    float64
	s    string
}

// lexer reads tokens from buf starting at pos.
type lexer struct {
	buf []byte
	pos int
}

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.buf) {
		c := lx.buf[lx.pos]
		if isWhite(c) {
			lx.pos++
			continue
		}
		if c == '%' {
			for lx.pos < len(lx.buf) && lx.buf[lx.pos] != '\n' && lx.buf[lx.pos] != '\r' {
				lx.pos++
			}
			continue
		}
		return
	}
}

func (lx *lexer) next() (token, error) {
	lx.skipSpace()
	if lx.pos >= len(lx.buf) {
		return token{kind: tEOF}, nil
	}
	c := lx.buf[lx.pos]
	switch {
	case c == '[':
		lx.pos++
		return token{kind: tArrOpen}, nil
	case c == ']':
		lx.pos++
		return token{kind: tArrClose}, nil
	case c == '<':
		if lx.pos+1 < len(lx.buf) && lx.buf[lx.pos+1] == '<' {
			lx.pos += 2
			return token{kind: tDictOpen}, nil
		}
		return lx.hexString()
	case c == '>':
		if lx.pos+1 < len(lx.buf) && lx.buf[lx.pos+1] == '>' {
			lx.pos += 2
			return token{kind: tDictClose}, nil
		}
		lx.pos++
		return token{}, errSyntax
	case c == '(':
		return lx.literal()
	case c == '/':
		return lx.name()
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return lx.number()
	case c == ')' || c == '{' || c == '}':
		lx.pos++
		return token{kind: tKeyword, s: string(c)}, nil
	}
	start := lx.pos
	for lx.pos < len(lx.buf) && !isWhite(lx.buf[lx.pos]) && !isDelim(lx.buf[lx.pos]) {
		lx.pos++
	}
	return token{kind: tKeyword, s: string(lx.buf[start:lx.pos])}, nil
}

func (lx *lexer) number() (token, error) {
	start := lx.pos
	lx.pos++
	real := lx.buf[start] == '.'
	for lx.pos < len(lx.buf) {
		c := lx.buf[lx.pos]
		if c == '.' {
			real = true
		} else if !(c >= '0' && c <= '9') {
			break
		}
		lx.pos++
	}
	s := string(lx.buf[start:lx.pos])
	if !real {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return token{kind: tInt, i: i}, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// "-" or "." alone, or "1.2.3": PDF readers treat these as 0.
		return token{kind: tReal, f: 0}, nil
	}
	return token{kind: tReal, f: f}, nil
}

func (lx *lexer) name() (token, error) {
	lx.pos++ // '/'
	var out []byte
	for lx.pos < len(lx.buf) {
		c := lx.buf[lx.pos]
		if isWhite(c) || isDelim(c) {
			break
		}
		if c == '#' && lx.pos+2 < len(lx.buf) {
			if v, err := strconv.ParseUint(string(lx.buf[lx.pos+1:lx.pos+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				lx.pos += 3
				continue
			}
		}
		out = append(out, c)
		lx.pos++
	}
	return token{kind: tName, s: string(out)}, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (lx *lexer) hexString() (token, error) {
	lx.pos++ // '<'
	end := bytes.IndexByte(lx.buf[lx.pos:], '>')
	if end < 0 || end > 2*maxStringLen {
		return token{}, errSyntax
	}
	raw := lx.buf[lx.pos : lx.pos+end]
	lx.pos += end + 1
	out := make([]byte, 0, len(raw)/2+1)
	var hi byte
	half := false
	for _, c := range raw {
		v, ok := unhex(c)
		if !ok {
			if isWhite(c) {
				continue
			}
			return token{}, errSyntax
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return token{kind: tHex, s: string(out)}, nil
}

func (lx *lexer) literal() (token, error) {
	lx.pos++ // '('
	var out []byte
	depth := 1
	for lx.pos < len(lx.buf) {
		if len(out) > maxStringLen {
			return token{}, errSyntax
		}
		c := lx.buf[lx.pos]
		lx.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return token{kind: tString, s: string(out)}, nil
			}
		case '\\':
			if lx.pos >= len(lx.buf) {
				return token{}, errSyntax
			}
			e := lx.buf[lx.pos]
			lx.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if lx.pos < len(lx.buf) && lx.buf[lx.pos] == '\n' {
					lx.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && lx.pos < len(lx.buf) && lx.buf[lx.pos] >= '0' && lx.buf[lx.pos] <= '7'; k++ {
						v = v*8 + int(lx.buf[lx.pos]-'0')
						lx.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return token{}, errSyntax
}

// parser builds objects from tokens. It handles "n g R" by lookahead.
// Every value it builds is counted against the document's budget b, and
// nesting deeper than the budget's MaxDepth fails: objectFrom recurses once
// per level, so without that check "[[[[…" exhausts the goroutine stack,
// which is fatal to the whole process.
type parser struct {
	lx lexer
	b  *budget
	// pending holds the elements of the arrays being parsed, innermost
	// last. Each array is copied out at its exact length when it closes:
	// appending to the array itself would leave about four times its size
	// behind as garbage while it grows, which a file of one huge array
	// turns into a heap spike (pdftest.Hostile "2.7 million values").
	pending []Object
}

func newParser(buf []byte, pos int, b *budget) *parser {
	return &parser{lx: lexer{buf: buf, pos: pos}, b: b}
}

// parseObject parses one object.
func (p *parser) parseObject() (Object, error) {
	t, err := p.lx.next()
	if err != nil {
		return nil, err
	}
	return p.objectFrom(t, 0)
}

func (p *parser) objectFrom(t token, depth int) (Object, error) {
	if depth > p.b.lim.MaxDepth {
		return nil, p.b.exceed("objects nested deeper than %d", p.b.lim.MaxDepth)
	}
	if err := p.b.object(); err != nil {
		return nil, err
	}
	switch t.kind {
	case tEOF:
		return nil, errSyntax
	case tInt:
		// Possibly "num gen R".
		save := p.lx.pos
		t2, err := p.lx.next()
		if err == nil && t2.kind == tInt {
			t3, err := p.lx.next()
			if err == nil && t3.kind == tKeyword && t3.s == "R" {
				if t.i < 0 || t.i > 1<<31 || t2.i < 0 || t2.i > 65535 {
					return nil, errSyntax
				}
				return Ref{Num: int(t.i), Gen: int(t2.i)}, nil
			}
		}
		p.lx.pos = save
		return Integer(t.i), nil
	case tReal:
		return Real(t.f), nil
	case tString:
		return String(t.s), nil
	case tHex:
		return HexString(t.s), nil
	case tName:
		return Name(t.s), nil
	case tArrOpen:
		return p.array(depth)
	case tDictOpen:
		d := Dict{}
		for {
			t, err := p.lx.next()
			if err != nil {
				return nil, err
			}
			if t.kind == tDictClose {
				return d, nil
			}
			if t.kind != tName {
				return nil, errSyntax
			}
			if len(d) >= maxArrayItems {
				return nil, errSyntax
			}
			vt, err := p.lx.next()
			if err != nil {
				return nil, err
			}
			if vt.kind == tDictClose { // "/Key >>": treat value as null
				d[Name(t.s)] = nil
				return d, nil
			}
			v, err := p.objectFrom(vt, depth+1)
			if err != nil {
				return nil, err
			}
			if v != nil {
				d[Name(t.s)] = v
			}
		}
	case tKeyword:
		switch t.s {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		case "null":
			return nil, nil
		}
	}
	return nil, errSyntax
}

// array parses the elements after "[" up to the matching "]".
func (p *parser) array(depth int) (Object, error) {
	start := len(p.pending)
	defer func() {
		clear(p.pending[start:]) // no references kept past the array
		p.pending = p.pending[:start]
	}()
	for {
		t, err := p.lx.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tArrClose {
			return append(Array{}, p.pending[start:]...), nil
		}
		if len(p.pending)-start >= maxArrayItems {
			return nil, errSyntax
		}
		o, err := p.objectFrom(t, depth+1)
		if err != nil {
			return nil, err
		}
		p.push(o)
	}
}

// push appends o to pending, doubling its capacity when full so that the
// garbage left by growth stays at most its final size.
func (p *parser) push(o Object) {
	if len(p.pending) == cap(p.pending) {
		grown := make([]Object, len(p.pending), max(16, 2*cap(p.pending)))
		copy(grown, p.pending)
		p.pending = grown
	}
	p.pending = append(p.pending, o)
}

// expectKeyword reads the next token and checks it is the keyword kw.
func (p *parser) expectKeyword(kw string) bool {
	t, err := p.lx.next()
	return err == nil && t.kind == tKeyword && t.s == kw
}

// ParseObject parses a single PDF object from b (for tests and tools),
// within DefaultLimits.
func ParseObject(b []byte) (Object, error) {
	return newParser(b, 0, newBudget(context.Background(), DefaultLimits)).parseObject()
}
