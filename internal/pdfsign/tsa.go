package pdfsign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/cms"
)

// TimeStamper obtains RFC 3161 time-stamp tokens. Implementations must honour
// ctx and return promptly when it is done.
type TimeStamper interface {
	// Timestamp returns a DER TimeStampToken (a CMS ContentInfo) whose
	// message imprint is digest, computed with h.
	Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error)
}

// HTTPTimeStamper asks an RFC 3161 time-stamping authority over HTTP.
type HTTPTimeStamper struct {
	URL     string
	Timeout time.Duration // whole request; default 15 s. The call never waits longer.
	Client  *http.Client  // optional; its own Timeout is also respected
	Policy  asn1.ObjectIdentifier
	// Username and Password, if set, are sent as HTTP basic authentication.
	Username, Password string
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
}

type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

const maxTSAResponse = 1 << 20

// Timestamp implements TimeStamper.
func (t *HTTPTimeStamper) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	hoid, err := cms.HashOID(h)
	if err != nil {
		return nil, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req := timeStampReq{Version: 1, MessageImprint: messageImprint{pkix.AlgorithmIdentifier{Algorithm: hoid}, digest}, ReqPolicy: t.Policy, Nonce: nonce, CertReq: true}
	body, err := asn1.Marshal(req)
	if err != nil {
		return nil, err
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	if t.Username != "" {
		hreq.SetBasicAuth(t.Username, t.Password)
	}
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("TSA request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("TSA answered HTTP %d", resp.StatusCode)
	}
	der, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse+1))
	if err != nil {
		return nil, fmt.Errorf("TSA response: %w", err)
	}
	if len(der) > maxTSAResponse {
		return nil, errors.New("TSA response too large")
	}
	token, err := parseTimeStampResp(der)
	if err != nil {
		return nil, err
	}
	info, err := parseTimestampToken(token)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(info.imprint, digest) || info.hash != h {
		return nil, errors.New("TSA token imprint does not match the request")
	}
	if info.nonce != nil && info.nonce.Cmp(nonce) != 0 {
		return nil, errors.New("TSA token nonce does not match the request")
	}
	return token, nil
}

func parseTimeStampResp(der []byte) ([]byte, error) {
	var resp timeStampResp
	if _, err := asn1.Unmarshal(der, &resp); err != nil {
		return nil, fmt.Errorf("TSA response: %w", err)
	}
	if resp.Status.Status != 0 && resp.Status.Status != 1 {
		return nil, fmt.Errorf("TSA refused the request (status %d)", resp.Status.Status)
	}
	if len(resp.TimeStampToken.FullBytes) == 0 {
		return nil, errors.New("TSA response without token")
	}
	return resp.TimeStampToken.FullBytes, nil
}

type tstInfo struct {
	Version int
	// Policy is kept raw: encoding/asn1 cannot hold OID arcs above 2^31,
	// and UUID-based policies (2.25.…, our own TSA's) have such arcs.
	Policy         asn1.RawValue
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       asn1.RawValue `asn1:"optional"`
	Ordering       bool          `asn1:"optional,default:false"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,explicit,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// timestampInfo is a parsed (not yet verified) time-stamp token.
type timestampInfo struct {
	msg     *signedMessage
	genTime time.Time
	hash    crypto.Hash
	imprint []byte
	nonce   *big.Int
	serial  *big.Int
}

func parseTimestampToken(token []byte) (*timestampInfo, error) {
	m, err := parseCMS(token)
	if err != nil {
		return nil, err
	}
	if !m.sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) {
		return nil, fmt.Errorf("%w: token content is not TSTInfo", errCMS)
	}
	var ti tstInfo
	if _, err := asn1.Unmarshal(m.content, &ti); err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", errCMS, err)
	}
	h, ok := hashFromOID(ti.MessageImprint.HashAlgorithm.Algorithm)
	if !ok {
		return nil, fmt.Errorf("%w: token imprint hash %v", errCMS, ti.MessageImprint.HashAlgorithm.Algorithm)
	}
	return &timestampInfo{msg: m, genTime: ti.GenTime, hash: h, imprint: ti.MessageImprint.HashedMessage, nonce: ti.Nonce, serial: ti.SerialNumber}, nil
}

// verify checks the token's CMS signature and returns the TSA certificate.
func (ti *timestampInfo) verify() (*x509.Certificate, error) {
	cert, err := ti.msg.signerCert()
	if err != nil {
		return nil, err
	}
	d := ti.msg.digestHash.New()
	d.Write(ti.msg.content)
	if !ti.msg.checkDigest(d.Sum(nil)) {
		return cert, errors.New("time-stamp token message-digest does not match TSTInfo")
	}
	if err := ti.msg.verifySignature(cert); err != nil {
		return cert, fmt.Errorf("time-stamp token signature: %w", err)
	}
	return cert, nil
}
