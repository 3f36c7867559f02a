package forms

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decodeQR is a small QR decoder written from ISO/IEC 18004 for the
// codes a receipt carries (versions 1 to 6, any error correction level
// listed below, byte or alphanumeric mode), independent of the encoder:
// it reads and checks the format information (BCH), unmasks the data
// modules in their zigzag order, de-interleaves the blocks, checks every
// block's Reed-Solomon codewords and parses the segments.
func decodeQR(m [][]bool) (string, error) {
	n := len(m)
	v := (n - 17) / 4
	if v < 1 || v > 6 || 17+4*v != n {
		return "", fmt.Errorf("size %d: only versions 1-6", n)
	}
	at := func(x, y int) bool { return m[y][x] }
	// Format information, the copy around the top-left finder, MSB first.
	var bits uint
	read := func(x, y int) {
		bits <<= 1
		if at(x, y) {
			bits |= 1
		}
	}
	for x := 0; x <= 5; x++ {
		read(x, 8)
	}
	read(7, 8)
	read(8, 8)
	read(8, 7)
	for y := 5; y >= 0; y-- {
		read(8, y)
	}
	raw := bits ^ 0x5412
	data := raw >> 10
	rem := data << 10
	for i := 14; i >= 10; i-- {
		if rem&(1<<uint(i)) != 0 {
			rem ^= 0x537 << uint(i-10)
		}
	}
	if rem != raw&0x3ff {
		return "", fmt.Errorf("format information %015b fails its BCH check", bits)
	}
	level, mask := data>>3, int(data&7)
	// Blocks per version for the levels, as (blocks, data codewords per
	// block, EC codewords per block); the receipt uses M.
	type ecb struct{ blocks, data, ec int }
	table := map[uint][7]ecb{
		0: {{}, {1, 16, 10}, {1, 28, 16}, {1, 44, 26}, {2, 32, 18}, {2, 43, 24}, {4, 27, 16}}, // M
		1: {{}, {1, 19, 7}, {1, 34, 10}, {1, 55, 15}, {1, 80, 20}, {1, 108, 26}, {2, 68, 18}}, // L
	}
	lv, ok := table[level]
	if !ok {
		return "", fmt.Errorf("error correction level %d not supported here", level)
	}
	e := lv[v]
	// Function modules: finders with separators and format areas, timing,
	// the one alignment pattern of versions 2-6.
	fn := func(x, y int) bool {
		switch {
		case x < 9 && y < 9, x >= n-8 && y < 9, x < 9 && y >= n-8:
			return true
		case x == 6 || y == 6:
			return true
		case v >= 2 && x >= n-9 && x <= n-5 && y >= n-9 && y <= n-5:
			return true
		}
		return false
	}
	masked := func(x, y int) bool {
		i, j := y, x
		switch mask {
		case 0:
			return (i+j)%2 == 0
		case 1:
			return i%2 == 0
		case 2:
			return j%3 == 0
		case 3:
			return (i+j)%3 == 0
		case 4:
			return (i/2+j/3)%2 == 0
		case 5:
			return (i*j)%2+(i*j)%3 == 0
		case 6:
			return ((i*j)%2+(i*j)%3)%2 == 0
		}
		return ((i+j)%2+(i*j)%3)%2 == 0
	}
	total := e.blocks * (e.data + e.ec)
	var cw []byte
	var cur byte
	nb := 0
	up := true
	for right := n - 1; right > 0 && len(cw) < total; right -= 2 {
		if right == 6 {
			right--
		}
		for k := 0; k < n && len(cw) < total; k++ {
			y := k
			if up {
				y = n - 1 - k
			}
			for _, x := range []int{right, right - 1} {
				if fn(x, y) {
					continue
				}
				cur <<= 1
				if at(x, y) != masked(x, y) {
					cur |= 1
				}
				if nb++; nb == 8 {
					cw, cur, nb = append(cw, cur), 0, 0
				}
			}
		}
		up = !up
	}
	if len(cw) < total {
		return "", fmt.Errorf("read %d codewords, want %d", len(cw), total)
	}
	// De-interleave, check each block's Reed-Solomon codewords.
	blocks := make([][]byte, e.blocks)
	for i := 0; i < e.data+e.ec; i++ {
		for b := range blocks {
			blocks[b] = append(blocks[b], cw[i*e.blocks+b])
		}
	}
	var payload []byte
	for b, blk := range blocks {
		if want := rsEC(blk[:e.data], e.ec); string(want) != string(blk[e.data:]) {
			return "", fmt.Errorf("block %d fails its Reed-Solomon check", b)
		}
		payload = append(payload, blk[:e.data]...)
	}
	// Segments.
	pos := 0
	take := func(k int) int {
		r := 0
		for range k {
			r <<= 1
			if pos/8 < len(payload) && payload[pos/8]&(0x80>>uint(pos%8)) != 0 {
				r |= 1
			}
			pos++
		}
		return r
	}
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	var out strings.Builder
	for pos+4 <= len(payload)*8 {
		switch take(4) {
		case 0:
			return out.String(), nil
		case 4:
			for c := take(8); c > 0; c-- {
				out.WriteByte(byte(take(8)))
			}
		case 2:
			c := take(9)
			for ; c >= 2; c -= 2 {
				p := take(11)
				out.WriteByte(alnum[p/45])
				out.WriteByte(alnum[p%45])
			}
			if c == 1 {
				out.WriteByte(alnum[take(6)])
			}
		default:
			return "", fmt.Errorf("unsupported mode at bit %d", pos-4)
		}
	}
	return out.String(), nil
}

// rsEC computes ec Reed-Solomon codewords of data over GF(256) with the
// QR polynomial x^8+x^4+x^3+x^2+1 and generator roots α^0…α^(ec-1).
func rsEC(data []byte, ec int) []byte {
	var exp [512]byte
	var log [256]int
	x := 1
	for i := range 255 {
		exp[i], log[x] = byte(x), i
		if x <<= 1; x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	mul := func(a, b byte) byte {
		if a == 0 || b == 0 {
			return 0
		}
		return exp[log[a]+log[b]]
	}
	gen := []byte{1}
	for i := range ec {
		next := make([]byte, len(gen)+1)
		for j, g := range gen {
			next[j] ^= g
			next[j+1] ^= mul(g, exp[i])
		}
		gen = next
	}
	r := make([]byte, ec)
	for _, d := range data {
		f := d ^ r[0]
		copy(r, r[1:])
		r[ec-1] = 0
		for j := range ec {
			r[j] ^= mul(gen[j+1], f)
		}
	}
	return r
}

// TestQRDecodes decodes QR codes of tracking URLs of several lengths
// (versions 2 to 6) from the modules the receipt draws, read back from
// the PDF, with the decoder above: the code a phone scans says the URL.
func TestQRDecodes(t *testing.T) {
	for _, u := range []string{
		"https://a.vn/portal/track/X",
		trackURL,
		"https://dichvucong.laocai.gov.vn/portal/track/H15.01.01-261207-0042?lang=vi&from=receipt&x=1234567",
		"HTTPS://DVC.VN/PORTAL/TRACK/H15.01.01-261207-0042",
	} {
		t.Run(u, func(t *testing.T) {
			d := receiptData()
			d.TrackURL = u
			out, err := Receipt(d)
			if err != nil {
				t.Fatal(err)
			}
			_, contents := pageText(t, out)
			m := drawnModules(t, contents[0])
			got, err := decodeQR(m)
			if err != nil {
				t.Fatalf("%d×%d code: %v", len(m), len(m), err)
			}
			if got != u {
				t.Fatalf("decoded %q, want %q", got, u)
			}
			// The decoder is no yes-man: one flipped data module fails
			// the Reed-Solomon check, one flipped format module the BCH.
			n := len(m)
			m[n-1][n-1] = !m[n-1][n-1]
			if _, err := decodeQR(m); err == nil || !strings.Contains(err.Error(), "Reed-Solomon") {
				t.Errorf("a flipped data module: %v", err)
			}
			m[n-1][n-1] = !m[n-1][n-1]
			m[8][2] = !m[8][2]
			if _, err := decodeQR(m); err == nil || !strings.Contains(err.Error(), "BCH") {
				t.Errorf("a flipped format module: %v", err)
			}
		})
	}
}

// drawnModules reads the QR code's modules back from a page's content
// stream (the rectangles of the one module-unit drawing).
func drawnModules(t *testing.T, content string) [][]bool {
	t.Helper()
	block := regexp.MustCompile(`(?s)q \S+ 0 0 -\S+ \S+ \S+ cm\n(.*?)f Q`).FindStringSubmatch(content)
	if block == nil {
		t.Fatal("no QR code drawn")
	}
	re := regexp.MustCompile(`(\d+) (\d+) (\d+) 1 re`)
	rects := re.FindAllStringSubmatch(block[1], -1)
	n := 0
	for _, r := range rects {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		n = max(n, x+w, y+1)
	}
	m := make([][]bool, n)
	for i := range m {
		m[i] = make([]bool, n)
	}
	for _, r := range rects {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for i := x; i < x+w; i++ {
			m[y][i] = true
		}
	}
	return m
}
