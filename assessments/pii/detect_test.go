package pii

import (
	"fmt"
	"strings"
	"testing"
)

// found renders detections as TYPE:text for compact comparisons.
func found(text string) []string {
	var out []string
	for _, s := range detect([]byte(text), nil) {
		out = append(out, fmt.Sprintf("%s:%s", s.typ, text[s.start:s.end]))
	}
	return out
}

func TestDetectFindsValidIdentifiers(t *testing.T) {
	cases := []struct{ text, want string }{
		{"write to jane.doe+tag@mail.example.co.uk today", "EMAIL_ADDRESS:jane.doe+tag@mail.example.co.uk"},
		{"(Jane_D@Example.ORG).", "EMAIL_ADDRESS:Jane_D@Example.ORG"},
		// Test card numbers published by payment processors (Stripe's and PayPal's test-card pages).
		{"card 4111 1111 1111 1111 exp 12/25", "CREDIT_CARD:4111 1111 1111 1111"},
		{"card 4242424242424242.", "CREDIT_CARD:4242424242424242"},
		{"amex 3782-822463-10005 ok", "CREDIT_CARD:3782-822463-10005"},
		{"mc 5555-5555-5555-4444", "CREDIT_CARD:5555-5555-5555-4444"},
		// IBAN examples from the SWIFT IBAN Registry (DE, GB, FR entries).
		{"IBAN DE89 3704 0044 0532 0130 00, thanks", "IBAN_CODE:DE89 3704 0044 0532 0130 00"},
		{"pay GB29NWBK60161331926819", "IBAN_CODE:GB29NWBK60161331926819"},
		{"FR14 2004 1010 0505 0001 3M02 606", "IBAN_CODE:FR14 2004 1010 0505 0001 3M02 606"},
		{"SSN 123-45-6789.", "US_SSN:123-45-6789"},
		{"ssn 078 05 1120", "US_SSN:078 05 1120"},
		{"from 192.168.1.20:8080", "IP_ADDRESS:192.168.1.20"},
		{"route 10.20.0.0/16 and 2001:db8::/32", "IP_ADDRESS:10.20.0.0 IP_ADDRESS:2001:db8::"},
		{"host 2001:db8::8a2e:370:7334 up", "IP_ADDRESS:2001:db8::8a2e:370:7334"},
		{"[fe80::1]", "IP_ADDRESS:fe80::1"},
		{"::ffff:192.0.2.128 mapped", "IP_ADDRESS:::ffff:192.0.2.128"},
		{"mac 00:1A:2b:3C:4d:5E", "MAC_ADDRESS:00:1A:2b:3C:4d:5E"},
		{"mac AA-BB-CC-DD-EE-FF.", "MAC_ADDRESS:AA-BB-CC-DD-EE-FF"},
		{"mac 00-1A-2B-3C-4D-5E", "MAC_ADDRESS:00-1A-2B-3C-4D-5E"},
		{"call +1 (212) 555-0123 now", "PHONE_NUMBER:+1 (212) 555-0123"},
		{"call +1-212-555-0123", "PHONE_NUMBER:+1-212-555-0123"},
		{"US (212) 555-0123", "PHONE_NUMBER:(212) 555-0123"},
		{"US 212.555.0123", "PHONE_NUMBER:212.555.0123"},
		{"US 1-800-555-0199", "PHONE_NUMBER:1-800-555-0199"},
		{"UK +44 20 7946 0958", "PHONE_NUMBER:+44 20 7946 0958"},
		{"UK +44 (0)20 7946 0958", "PHONE_NUMBER:+44 (0)20 7946 0958"},
		{"UK 020 7946 0958", "PHONE_NUMBER:020 7946 0958"},
		{"UK (020) 7946 0958", "PHONE_NUMBER:(020) 7946 0958"},
		{"UK 07700 900123", "PHONE_NUMBER:07700 900123"},
		{"UK 07700900123", "PHONE_NUMBER:07700900123"},
		{"DE 030 12345678", "PHONE_NUMBER:030 12345678"},
		{"DE 089/1234567", "PHONE_NUMBER:089/1234567"},
		{"DE +49 30 12345678", "PHONE_NUMBER:+49 30 12345678"},
		{"DE 0171-1234567", "PHONE_NUMBER:0171-1234567"},
		{"FR 01 23 45 67 89", "PHONE_NUMBER:01 23 45 67 89"},
		{"FR 06.12.34.56.78", "PHONE_NUMBER:06.12.34.56.78"},
		{"FR +33 1 23 45 67 89", "PHONE_NUMBER:+33 1 23 45 67 89"},
		{"FR +33612345678", "PHONE_NUMBER:+33612345678"},
		{"Dear Anna, ", "PERSON:Anna"},
		{"signed: Mrs. Keller", "PERSON:Keller"},
		{"Thomas Müller", ""},
		{"Report by John Smith today", "PERSON:John Smith"},
	}
	for _, tc := range cases {
		got := strings.Join(found(tc.text), " ")
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

// Decoys look like identifiers but fail validation; none may be reported.
func TestDetectIgnoresDecoys(t *testing.T) {
	decoys := []string{
		"order 4111 1111 1111 1112",        // Luhn fails (last digit changed)
		"order number 1234567812345678",    // Luhn fails
		"tracking 7234567812345670",        // Luhn passes but no card network starts with 7
		"IBAN DE88 3704 0044 0532 0130 00", // check digits wrong
		"GB29NWBK6016133192681",            // one character short
		"ZZ12 3456 7890 1234",              // no such country
		"SSN 000-12-3456", "SSN 666-12-3456", "SSN 912-34-5678", "SSN 123-00-4567", "SSN 123-45-0000",
		"version 1.2.3", "v1.2.3.4", "release 1.2.3.4.5", "node 20.11.1",
		"date 2024-01-15", "on 15/01/2024", "on 15.01.2024 at 10:30", "01.02.2024 10 30",
		"time 12:30:45", "ratio 3:2", "std::vector", "C::D",
		"amount $1,234,567.89", "EUR 12 345,67", "+1.5% growth", "total 1 234 567",
		"256.1.1.1", "192.168.01.1", "1.2.3", "10.0.0.256", "1.2.3.4/5/6", "10.0.0.0/123",
		"00:1A:2B:3C:4D", "00:1A:2B:3C:4D:5E:6F", "GG:1A:2B:3C:4D:5E",
		"user@localhost", "a@b.c", "me@example.123", "@mention",
		"call 555-0123", "room 212 555", "phone 0000 123456", "order 123456789",
		"Paris is lovely", "Will you come", "Smith said",
		"tokens [EMAIL_ADDRESS] <PHONE_NUMBER:3f9a1c2e> <CREDIT_CARD:12345678>",
	}
	for _, text := range decoys {
		if got := found(text); len(got) != 0 {
			t.Errorf("%q: reported %v", text, got)
		}
	}
}
