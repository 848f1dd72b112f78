package catalogue

import (
	"errors"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// entry is a valid mitigation of 6 lines.
const entry = `- key: dp-sgd
  title: Train with DP-SGD
  category: differential_privacy
  addresses: [memorisation, membership-inference]
  guidance: Clip and add noise.
  verify: Check the accountant's epsilon.
`

func TestParse(t *testing.T) {
	c, err := Parse("m.yaml", []byte(entry+strings.ReplaceAll(entry, "dp-sgd", "canaries")))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := c.Get("canaries")
	if !ok || m.Title != "Train with DP-SGD" || m.Category != "differential_privacy" ||
		len(m.Addresses) != 2 || m.Verify != "Check the accountant's epsilon." {
		t.Errorf("Get(canaries) = %+v, %v", m, ok)
	}
	if !c.Has("dp-sgd") || c.Has("nope") {
		t.Errorf("Has is wrong")
	}
	if _, ok := c.Get("nope"); ok {
		t.Errorf("Get(nope) found something")
	}
	all := c.All()
	if len(all) != 2 || all[0].Key != "dp-sgd" || all[1].Key != "canaries" {
		t.Errorf("All = %v", all)
	}
	all[0] = nil
	if c.All()[0] == nil {
		t.Errorf("All shares its slice")
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"empty", "", 0, "file is empty"},
		{"not a list", "key: x\n", 1, "catalogue must be a list of mitigations"},
		{"bad yaml", "- key: x\n\t- y\n", 2, "invalid YAML"},
		{"not a mapping", "- dp-sgd\n", 1, "mitigation must be a mapping"},
		{"duplicate", entry + entry, 7, `duplicate mitigation key "dp-sgd" (first on line 1)`},
		{"bad key", strings.Replace(entry, "dp-sgd", "DP_SGD", 1), 1, `mitigation key "DP_SGD" may only contain`},
		{"missing key", strings.Replace(entry, "- key: dp-sgd\n  title", "- title", 1), 1, "mitigation: key is required"},
		{"missing title", strings.Replace(entry, "  title: Train with DP-SGD\n", "", 1), 1, "mitigation dp-sgd: title is required"},
		{"blank guidance", strings.Replace(entry, "Clip and add noise.", `" "`, 1), 5, "mitigation dp-sgd: guidance is required"},
		{"empty verify", strings.Replace(entry, "Check the accountant's epsilon.", "", 1), 1, "mitigation dp-sgd: verify is required"},
		{"list title", strings.Replace(entry, "title: Train with DP-SGD", "title: [a]", 1), 2, "title must be text"},
		{"missing category", strings.Replace(entry, "  category: differential_privacy\n", "", 1), 1, "category is required"},
		{"bad category", strings.Replace(entry, "differential_privacy", "Differential Privacy", 1), 3, `category "Differential Privacy" may only contain`},
		{"unknown field", entry + "  verfy: x\n", 7, `unknown field "verfy"`},
		{"field twice", entry + "  title: x\n", 7, `field "title" given twice`},
		{"addresses not list", strings.Replace(entry, "[memorisation, membership-inference]", "memorisation", 1), 4, "addresses must be a list"},
		{"bad tag", strings.Replace(entry, "memorisation,", "Memorisation!,", 1), 4, `risk tag "Memorisation!" may only contain`},
		{"tag twice", strings.Replace(entry, "membership-inference]", "memorisation]", 1), 4, `risk tag "memorisation" listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("m.yaml", []byte(tt.src))
			var probs questionnaire.Problems
			if !errors.As(err, &probs) || c != nil {
				t.Fatalf("got %v, %v; want Problems", c, err)
			}
			for _, p := range probs {
				if p.Line == tt.line && strings.Contains(p.Msg, tt.want) {
					return
				}
			}
			t.Errorf("want line %d: %q; got:\n%v", tt.line, tt.want, err)
		})
	}
}

// The built-in catalogue must parse, and its categories must be sections of the built-in
// questionnaires, since findings and mitigations are grouped by them.
func TestBuiltin(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.All()) == 0 {
		t.Fatal("built-in catalogue is empty")
	}
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.All() {
		found := false
		for _, d := range defs {
			if _, ok := d.Section(m.Category); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("mitigation %s: category %q is not a section of any built-in questionnaire", m.Key, m.Category)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(entry))
	// Not the built-in catalogue: the fuzzer spends its time minimising inputs that big.
	f.Add([]byte(entry + "- key: x\n  title: [y]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, m := range c.All() {
			if m.Key == "" || m.Title == "" || !c.Has(m.Key) {
				t.Fatalf("unusable mitigation %+v", m)
			}
		}
	})
}
