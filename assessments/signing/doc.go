// Package signing holds piaf's report signing keys and makes and checks the two kinds of
// signature an auditor can verify without piaf:
//
//   - Markdown reports get a detached SSH signature (SSHSIG, Ed25519, namespace "piaf-report")
//     that `ssh-keygen -Y verify -f allowed_signers -I <identity> -n piaf-report -s report.md.sig`
//     accepts.
//   - PDF reports get an embedded CMS signature over the whole file that poppler's `pdfsig`
//     reports as valid.
//
// # Key folder
//
// Load keeps everything in one folder (normally "keys" inside the piaf data folder), mode 0700,
// every file mode 0600:
//
//	ssh-key        Ed25519 private key, OpenSSH format (usable with ssh-keygen -Y sign -f)
//	ssh-key.pub    its public key, authorized_keys format
//	pdf-key.pem    PDF signing private key (PKCS#8; PKCS#1 and SEC1 are read too)
//	pdf-cert.pem   its certificate first, then the issuing chain, if any
//	retired.json   public keys and certificates retired by Rotate or UsePEM, with the time
//
// Missing keys are generated at first run: Ed25519 for SSH, RSA 3072 with a self-signed
// certificate (CN "piaf report signing", five years) for PDF. RSA is used because every
// PDF reader, poppler's NSS back end included, verifies it.
//
// To sign PDFs with the organisation's key, either call Keyring.UsePEM, which retires the
// current certificate so older reports still verify, or place pdf-key.pem and pdf-cert.pem
// (leaf first, then intermediates) in the folder before piaf first starts. Replacing the two
// files by hand later works too, but then the old certificate is not kept as retired.
//
// Private keys never leave the Keyring: only SignSSH and SignPDF use them, and no method
// returns or logs them. Rotation overwrites them and keeps only the public halves.
package signing
