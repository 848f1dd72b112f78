package pii

import (
	"bytes"
	"net/netip"
)

// luhn reports whether the digits pass the Luhn check (ISO/IEC 7812-1, annex B).
func luhn(digits []byte) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// cardPrefix reports whether the number starts with an issuer prefix of a major card network
// (Visa 4; Mastercard 51-55 and 2221-2720; Amex 34, 37; Diners 300-305, 36, 38; Discover 6011,
// 644-649, 65; JCB 3528-3589; UnionPay 62; Maestro 50, 56-58, 6x) with a length that network issues.
func cardPrefix(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p2 == 36 || p2 == 38 || p4 >= 3000 && p4 <= 3059:
		return n >= 14 && n <= 19
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 && n <= 19
	case d[0] == '6', p2 == 50, p2 >= 56 && p2 <= 58:
		return n >= 12 && n <= 19
	}
	return false
}

// validCard: 13 to 19 digits, a known issuer prefix, and the Luhn check.
func validCard(digits []byte) bool {
	return len(digits) >= 13 && len(digits) <= 19 && cardPrefix(digits) && luhn(digits)
}

// validSSN applies the SSA's issuance rules to nine digits: no area 000, 666 or 900-999, no group 00,
// no serial 0000.
func validSSN(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area := string(d[0:3])
	if area == "000" || area == "666" || d[0] == '9' {
		return false
	}
	return string(d[3:5]) != "00" && string(d[5:9]) != "0000"
}

// ibanLengths is the length of an IBAN per country, from the SWIFT IBAN Registry.
var ibanLengths = map[[2]byte]int{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28, {'B', 'A'}: 20,
	{'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'I'}: 27, {'B', 'R'}: 29, {'B', 'Y'}: 28,
	{'C', 'H'}: 21, {'C', 'R'}: 22, {'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'J'}: 27,
	{'D', 'K'}: 18, {'D', 'O'}: 28, {'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18,
	{'F', 'K'}: 18, {'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23,
	{'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'N'}: 28, {'H', 'R'}: 21, {'H', 'U'}: 28,
	{'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27, {'J', 'O'}: 30,
	{'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32, {'L', 'I'}: 21, {'L', 'T'}: 20,
	{'L', 'U'}: 20, {'L', 'V'}: 21, {'L', 'Y'}: 25, {'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22,
	{'M', 'K'}: 19, {'M', 'N'}: 20, {'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'I'}: 28,
	{'N', 'L'}: 18, {'N', 'O'}: 15, {'O', 'M'}: 23, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'S'}: 29,
	{'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22, {'R', 'U'}: 33, {'S', 'A'}: 24,
	{'S', 'C'}: 31, {'S', 'D'}: 18, {'S', 'E'}: 24, {'S', 'I'}: 19, {'S', 'K'}: 24, {'S', 'M'}: 27,
	{'S', 'O'}: 23, {'S', 'T'}: 25, {'S', 'V'}: 28, {'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26,
	{'U', 'A'}: 29, {'V', 'A'}: 22, {'V', 'G'}: 24, {'X', 'K'}: 20,
}

// validIBAN checks an IBAN without spaces: uppercase country code, its registered length, and the
// ISO 13616 / ISO 7064 mod 97-10 check (the rearranged number modulo 97 is 1).
func validIBAN(s []byte) bool {
	if len(s) < 15 || !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	if ibanLengths[[2]byte{s[0], s[1]}] != len(s) {
		return false
	}
	rem := 0
	add := func(c byte) bool {
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case isUpper(c):
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range s[4:] {
		if !add(c) {
			return false
		}
	}
	for _, c := range s[:4] {
		add(c)
	}
	return rem == 1
}

// ibanCheckDigits computes the two check digits for country+"00"+bban; the generator uses it.
func ibanCheckDigits(country string, bban string) string {
	rem := 0
	for _, c := range []byte(bban + country + "00") {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	cd := 98 - rem
	return string([]byte{byte('0' + cd/10), byte('0' + cd%10)})
}

// validIP parses the candidate as an IPv4 or IPv6 address. IPv4 parts must not have leading zeros
// (netip refuses them too, as some tools read them as octal).
func validIP(s []byte) bool {
	if bytes.IndexByte(s, ':') < 0 {
		return validIPv4(s)
	}
	_, err := netip.ParseAddr(string(s))
	return err == nil
}

// validIPv4 is the dotted-quad rule without the allocation a string conversion costs.
func validIPv4(s []byte) bool {
	parts, val, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || val > 255 || digits > 1 && s[i-digits] == '0' {
				return false
			}
			parts++
			val, digits = 0, 0
			continue
		}
		if !isDigit(s[i]) || digits == 3 {
			return false
		}
		val = val*10 + int(s[i]-'0')
		digits++
	}
	return parts == 4
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isLetter(c byte) bool {
	return isUpper(c) || isLower(c)
}
func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }
func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
