package edxml

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Verify checks a parsed package and reports what it found:
//   - the required fields and bounds of QCVN 102:2016/BTTTT (agency codes,
//     DocumentId, Subject, no To twice, business and status codes);
//   - the signature: exactly one enveloped XML-DSig signature over the
//     whole envelope, SHA-256 or stronger, whose signer certificate (the
//     first of KeyInfo) chains to roots at time at, the rest of KeyInfo
//     serving as intermediates; the content read from what was signed
//     must equal what Parse read;
//   - each attachment against its Manifest Reference (present, and its
//     SHA-256 equal to the one Build writes into the signed Manifest).
//
// The Report is always returned; the error is nil only when nothing failed,
// otherwise it is the first problem (an apperr.Error whose cause is a Reason).
func Verify(p *Package, roots *x509.CertPool, at time.Time) (*Report, error) {
	rep := &Report{}
	var first *apperr.Error
	add := func(e *apperr.Error) {
		if first == nil {
			first = e
		}
		rep.Problems = append(rep.Problems, e.Message)
	}
	if p == nil || p.root == nil || (p.Message == nil) == (p.Status == nil) {
		e := fail(ReasonStructure, "gói tin chưa được đọc")
		add(e)
		return rep, e
	}
	if p.Message != nil {
		for _, e := range checkMessage(p.Message) {
			add(e)
		}
	} else {
		for _, e := range checkStatus(p.Status) {
			add(e)
		}
	}
	if e := p.checkSignature(rep, roots, at); e != nil {
		add(e)
	}
	if p.Message != nil {
		for _, e := range p.checkAttachments(rep) {
			add(e)
		}
	}
	if first != nil {
		return rep, first
	}
	return rep, nil
}

func (p *Package) checkSignature(rep *Report, roots *x509.CertPool, at time.Time) *apperr.Error {
	if p.sigCount == 0 {
		return fail(ReasonUnsigned, "gói tin không có chữ ký số")
	}
	if len(p.Chain) == 0 {
		return fail(ReasonSignature, "chữ ký không mang chứng thư của người ký (KeyInfo/X509Data)")
	}
	leaf := p.Chain[0]
	rep.SignedBy = leaf
	rep.SignerSubject = leaf.Subject.String()
	if err := checkAlgorithms(p.root, p.sig); err != nil {
		return err
	}
	checked, bad := signedView(p.root, p.sig, leaf.PublicKey)
	if bad != nil {
		return bad
	}
	// The signature itself, against the signer's certificate alone: goxmldsig
	// checks a certificate it is given, so the chain is checked below.
	store := &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{leaf}}
	vc := dsig.NewDefaultValidationContext(store)
	vc.Clock = dsig.NewFakeClockAt(at)
	signed, err := vc.Validate(checked)
	if err != nil {
		if at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
			return failWrap(err, ReasonUntrusted, "chứng thư của người ký không còn hiệu lực vào %s", timeText(at))
		}
		return failWrap(err, ReasonSignature, "chữ ký không hợp lệ: nội dung đã bị thay đổi hoặc chữ ký sai")
	}
	m, s, refs, err := extract(signed)
	if err != nil {
		return failWrap(err, ReasonSignature, "chữ ký không hợp lệ: phần được ký không đọc được")
	}
	if !sameContent(p, m, s, refs) {
		return fail(ReasonSignature, "chữ ký không hợp lệ: nội dung gói tin khác phần được ký")
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fail(ReasonUntrusted, "chứng thư của người ký (%s) không dùng để ký số", leaf.Subject.CommonName)
	}
	if roots == nil {
		return fail(ReasonUntrusted, "chưa có chứng thư gốc tin cậy nào để xác nhận người ký")
	}
	inter := x509.NewCertPool()
	for _, c := range p.Chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return failWrap(err, ReasonUntrusted, "chứng thư của người ký (%s) không thuộc chuỗi tin cậy vào %s", leaf.Subject.CommonName, timeText(at))
	}
	return nil
}

// Algorithms Verify accepts (XML-DSig identifiers).
var (
	okSignatureMethods = map[string]bool{
		dsig.RSASHA256SignatureMethod: true, dsig.RSASHA384SignatureMethod: true, dsig.RSASHA512SignatureMethod: true,
		dsig.ECDSASHA256SignatureMethod: true, dsig.ECDSASHA384SignatureMethod: true, dsig.ECDSASHA512SignatureMethod: true,
	}
	okDigestMethods = map[string]bool{
		sha256URI: true, "http://www.w3.org/2001/04/xmldsig-more#sha384": true, "http://www.w3.org/2001/04/xmlenc#sha512": true,
	}
)

// checkAlgorithms refuses what this profile does not accept before the
// signature is checked: SHA-1, several references, a reference to anything
// but the whole envelope. sig is the envelope's one Signature.
func checkAlgorithms(root, sig *etree.Element) *apperr.Error {
	si := kid(sig, "SignedInfo")
	if si == nil {
		return fail(ReasonSignature, "chữ ký thiếu SignedInfo")
	}
	if alg := kid(si, "SignatureMethod").NotNil().SelectAttrValue("Algorithm", ""); !okSignatureMethods[alg] {
		return fail(ReasonSignature, "thuật toán ký %q không được chấp nhận (cần RSA hoặc ECDSA với SHA-256 trở lên)", clip(alg))
	}
	refs := kids(si, "Reference")
	if len(refs) != 1 {
		return fail(ReasonSignature, "chữ ký phải có đúng một Reference tới toàn bộ gói tin, có %d", len(refs))
	}
	if uri := refs[0].SelectAttrValue("URI", "-"); uri != "" {
		if id := root.SelectAttrValue(dsig.DefaultIdAttr, ""); id == "" || uri != "#"+id {
			return fail(ReasonSignature, "chữ ký không phủ toàn bộ gói tin (Reference URI %q)", clip(uri))
		}
	}
	if alg := kid(refs[0], "DigestMethod").NotNil().SelectAttrValue("Algorithm", ""); !okDigestMethods[alg] {
		return fail(ReasonSignature, "thuật toán băm %q không được chấp nhận (cần SHA-256 trở lên)", clip(alg))
	}
	return nil
}

// sameContent compares what Parse read with what the signature covers.
func sameContent(p *Package, m *Message, s *Status, refs []manifestRef) bool {
	if (m == nil) != (p.Message == nil) || (s == nil) != (p.Status == nil) {
		return false
	}
	if s != nil {
		return reflect.DeepEqual(*s, *p.Status)
	}
	pm := *p.Message
	pm.Attachments = nil
	for _, a := range p.Message.Attachments {
		a.Data = nil
		pm.Attachments = append(pm.Attachments, a)
	}
	return reflect.DeepEqual(*m, pm) && reflect.DeepEqual(refs, p.refs)
}

func (p *Package) checkAttachments(rep *Report) []*apperr.Error {
	var probs []*apperr.Error
	named := map[string]bool{}
	for _, ref := range p.refs {
		ac := AttachmentCheck{ContentID: ref.ContentID, Name: ref.Name}
		data, ok := p.parts[ref.ContentID]
		switch {
		case named[ref.ContentID]:
			ac.Problem = "Manifest nêu tệp này hai lần"
		case !ok:
			ac.Problem = "thiếu tệp trong gói tin"
		default:
			ac.Size = len(data)
			ac.SHA256 = sha256.Sum256(data)
			switch {
			case ref.Digest == nil:
				// Other writers may not put digests into the Manifest: the
				// file is there but the signature does not cover it.
				ac.OK, ac.Unprotected = true, true
				rep.Warnings = append(rep.Warnings, "tệp đính kèm "+strconv.Quote(clip(ref.Name))+": Manifest không có giá trị băm, tệp không được chữ ký bảo vệ")
			case !bytes.Equal(ref.Digest, ac.SHA256[:]):
				ac.Problem = "giá trị băm khác Manifest: tệp đã bị thay đổi"
			default:
				ac.OK = true
			}
		}
		named[ref.ContentID] = true
		if !ac.OK {
			probs = append(probs, fail(ReasonAttachment, "tệp đính kèm %q: %s", clip(ref.Name), ac.Problem))
		}
		rep.Attachments = append(rep.Attachments, ac)
	}
	for _, cid := range p.order {
		if !named[cid] {
			data := p.parts[cid]
			ac := AttachmentCheck{ContentID: cid, Size: len(data), SHA256: sha256.Sum256(data), Problem: "không có trong Manifest"}
			rep.Attachments = append(rep.Attachments, ac)
			probs = append(probs, fail(ReasonAttachment, "tệp %q có trong gói tin nhưng không có trong Manifest", clip(cid)))
		}
	}
	return probs
}

// signedView returns the envelope goxmldsig checks: root as read, except
// that its Signature comes first among its siblings, has no KeyInfo and,
// for an ECDSA signer, a DER SignatureValue (derValue).
//
// None of this changes what is checked. goxmldsig looks for the Signature
// by walking the tree in document order, building a namespace context at
// every element it passes (most of its cost when the Signature is last in
// the Header); first, it is found at once, and the enveloped-signature
// transform removes it wherever it stands, leaving the same tree to digest,
// under the same ancestors (the same namespaces). The package has exactly
// one Signature (Parse). KeyInfo is not signed either: without it goxmldsig
// takes the one certificate it is given, the signer's, which Parse read
// from that KeyInfo, instead of decoding and parsing it again.
//
// The Signature's parent is copied (etree keeps positions right as the
// Signature moves), the elements above it shallowly: goxmldsig copies the
// whole tree it is given before changing anything, so the rest is shared,
// never changed.
func signedView(root, sig *etree.Element, pub crypto.PublicKey) (*etree.Element, *apperr.Error) {
	// goxmldsig refuses a Signature with two KeyInfo; with none left it could
	// not see them.
	if len(kids(sig, "KeyInfo")) > 1 {
		return nil, fail(ReasonSignature, "chữ ký không hợp lệ: có hơn một KeyInfo")
	}
	parent := sig.Parent()
	if parent == nil || sig == root {
		return nil, fail(ReasonSignature, "chữ ký nằm ngoài gói tin")
	}
	view := parent.Copy()
	vs := view.Child[sig.Index()].(*etree.Element)
	// The namespace is read on the original (the copy has lost the
	// declarations above its parent), and the value rewritten in the copy
	// before KeyInfo leaves it, while the positions are still the same.
	if sv := kid(sig, "SignatureValue"); sv != nil && sv.NamespaceURI() == dsNS {
		derValue(vs.Child[sv.Index()].(*etree.Element), pub)
	}
	if ki := kid(vs, "KeyInfo"); ki != nil {
		vs.RemoveChild(ki)
	}
	view.InsertChildAt(0, vs)
	// Each element above gets a copy of its child list holding the copy
	// below, in the same place.
	for e := parent; e != root; {
		up := e.Parent()
		if up == nil {
			return nil, fail(ReasonSignature, "chữ ký nằm ngoài gói tin")
		}
		c := *up
		c.Child = slices.Clone(up.Child)
		c.Child[e.Index()] = view
		view, e = &c, up
	}
	return view, nil
}
