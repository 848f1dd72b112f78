package pii

import "testing"

func TestLuhnAndCards(t *testing.T) {
	// 79927398713 is the worked example of the Luhn algorithm (ISO/IEC 7812-1 annex B, and the
	// Wikipedia article "Luhn algorithm"). The card numbers are test numbers from Stripe's
	// documentation ("Testing", docs.stripe.com/testing) and PayPal's sandbox test cards.
	if !luhn([]byte("79927398713")) || luhn([]byte("79927398710")) {
		t.Error("luhn: the worked example 79927398713 must pass and 79927398710 fail")
	}
	valid := []string{"4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222",
		"5200828282828210", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
		"3056930009020004", "36227206271667", "3566002020360505", "6200000000000005", "4222222222222"}
	for _, c := range valid {
		if !validCard([]byte(c)) {
			t.Errorf("%s: want a valid card", c)
		}
	}
	invalid := []string{
		"4242424242424241",     // Luhn fails
		"1234567812345678",     // Luhn fails, no network
		"7000000000000003",     // Luhn passes, no network starts with 7
		"424242424242",         // 12 digits
		"42424242424242424242", // 20 digits
		"3782822463100050",     // Amex prefix with 16 digits
	}
	for _, c := range invalid {
		if validCard([]byte(c)) {
			t.Errorf("%s: want invalid", c)
		}
	}
}

func TestIBAN(t *testing.T) {
	// Examples printed in the SWIFT IBAN Registry (release 99) for each country.
	valid := []string{"DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606",
		"NL91ABNA0417164300", "BE68539007547034", "CH9300762011623852957", "ES9121000418450200051332",
		"IT60X0542811101000000123456", "NO9386011117947", "AT611904300234573201", "PL61109010140000071219812874",
		"MT84MALT011000012345MTLCAST001S", "SE4550000000058398257466", "IE29AIBK93115212345678"}
	for _, s := range valid {
		if !validIBAN([]byte(s)) {
			t.Errorf("%s: want a valid IBAN", s)
		}
		if got := ibanCheckDigits(s[:2], s[4:]); got != s[2:4] {
			t.Errorf("%s: check digits %s, want %s", s, got, s[2:4])
		}
	}
	invalid := []string{
		"DE88370400440532013000",  // check digits wrong
		"DE89370400440532013001",  // a digit changed
		"DE8937040044053201300",   // a digit short of Germany's 22
		"GB29NWBK601613319268190", // a digit too many
		"XX89370400440532013000",  // no such country
		"de89370400440532013000",  // lower-case country
	}
	for _, s := range invalid {
		if validIBAN([]byte(s)) {
			t.Errorf("%s: want invalid", s)
		}
	}
}

func TestSSN(t *testing.T) {
	// The SSA's rules ("Social Security Number Randomization", ssa.gov/employer/randomization.html):
	// area numbers 000, 666 and 900-999 are never issued, nor group 00 or serial 0000.
	for _, s := range []string{"078051120", "123456789", "665999999", "667010001", "899990001"} {
		if !validSSN([]byte(s)) {
			t.Errorf("%s: want valid", s)
		}
	}
	for _, s := range []string{"000123456", "666123456", "900123456", "999999999", "123001234", "123450000", "12345678"} {
		if validSSN([]byte(s)) {
			t.Errorf("%s: want invalid", s)
		}
	}
}

func TestIP(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "192.168.1.1", "255.255.255.255", "10.0.0.1", "2001:db8::1", "::1", "fe80::1:2:3:4", "::ffff:192.0.2.1"} {
		if !validIP([]byte(s)) {
			t.Errorf("%s: want valid", s)
		}
	}
	for _, s := range []string{"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "1.2.3.", "1234.1.1.1", "2001:db8:::1", "12:30:45", "g::1"} {
		if validIP([]byte(s)) {
			t.Errorf("%s: want invalid", s)
		}
	}
}
