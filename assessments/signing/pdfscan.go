package signing

import (
	"crypto/x509"
	"fmt"
	"io"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
)

// pdfSignature is what the verify package does not report about a signature: which bytes it
// covers and which certificate is the signer's.
type pdfSignature struct {
	byteRange    []int64
	signer       *x509.Certificate
	certificates []*x509.Certificate
}

// readSignatures lists the signature dictionaries the way pdfsign's verify package walks them
// (same order, same ones skipped), so its results pair with these by index.
func readSignatures(data io.ReaderAt, size int64) (sigs []pdfSignature, err error) {
	defer func() { // the PDF parser panics on some malformed input
		if r := recover(); r != nil {
			sigs, err = nil, fmt.Errorf("signing: unreadable PDF: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(data, size)
	if err != nil {
		return nil, fmt.Errorf("signing: unreadable PDF: %w", err)
	}
	for _, x := range rdr.Xref() {
		v := rdr.Resolve(x.Ptr(), x.Ptr())
		if v.Key("Filter").Name() != "Adobe.PPKLite" {
			continue
		}
		p7, err := pkcs7.Parse([]byte(v.Key("Contents").RawString()))
		if err != nil {
			continue
		}
		s := pdfSignature{signer: p7.GetOnlySigner(), certificates: p7.Certificates}
		br := v.Key("ByteRange")
		for i := 0; i < br.Len(); i++ {
			s.byteRange = append(s.byteRange, br.Index(i).Int64())
		}
		sigs = append(sigs, s)
	}
	return sigs, nil
}

// wholeFile reports whether the signature covers every byte of data except its own
// hex-encoded Contents: nothing was appended after signing and nothing hides in the gap.
func (s pdfSignature) wholeFile(data []byte) bool {
	br := s.byteRange
	if len(br) != 4 || br[0] != 0 || br[1] < 0 || br[2] <= br[1] || br[3] < 0 ||
		br[2]+br[3] != int64(len(data)) {
		return false
	}
	gap := data[br[1]:br[2]]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return false
	}
	for _, c := range gap[1 : len(gap)-1] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
