// Package corpus generates labelled test text for the PII scanner: valid identifiers in sentences,
// with decoys that look alike but fail validation (wrong checksums, order numbers, versions, dates,
// amounts). Its validators are written apart from the scanner's so that a shared mistake is less
// likely to pass unnoticed.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// Label is one piece of personal data in a record, in byte offsets.
type Label struct {
	Type       string
	Start, End int
}

// Record is one line of text and the personal data it holds.
type Record struct {
	Text   string
	Labels []Label
	Decoys int // how many look-alikes that are not personal data the text holds
}

// Gen makes records from a seeded source, so a corpus is the same on every run.
type Gen struct {
	r *rand.Rand
}

// New returns a generator seeded with seed.
func New(seed uint64) *Gen { return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// Types are the entity types the generator labels.
var Types = []string{"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "MAC_ADDRESS", "PERSON"}

var fillers = []string{
	"the invoice was sent last week", "please check the attached notes", "we updated the record",
	"the ticket is still open", "see the summary below", "thanks for the quick reply",
	"the meeting moved to the afternoon", "nothing else changed", "the form was incomplete",
	"the request was approved", "the shipment left the warehouse", "this was logged automatically",
}

var leads = map[string][]string{
	"EMAIL_ADDRESS": {"write to", "email", "contact:", "reply-to"},
	"PHONE_NUMBER":  {"call", "phone:", "tel.", "reach them on", "mobile"},
	"CREDIT_CARD":   {"card", "paid with card", "card number:", "charged to"},
	"IBAN_CODE":     {"IBAN", "transfer to", "account:", "refund to"},
	"US_SSN":        {"SSN", "social security number", "ssn:"},
	"IP_ADDRESS":    {"from IP", "client", "login from", "host"},
	"MAC_ADDRESS":   {"device", "MAC", "adapter", "hw address"},
	"PERSON":        {"signed by", "handled by", "Dear", "contact", "patient"},
}

// Record makes one line with zero to three pieces of personal data or decoys.
func (g *Gen) Record() Record {
	var b strings.Builder
	var labels []Label
	decoys := 0
	f := g.pick(fillers)
	b.WriteString(strings.ToUpper(f[:1]) + f[1:])
	for range g.r.IntN(4) {
		if g.r.IntN(10) < 6 {
			t := g.pick(Types)
			b.WriteString("; " + g.pick(leads[t]) + " ")
			v := g.Valid(t)
			labels = append(labels, Label{t, b.Len(), b.Len() + len(v)})
			b.WriteString(v)
		} else {
			lead, v := g.Decoy()
			b.WriteString("; " + lead + " " + v)
			decoys++
		}
		if g.r.IntN(2) == 0 {
			b.WriteString(", " + g.pick(fillers))
		}
	}
	b.WriteString(".")
	return Record{Text: b.String(), Labels: labels, Decoys: decoys}
}

func (g *Gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *Gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *Gen) digitsFrom(lo byte, n int) string {
	return string(lo+byte(g.r.IntN(int('9'-lo)+1))) + g.digits(n-1)
}

// Valid makes a valid value of the type in one of the forms people type.
func (g *Gen) Valid(t string) string {
	switch t {
	case "EMAIL_ADDRESS":
		given, sur := strings.ToLower(g.pick(givens)), strings.ToLower(g.pick(surnames))
		dom := g.pick([]string{"example.com", "mail.example.org", "example.co.uk", "uni-example.de", "example.fr"})
		switch g.r.IntN(4) {
		case 0:
			return given + "." + sur + "@" + dom
		case 1:
			return given[:1] + sur + g.digits(2) + "@" + dom
		case 2:
			return given + "_" + sur + "+news@" + dom
		}
		return strings.ToUpper(given[:1]) + given[1:] + "@" + strings.ToUpper(dom)
	case "PHONE_NUMBER":
		return g.phone()
	case "CREDIT_CARD":
		return g.card(true)
	case "IBAN_CODE":
		return g.iban(true)
	case "US_SSN":
		return g.ssn(true)
	case "IP_ADDRESS":
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
		}
		var a [16]byte
		for i := range a {
			a[i] = byte(g.r.IntN(256))
		}
		switch g.r.IntN(3) {
		case 0: // documentation prefix with zero runs, compressed
			copy(a[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0})
		case 1: // link-local
			copy(a[:], []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0})
		}
		return netip.AddrFrom16(a).String()
	case "MAC_ADDRESS":
		sep := g.pick([]string{":", "-"})
		parts := make([]string, 6)
		for i := range parts {
			parts[i] = fmt.Sprintf("%02x", g.r.IntN(256))
		}
		s := strings.Join(parts, sep)
		if g.r.IntN(2) == 0 {
			s = strings.ToUpper(s)
		}
		return s
	case "PERSON":
		return g.pick(givens) + " " + g.pick(surnames)
	}
	panic("corpus: unknown type " + t)
}

func (g *Gen) phone() string {
	d := g.digits
	us := func() (string, string, string) { return g.digitsFrom('2', 3), g.digitsFrom('2', 3), d(4) }
	switch g.r.IntN(16) {
	case 0:
		a, e, s := us()
		return "(" + a + ") " + e + "-" + s
	case 1:
		a, e, s := us()
		return a + "-" + e + "-" + s
	case 2:
		a, e, s := us()
		return a + "." + e + "." + s
	case 3:
		a, e, s := us()
		return "+1 " + a + " " + e + " " + s
	case 4:
		a, e, s := us()
		return "+1-" + a + "-" + e + "-" + s
	case 5:
		return "020 7946 " + d(4)
	case 6:
		return "07700 9" + d(5)
	case 7:
		return "+44 20 7946 " + d(4)
	case 8:
		return "+44 (0)20 7946 " + d(4)
	case 9:
		return "+44 7700 9" + d(5)
	case 10:
		return "030 " + g.digitsFrom('1', 8)
	case 11:
		return "089/" + g.digitsFrom('1', 7)
	case 12:
		return "+49 171 " + g.digitsFrom('1', 7)
	case 13:
		return "0" + g.digitsFrom('1', 1) + " " + d(2) + " " + d(2) + " " + d(2) + " " + d(2)
	case 14:
		return "06." + d(2) + "." + d(2) + "." + d(2) + "." + d(2)
	}
	return "+33 " + g.digitsFrom('1', 1) + " " + d(2) + " " + d(2) + " " + d(2) + " " + d(2)
}

// luhnDigit is the check digit that makes body+digit pass the Luhn check.
func luhnDigit(body string) byte {
	sum := 0
	for i := 0; i < len(body); i++ {
		v := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

func (g *Gen) card(valid bool) string {
	var prefix string
	n := 16
	switch g.r.IntN(4) {
	case 0:
		prefix = "4"
	case 1:
		prefix = fmt.Sprint(51 + g.r.IntN(5))
	case 2:
		prefix, n = g.pick([]string{"34", "37"}), 15
	default:
		prefix = "6011"
	}
	body := prefix + g.digits(n-1-len(prefix))
	check := luhnDigit(body)
	if !valid {
		check = byte('0' + (int(check-'0')+1+g.r.IntN(9))%10)
	}
	num := body + string(check)
	sep := g.pick([]string{"", " ", "-"})
	if sep == "" {
		return num
	}
	if n == 15 {
		return num[:4] + sep + num[4:10] + sep + num[10:]
	}
	return num[:4] + sep + num[4:8] + sep + num[8:12] + sep + num[12:]
}

// ibanCountries: country, BBAN pattern (9 a digit, A a capital letter), from the SWIFT IBAN Registry.
var ibanCountries = [][2]string{
	{"DE", "999999999999999999"}, {"GB", "AAAA99999999999999"}, {"FR", "99999999999999999999999"},
	{"ES", "99999999999999999999"}, {"NL", "AAAA9999999999"}, {"IT", "A9999999999999999999999"},
	{"BE", "999999999999"}, {"CH", "99999999999999999"}, {"AT", "9999999999999999"}, {"PL", "999999999999999999999999"},
}

func mod97(s string) int {
	rem := 0
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return rem
}

func (g *Gen) iban(valid bool) string {
	c := ibanCountries[g.r.IntN(len(ibanCountries))]
	bban := []byte(c[1])
	for i, p := range bban {
		if p == '9' {
			bban[i] = byte('0' + g.r.IntN(10))
		} else {
			bban[i] = byte('A' + g.r.IntN(26))
		}
	}
	check := 98 - mod97(string(bban)+c[0]+"00")
	if !valid {
		check = (check-2+1+g.r.IntN(96))%97 + 2 // any other value from 2 to 98
	}
	s := fmt.Sprintf("%s%02d%s", c[0], check, bban)
	if g.r.IntN(2) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func (g *Gen) ssn(valid bool) string {
	area := 1 + g.r.IntN(899)
	for area == 666 {
		area = 1 + g.r.IntN(899)
	}
	group, serial := 1+g.r.IntN(99), 1+g.r.IntN(9999)
	if !valid {
		switch g.r.IntN(5) {
		case 0:
			area = 0
		case 1:
			area = 666
		case 2:
			area = 900 + g.r.IntN(100)
		case 3:
			group = 0
		default:
			serial = 0
		}
	}
	sep := g.pick([]string{"-", " "})
	return fmt.Sprintf("%03d%s%02d%s%04d", area, sep, group, sep, serial)
}

// Decoy makes something that looks like personal data but is not, with the words before it.
func (g *Gen) Decoy() (lead, value string) {
	d := g.digits
	switch g.r.IntN(21) {
	case 16:
		return "ISBN", "978-" + d(1) + "-" + d(2) + "-" + d(6) + "-" + d(1)
	case 17:
		return "request id", fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.r.Uint32(), g.r.IntN(1<<16), g.r.IntN(1<<16), g.r.IntN(1<<16), g.r.Uint64()&(1<<48-1))
	case 18:
		return "at", fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
	case 19:
		return "location", fmt.Sprintf("%d.%04d, %d.%04d", g.r.IntN(90), g.r.IntN(10000), g.r.IntN(180), g.r.IntN(10000))
	case 20:
		return "commit", fmt.Sprintf("%016x%08x", g.r.Uint64(), g.r.Uint32())
	case 0:
		return "order", g.card(false)
	case 1:
		body := g.digitsFrom('1', 15)
		return "order number", body + string('0'+(luhnDigit(body)-'0'+1+byte(g.r.IntN(9)))%10)
	case 2:
		return "IBAN", g.iban(false)
	case 3:
		return "ssn", g.ssn(false)
	case 4:
		return "version", fmt.Sprintf("%d.%d.%d", g.r.IntN(20), g.r.IntN(30), g.r.IntN(200))
	case 5:
		return "release", fmt.Sprintf("v%d.%d.%d.%d", g.r.IntN(10), g.r.IntN(10), g.r.IntN(10), g.r.IntN(100))
	case 6:
		return "on", fmt.Sprintf("%04d-%02d-%02d", 1990+g.r.IntN(40), 1+g.r.IntN(12), 1+g.r.IntN(28))
	case 7:
		return "dated", fmt.Sprintf("%02d/%02d/%04d", 1+g.r.IntN(28), 1+g.r.IntN(12), 1990+g.r.IntN(40))
	case 8:
		return "on", fmt.Sprintf("%02d.%02d.%04d at %02d:%02d", 1+g.r.IntN(28), 1+g.r.IntN(12), 1990+g.r.IntN(40), g.r.IntN(24), g.r.IntN(60))
	case 9:
		return "amount", fmt.Sprintf("$%d,%03d.%02d", 1+g.r.IntN(999), g.r.IntN(1000), g.r.IntN(100))
	case 10:
		return "total EUR", fmt.Sprintf("%d %03d %03d,%02d", 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(1000), g.r.IntN(100))
	case 11:
		return "at", fmt.Sprintf("%02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
	case 12:
		return "bad address", fmt.Sprintf("%d.%d.%d.%d", 256+g.r.IntN(700), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	case 13:
		return "ticket", "#" + d(6) + "-" + d(4)
	case 14:
		return "ext.", d(4)
	}
	return "sku", strings.ToUpper(fmt.Sprintf("%02x:%02x:%02x:%02x:%02x", g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256)))
}

// Names used in generated text; all are in the scanner's shipped lists.
var (
	givens   = []string{"Anna", "John", "Maria", "Thomas", "Sophie", "David", "Julia", "Pierre", "Laura", "Michael", "Elena", "Lukas"}
	surnames = []string{"Smith", "Keller", "Garcia", "Dubois", "Schmidt", "Russo", "Johnson", "Nguyen", "Becker", "Martin", "Weber", "Fischer"}
)
