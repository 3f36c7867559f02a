package pdfsign

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding"
	"encoding/binary"
	"hash"
	"slices"
	"sync"
	"time"
)

// Validation does the same checks again and again: every document signed
// by the same official, sealed by the same agency and time-stamped by the
// same TSA carries the same certificates, CA signatures, OCSP responses
// and CRLs. The results that depend only on bytes are remembered here
// (bounded, safe for concurrent use), so each is checked once per process;
// what depends on the validation time (validity periods, freshness) is
// always checked again.

// memo is a bounded map; when full it starts over (no LRU bookkeeping on
// the hot path).
type memo[V any] struct {
	mu  sync.Mutex
	m   map[[32]byte]V
	max int
}

func (c *memo[V]) get(k [32]byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memo[V]) put(k [32]byte, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[[32]byte]V, 64)
	}
	c.m[k] = v
}

// keyOf hashes the parts into a cache key (each part length-prefixed).
func keyOf(parts ...[]byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

type revMemo struct {
	r  revResult
	ok bool
}

var (
	ocspMemo  = memo[revMemo]{max: 4096}
	crlMemo   = memo[revMemo]{max: 1024}
	chainMemo = memo[chainEntry]{max: 4096}
)

// evalOCSPCached is evalOCSP remembered by (response, certificate, issuer).
func evalOCSPCached(der []byte, cert, issuer *x509.Certificate) (revResult, bool) {
	k := keyOf(der, cert.Raw, issuer.Raw)
	if v, ok := ocspMemo.get(k); ok {
		return v.r, v.ok
	}
	r, ok := evalOCSP(der, cert, issuer)
	ocspMemo.put(k, revMemo{r, ok})
	return r, ok
}

// evalCRLCached is evalCRL remembered by (CRL, certificate, issuer).
func evalCRLCached(der []byte, cert, issuer *x509.Certificate) (revResult, bool) {
	k := keyOf(der, cert.Raw, issuer.Raw)
	if v, ok := crlMemo.get(k); ok {
		return v.r, v.ok
	}
	r, ok := evalCRL(der, cert, issuer)
	crlMemo.put(k, revMemo{r, ok})
	return r, ok
}

// chainEntry is a chain found for a certificate with given pools; it holds
// at any time inside [from, to] (the intersection of its certificates'
// validity periods), because everything else x509.Verify checks
// (signatures, constraints, key usages) does not depend on the time.
type chainEntry struct {
	chain    []*x509.Certificate
	from, to time.Time
}

// chainKey identifies a chain search: the certificate, the usage and every
// certificate of the pools.
func chainKey(cert *x509.Certificate, eku x509.ExtKeyUsage, roots []*x509.Certificate, inter ...[]*x509.Certificate) [32]byte {
	parts := [][]byte{cert.Raw, binary.BigEndian.AppendUint32(nil, uint32(eku)), []byte("roots")}
	for _, c := range roots {
		parts = append(parts, c.Raw)
	}
	parts = append(parts, []byte("intermediates"))
	for _, list := range inter {
		for _, c := range list {
			parts = append(parts, c.Raw)
		}
	}
	return keyOf(parts...)
}

func newChainEntry(chain []*x509.Certificate) chainEntry {
	e := chainEntry{chain: chain}
	for i, c := range chain {
		if i == 0 || c.NotBefore.After(e.from) {
			e.from = c.NotBefore
		}
		if i == 0 || c.NotAfter.Before(e.to) {
			e.to = c.NotAfter
		}
	}
	return e
}

// prefixHasher gives SHA-256 digests of /ByteRange ranges of one file,
// sharing the work: every range starts at offset 0, so the hash state at
// each range's first end is computed in one pass over the file and cloned;
// only the short tail after each /Contents is hashed per signature. The
// whole file's digest comes from the last state.
type prefixHasher struct {
	data   []byte
	offs   []int64
	states [][]byte // marshalled SHA-256 states at offs
}

// newPrefixHasher prepares states at the given offsets (and the file end).
func newPrefixHasher(data []byte, offsets []int64) *prefixHasher {
	offs := append(slices.Clone(offsets), int64(len(data)))
	slices.Sort(offs)
	offs = slices.Compact(offs)
	p := &prefixHasher{data: data}
	h := sha256.New()
	var at int64
	for _, o := range offs {
		if o < 0 || o > int64(len(data)) {
			continue
		}
		h.Write(data[at:o])
		at = o
		st, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return &prefixHasher{data: data}
		}
		p.offs = append(p.offs, o)
		p.states = append(p.states, st)
	}
	return p
}

// state returns a SHA-256 hash that has absorbed data[:off].
func (p *prefixHasher) state(off int64) hash.Hash {
	h := sha256.New()
	if i, ok := slices.BinarySearch(p.offs, off); ok {
		if h.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.states[i]) == nil {
			return h
		}
		h.Reset()
	}
	h.Write(p.data[:off])
	return h
}

// rangeDigest is rangeDigest for data with the shared prefix work.
func (p *prefixHasher) rangeDigest(br [4]int64, h crypto.Hash) []byte {
	if h != crypto.SHA256 || br[0] != 0 {
		return rangeDigest(p.data, br, h)
	}
	d := p.state(br[1])
	d.Write(p.data[br[2] : br[2]+br[3]])
	return d.Sum(nil)
}

// sum is the SHA-256 of the whole file.
func (p *prefixHasher) sum() []byte {
	return p.state(int64(len(p.data))).Sum(nil)
}

var certMemo = memo[*x509.Certificate]{max: 4096}

// parseCertificate is x509.ParseCertificate remembered by its DER: a
// parsed certificate is immutable, and the same few (signers, CAs, TSA,
// OCSP responders) come in every document.
func parseCertificate(der []byte) (*x509.Certificate, error) {
	k := sha256.Sum256(der)
	if c, ok := certMemo.get(k); ok {
		return c, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	certMemo.put(k, c)
	return c, nil
}
