package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pdfsign/verify"
)

// PDFInfo is what a PDF signature says about itself; viewers show it beside the signature.
type PDFInfo struct {
	Name     string    // who signs, e.g. the organisation
	Reason   string    // e.g. "piaf report, assessment 7 cycle 2 revision 14, SHA-256 ..."
	Location string    // e.g. the piaf instance's URL
	Contact  string    // e.g. the privacy officer's e-mail
	Date     time.Time // zero means now by the keyring's clock
}

// placeholderSlack is the room, in bytes, kept in the signature placeholder beyond the
// certificates: enough for an RSA 4096 signature and the signed attributes.
const placeholderSlack = 2048

// SignPDF returns pdf with an embedded, invisible CMS approval signature (SHA-256, PKCS#7
// detached) over the whole file, made with the current PDF key; the certificate chain is
// embedded with it. Nothing is fetched over the network: no timestamp, no revocation data.
func (k *Keyring) SignPDF(pdfData []byte, info PDFInfo) (signed []byte, err error) {
	defer func() { // the PDF parser panics on some malformed input
		if r := recover(); r != nil {
			signed, err = nil, fmt.Errorf("signing: unreadable PDF: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(pdfData), int64(len(pdfData)))
	if err != nil {
		return nil, fmt.Errorf("signing: unreadable PDF: %w", err)
	}
	if !rdr.Trailer().Key("Root").Key("AcroForm").Key("SigFlags").IsNull() {
		return nil, errors.New("signing: the PDF is signed already")
	}
	if info.Date.IsZero() {
		info.Date = k.now()
	}
	k.mu.RLock()
	key, chain := k.pdfKey, k.pdfChain
	k.mu.RUnlock()

	// sign.Sign would do the same with a placeholder for the CMS sized by its own estimate,
	// which leaves out the RSA signature itself; when the CMS does not fit, its retry writes the
	// file twice with an odd-length Contents. A placeholder with room to spare avoids that.
	var out bytes.Buffer
	ctx := sign.SignContext{
		PDFReader:              rdr,
		InputFile:              bytes.NewReader(pdfData),
		OutputFile:             &out,
		SignatureMaxLengthBase: uint32(hex.EncodedLen(placeholderSlack)),
		SignData: sign.SignData{
			Signature: sign.SignDataSignature{
				CertType: sign.ApprovalSignature,
				Info: sign.SignDataSignatureInfo{
					Name:        info.Name,
					Reason:      info.Reason,
					Location:    info.Location,
					ContactInfo: info.Contact,
					Date:        info.Date,
				},
			},
			Signer:            key,
			DigestAlgorithm:   crypto.SHA256,
			Certificate:       chain[0],
			CertificateChains: [][]*x509.Certificate{chain},
		},
	}
	if err := ctx.SignPDF(); err != nil {
		return nil, fmt.Errorf("signing: PDF signature: %w", err)
	}
	sigs, err := readSignatures(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil || len(sigs) != 1 || !sigs[0].wholeFile(out.Bytes()) {
		return nil, errors.New("signing: pdfsign wrote a malformed signature")
	}
	return out.Bytes(), nil
}

// PDFResult is what VerifyPDF found about the signature of a PDF.
type PDFResult struct {
	// Valid is Intact with a Trusted signer: the answer to "is this a genuine report".
	Valid bool
	// Intact means the CMS signature matches the signed bytes and they are the whole file.
	Intact bool
	// Problem says why the result is not Valid, for people; empty when it is.
	Problem string

	Signer       *x509.Certificate   // the certificate that made the signature
	Certificates []*x509.Certificate // every certificate embedded in the signature
	// Trusted is the certificate among the trusted ones with Signer's public key, nil if none.
	Trusted *x509.Certificate

	Name, Reason, Location, Contact string
	SignedAt                        time.Time // as the signer claims it; zero if absent
}

// VerifyPDF checks the signature embedded in a PDF against the trusted certificates (those of
// Keyring.TrustedCertificates). An error means no signature could be read at all; a
// signature that is broken or unknown gives a result that is not Valid.
func VerifyPDF(pdfData []byte, trusted []*x509.Certificate) (*PDFResult, error) {
	return VerifyPDFContext(context.Background(), pdfData, trusted)
}

// VerifyPDFContext is VerifyPDF that stops when ctx is done: the parser reads the file through
// a reader that fails once ctx ends, and its read errors abort it.
func VerifyPDFContext(ctx context.Context, pdfData []byte, trusted []*x509.Certificate) (*PDFResult, error) {
	if err := checkPDFShape(pdfData); err != nil {
		return nil, err
	}
	file := ctxReaderAt{ctx, bytes.NewReader(pdfData)}
	resp, err := verify.VerifyWithOptions(file, int64(len(pdfData)), verify.DefaultVerifyOptions())
	if ctx.Err() != nil {
		return nil, fmt.Errorf("signing: verification stopped: %w", context.Cause(ctx))
	}
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	sigs, err := readSignatures(file, int64(len(pdfData)))
	if ctx.Err() != nil {
		return nil, fmt.Errorf("signing: verification stopped: %w", context.Cause(ctx))
	}
	if err != nil {
		return nil, err
	}
	if len(resp.Signers) == 0 || len(sigs) != len(resp.Signers) {
		return nil, errors.New("signing: no readable signature in the PDF")
	}
	if len(sigs) > 1 {
		return &PDFResult{Problem: fmt.Sprintf("the PDF holds %d signatures; a piaf report has one", len(sigs))}, nil
	}
	s, sig := resp.Signers[0], sigs[0]
	r := &PDFResult{
		Signer:       sig.signer,
		Certificates: sig.certificates,
		Name:         s.Name,
		Reason:       s.Reason,
		Location:     s.Location,
		Contact:      s.ContactInfo,
	}
	if s.SignatureTime != nil {
		r.SignedAt = *s.SignatureTime
	}
	if r.Signer != nil {
		r.Trusted = trustedFor(r.Signer, trusted)
	}
	r.Intact = s.ValidSignature && sig.wholeFile(pdfData)
	switch {
	case !s.ValidSignature:
		r.Problem = "the signature does not match the document (changed after signing?)"
		if resp.Error != "" {
			r.Problem += ": " + resp.Error
		}
	case !r.Intact:
		r.Problem = "the signature does not cover the whole file: something was added after signing"
	case r.Trusted == nil:
		r.Problem = "the signature is sound but made by a certificate this instance does not know"
	}
	r.Valid = r.Problem == ""
	return r, nil
}

// trustedFor returns the certificate in trusted with the same public key as signer: a
// certificate renewed for the same key still identifies the same signer.
func trustedFor(signer *x509.Certificate, trusted []*x509.Certificate) *x509.Certificate {
	type publicKey interface{ Equal(crypto.PublicKey) bool }
	pub, ok := signer.PublicKey.(publicKey)
	if !ok {
		return nil
	}
	for _, t := range trusted {
		if pub.Equal(t.PublicKey) {
			return t
		}
	}
	return nil
}

// ctxReaderAt fails every read once its context is done.
type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}
