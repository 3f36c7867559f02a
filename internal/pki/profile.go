package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Profile is a certificate template: what a certificate of one kind
// (official, organisation seal, TSA, OCSP responder) contains. Profiles are
// data — DefaultProfiles reads the embedded profiles.json and Config.Profiles
// may replace them — so a change of the Vietnamese profile is a data change.
type Profile struct {
	// Name identifies the profile ("official", "seal", "tsa", "ocsp").
	Name string `json:"name"`
	// Description is shown to the security officer.
	Description string `json:"description"`
	// ValidityDays is the default lifetime; clamped to the issuing CA's.
	ValidityDays int `json:"validity_days"`
	// KeyUsage names key usage bits: digitalSignature, contentCommitment
	// (nonRepudiation), keyEncipherment, keyAgreement.
	KeyUsage []string `json:"key_usage"`
	// ExtKeyUsage names extended key usages: timeStamping, ocspSigning,
	// emailProtection, clientAuth, documentSigning.
	ExtKeyUsage []string `json:"ext_key_usage"`
	// CriticalEKU marks the extended key usage critical (RFC 3161 §2.3
	// requires it for a TSA).
	CriticalEKU bool `json:"critical_eku,omitempty"`
	// OCSPNoCheck adds id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
	OCSPNoCheck bool `json:"ocsp_nocheck,omitempty"`
	// NoRevocationURLs leaves out AIA-OCSP and CRL distribution points.
	NoRevocationURLs bool `json:"no_revocation_urls,omitempty"`
	// Subject lists the subject attributes in order (C first, CN near the end).
	Subject []SubjectAttr `json:"subject"`
	// EmailSAN puts Subject.Email into the subjectAltName.
	EmailSAN bool `json:"email_san,omitempty"`
	// Policies are certificate policy OIDs (dotted) to include.
	Policies []string `json:"policies,omitempty"`
}

// SubjectAttr is one attribute of a profile's subject.
type SubjectAttr struct {
	// Attr is the attribute: C, ST, L, O, OU, CN, title, UID, serialNumber,
	// or a dotted OID.
	Attr string `json:"attr"`
	// From names the Subject field giving the value: country, province,
	// locality, organization, unit, title, common_name, uid, agency_code,
	// serial_number.
	From string `json:"from"`
	// Fallback names a second Subject field used when From is empty.
	Fallback string `json:"fallback,omitempty"`
	// Prefix is put before the value (e.g. "CCCD:" when the input is a bare number).
	Prefix string `json:"prefix,omitempty"`
	// Default is used when the value is empty.
	Default string `json:"default,omitempty"`
	// Required makes an empty value an error.
	Required bool `json:"required,omitempty"`
}

//go:embed profiles.json
var defaultProfilesJSON []byte

// DefaultProfiles returns the built-in profiles.
func DefaultProfiles() []Profile {
	ps, err := ParseProfiles(defaultProfilesJSON)
	if err != nil {
		panic("pki: embedded profiles.json: " + err.Error())
	}
	return ps
}

// ParseProfiles reads and validates profiles in the profiles.json format.
func ParseProfiles(data []byte) ([]Profile, error) {
	var ps []Profile
	if err := json.Unmarshal(data, &ps); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Tệp mẫu chứng thư số (profiles) không phải JSON hợp lệ")
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if seen[p.Name] {
			return nil, apperr.New(apperr.Invalid, "Mẫu chứng thư số %q bị khai báo hai lần", p.Name)
		}
		seen[p.Name] = true
	}
	return ps, nil
}

// Validate checks that p can produce certificates.
func (p Profile) Validate() error {
	bad := func(format string, args ...any) error {
		return apperr.Wrap(ErrUnknownProfile, apperr.Invalid, "Mẫu chứng thư số %q: "+format, append([]any{p.Name}, args...)...)
	}
	if p.Name == "" || p.ValidityDays <= 0 || len(p.Subject) == 0 {
		return bad("cần tên, thời hạn (validity_days) và danh sách thuộc tính chủ thể")
	}
	if _, err := p.keyUsage(); err != nil {
		return bad("%v", err)
	}
	if _, _, err := p.extKeyUsage(); err != nil {
		return bad("%v", err)
	}
	for _, a := range p.Subject {
		if _, err := attrOID(a.Attr); err != nil {
			return bad("%v", err)
		}
		if !subjectFields[a.From] || (a.Fallback != "" && !subjectFields[a.Fallback]) {
			return bad("trường chủ thể %q không tồn tại", a.From)
		}
	}
	for _, o := range p.Policies {
		if _, err := x509.ParseOID(o); err != nil {
			return bad("OID chính sách %q không hợp lệ", o)
		}
	}
	return nil
}

func (p Profile) keyUsage() (x509.KeyUsage, error) {
	var ku x509.KeyUsage
	for _, n := range p.KeyUsage {
		switch n {
		case "digitalSignature":
			ku |= x509.KeyUsageDigitalSignature
		case "contentCommitment", "nonRepudiation":
			ku |= x509.KeyUsageContentCommitment
		case "keyEncipherment":
			ku |= x509.KeyUsageKeyEncipherment
		case "keyAgreement":
			ku |= x509.KeyUsageKeyAgreement
		default:
			return 0, fmt.Errorf("key usage %q không được hỗ trợ", n)
		}
	}
	return ku, nil
}

var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}

func (p Profile) extKeyUsage() ([]x509.ExtKeyUsage, []asn1.ObjectIdentifier, error) {
	var std []x509.ExtKeyUsage
	var oids []asn1.ObjectIdentifier
	for _, n := range p.ExtKeyUsage {
		switch n {
		case "timeStamping":
			std = append(std, x509.ExtKeyUsageTimeStamping)
			oids = append(oids, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8})
		case "ocspSigning":
			std = append(std, x509.ExtKeyUsageOCSPSigning)
			oids = append(oids, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9})
		case "emailProtection":
			std = append(std, x509.ExtKeyUsageEmailProtection)
			oids = append(oids, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4})
		case "serverAuth":
			std = append(std, x509.ExtKeyUsageServerAuth)
			oids = append(oids, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1})
		case "clientAuth":
			std = append(std, x509.ExtKeyUsageClientAuth)
			oids = append(oids, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2})
		case "documentSigning":
			oids = append(oids, oidDocumentSigning)
		default:
			return nil, nil, fmt.Errorf("extended key usage %q không được hỗ trợ", n)
		}
	}
	return std, oids, nil
}

// Subject is the identity a certificate is issued to. Which fields are used,
// and in what order, is decided by the profile.
type Subject struct {
	CommonName   string // CN: full name of the official, or the agency name
	UID          string // UID of a person, e.g. "CCCD:001203004567" or a staff id
	Title        string // title / position, e.g. "Chủ tịch"
	Organization string // O: the agency
	Unit         string // OU: unit inside the agency
	Locality     string // L: commune / district / city
	Province     string // ST: province or centrally-run city
	Country      string // C: two letters, "VN" by default
	// AgencyCode is the agency's electronic identifier code (mã định danh
	// điện tử), e.g. "H21.17" or a longer code: opaque text, never
	// validated against any pattern.
	AgencyCode   string
	SerialNumber string // serialNumber attribute, if a profile uses it
	Email        string // rfc822Name in subjectAltName when the profile allows
}

var subjectFields = map[string]bool{"country": true, "province": true, "locality": true, "organization": true,
	"unit": true, "title": true, "common_name": true, "uid": true, "agency_code": true, "serial_number": true}

func (s Subject) field(name string) string {
	switch name {
	case "country":
		return s.Country
	case "province":
		return s.Province
	case "locality":
		return s.Locality
	case "organization":
		return s.Organization
	case "unit":
		return s.Unit
	case "title":
		return s.Title
	case "common_name":
		return s.CommonName
	case "uid":
		return s.UID
	case "agency_code":
		return s.AgencyCode
	case "serial_number":
		return s.SerialNumber
	}
	return ""
}

var (
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidProvince     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidLocality     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidUnit         = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidTitle        = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidUID          = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

func attrOID(name string) (asn1.ObjectIdentifier, error) {
	switch name {
	case "C":
		return oidCountry, nil
	case "ST":
		return oidProvince, nil
	case "L":
		return oidLocality, nil
	case "O":
		return oidOrganization, nil
	case "OU":
		return oidUnit, nil
	case "CN":
		return oidCommonName, nil
	case "title":
		return oidTitle, nil
	case "serialNumber":
		return oidSerialNumber, nil
	case "UID":
		return oidUID, nil
	}
	var oid asn1.ObjectIdentifier
	for _, part := range strings.Split(name, ".") {
		var n int
		if _, err := fmt.Sscanf(part, "%d", &n); err != nil || n < 0 {
			return nil, fmt.Errorf("thuộc tính %q không được hỗ trợ", name)
		}
		oid = append(oid, n)
	}
	if len(oid) < 2 {
		return nil, fmt.Errorf("thuộc tính %q không được hỗ trợ", name)
	}
	return oid, nil
}

// maxAttrRunes bounds one subject value (agency names can be long; RFC 5280
// upper bounds are advisory and Vietnamese names exceed some of them).
const maxAttrRunes = 256

// buildSubject returns the DER Name for s under p: one attribute per RDN,
// in the profile's order; C as PrintableString, everything else UTF8String
// (RFC 5280 §4.1.2.6).
func (p Profile) buildSubject(s Subject) ([]byte, pkix.RDNSequence, error) {
	var rdns pkix.RDNSequence
	for _, a := range p.Subject {
		v := strings.TrimSpace(s.field(a.From))
		if v == "" && a.Fallback != "" {
			v = strings.TrimSpace(s.field(a.Fallback))
		}
		if v == "" {
			v = a.Default
		}
		if v == "" {
			if a.Required {
				return nil, nil, apperr.Wrap(ErrBadSubject, apperr.Invalid, "Thiếu thông tin %s của chủ thể chứng thư số", fieldLabel(a.From))
			}
			continue
		}
		if a.Prefix != "" && !strings.HasPrefix(v, a.Prefix) {
			v = a.Prefix + v
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxAttrRunes || strings.ContainsAny(v, "\x00\r\n") {
			return nil, nil, apperr.Wrap(ErrBadSubject, apperr.Invalid,
				"Thông tin %s của chủ thể không hợp lệ (tối đa %d ký tự, UTF-8, một dòng)", fieldLabel(a.From), maxAttrRunes)
		}
		oid, _ := attrOID(a.Attr)
		var val asn1.RawValue
		if oid.Equal(oidCountry) {
			if len(v) != 2 || strings.ToUpper(v) != v || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				return nil, nil, apperr.Wrap(ErrBadSubject, apperr.Invalid, "Mã quốc gia %q phải gồm 2 chữ cái in hoa, ví dụ VN", v)
			}
			val = asn1.RawValue{Tag: asn1.TagPrintableString, Bytes: []byte(v)}
		} else {
			val = asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(v)}
		}
		rdns = append(rdns, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: val}})
	}
	der, err := asn1.Marshal(rdns)
	if err != nil {
		return nil, nil, err
	}
	return der, rdns, nil
}

func fieldLabel(from string) string {
	switch from {
	case "common_name":
		return "họ tên / tên cơ quan (CN)"
	case "uid":
		return "số định danh (UID, ví dụ CCCD:…)"
	case "organization":
		return "cơ quan (O)"
	case "agency_code":
		return "mã định danh điện tử của cơ quan"
	case "country":
		return "quốc gia (C)"
	case "title":
		return "chức vụ"
	}
	return from
}

func (p Profile) validity() time.Duration { return time.Duration(p.ValidityDays) * 24 * time.Hour }
