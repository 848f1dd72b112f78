package templates

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/piaf-dev/piaf/assessments"
)

func TestHeatmapCounts(t *testing.T) {
	tests := []struct {
		name  string
		adds  [][2]int // likelihood, severity
		want  map[[2]int]int
		total int
		desc  string
	}{
		{name: "empty", desc: "No findings."},
		{
			name:  "one finding",
			adds:  [][2]int{{4, 4}},
			want:  map[[2]int]int{{4, 4}: 1},
			total: 1,
			desc:  "1 finding: 1 maximum",
		},
		{
			name:  "brief example",
			adds:  [][2]int{{3, 4}, {1, 3}, {2, 2}},
			want:  map[[2]int]int{{3, 4}: 1, {1, 3}: 1, {2, 2}: 1},
			total: 3,
			desc:  "3 findings: 1 maximum, 2 limited",
		},
		{
			name:  "every level, repeated cells",
			adds:  [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 3}, {2, 3}, {3, 2}, {4, 4}, {3, 3}, {1, 4}},
			want:  map[[2]int]int{{1, 1}: 1, {1, 2}: 1, {2, 1}: 1, {2, 3}: 2, {3, 2}: 1, {4, 4}: 1, {3, 3}: 1, {1, 4}: 1},
			total: 9,
			desc:  "9 findings: 2 maximum, 3 significant, 1 limited, 3 negligible",
		},
		{
			name:  "values off the scale are ignored",
			adds:  [][2]int{{0, 1}, {1, 0}, {5, 2}, {2, 5}, {-1, -1}, {0, 0}, {2, 4}},
			want:  map[[2]int]int{{2, 4}: 1},
			total: 1,
			desc:  "1 finding: 1 significant",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHeatmap("t", "Inherent risk")
			for _, a := range tt.adds {
				h.Add(a[0], a[1])
			}
			if got := h.Total(); got != tt.total {
				t.Errorf("Total() = %d, want %d", got, tt.total)
			}
			doc := hmParse(t, HeatmapSVG(h))
			fig := doc.find(hmByAttr("data-testid", "heatmap-t"))
			if fig == nil || fig.name != "figure" {
				t.Fatalf("no figure with data-testid heatmap-t")
			}
			if got := fig.find(hmByName("figcaption")).text(); !strings.Contains(got, "Inherent risk") || !strings.Contains(got, hmFindings(tt.total)) {
				t.Errorf("figcaption = %q, want the title and %q", got, hmFindings(tt.total))
			}

			svg := fig.find(hmByName("svg"))
			if svg == nil || svg.attr["role"] != "img" {
				t.Fatalf("no svg with role img")
			}
			title := svg.find(hmByAttr("id", svg.attr["aria-labelledby"]))
			if title == nil || title.name != "title" || !strings.Contains(title.text(), "Inherent risk") {
				t.Errorf("aria-labelledby %q does not name the SVG's title", svg.attr["aria-labelledby"])
			}
			desc := svg.find(hmByAttr("id", svg.attr["aria-describedby"]))
			if desc == nil || desc.name != "desc" {
				t.Fatalf("aria-describedby %q does not name the SVG's desc", svg.attr["aria-describedby"])
			}
			if got := desc.text(); got != tt.desc {
				t.Errorf("desc = %q, want %q", got, tt.desc)
			}

			got := map[[2]int]int{}
			for _, n := range svg.findAll(func(n *hmNode) bool { return n.attr["data-count"] != "" }) {
				l, s := hmCellOf(t, n)
				if want := "cell-" + strconv.Itoa(l) + "-" + strconv.Itoa(s); n.attr["data-testid"] != want {
					t.Errorf("cell %d,%d has data-testid %q, want %q", l, s, n.attr["data-testid"], want)
				}
				got[[2]int{l, s}] = hmAtoi(t, n.attr["data-count"])
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("SVG counts = %v, want %v", got, tt.want)
			}

			table := fig.find(hmByAttr("data-testid", "heatmap-table-t"))
			if table == nil || table.name != "table" {
				t.Fatalf("no accessible table")
			}
			if table.parent.attr["class"] != "visually-hidden" {
				t.Errorf("the table's wrapper has class %q, want visually-hidden", table.parent.attr["class"])
			}
			tds := table.findAll(hmByName("td"))
			if len(tds) != 16 {
				t.Fatalf("table has %d cells, want 16", len(tds))
			}
			for _, td := range tds {
				l, s := hmCellOf(t, td)
				if n := hmAtoi(t, td.text()); n != tt.want[[2]int{l, s}] {
					t.Errorf("table cell %d,%d = %d, want %d", l, s, n, tt.want[[2]int{l, s}])
				}
			}
			if n := len(table.findAll(func(n *hmNode) bool { return n.name == "th" && n.attr["scope"] != "" })); n != 9 {
				t.Errorf("table has %d scoped headers, want 9 (5 columns, 4 rows)", n)
			}
		})
	}
}

func TestHeatmapCellLevels(t *testing.T) {
	h := NewHeatmap("levels", "Levels")
	h.Add(1, 4)
	h.Add(3, 3)
	rects := hmParse(t, HeatmapSVG(h)).findAll(hmByName("rect"))
	if len(rects) != 16 {
		t.Fatalf("%d cells drawn, want 16", len(rects))
	}
	seen := map[[2]int]bool{}
	for _, r := range rects {
		l, s := hmCellOf(t, r)
		seen[[2]int{l, s}] = true
		level := assessments.RiskLevel(assessments.Scale(l), assessments.Scale(s))
		classes := strings.Fields(r.attr["class"])
		if !slices.Contains(classes, "hm-cell") || !slices.Contains(classes, "level-"+strconv.Itoa(int(level))) {
			t.Errorf("cell %d,%d has class %q, want hm-cell level-%d", l, s, r.attr["class"], level)
		}
		for _, c := range classes {
			if strings.HasPrefix(c, "level-") && c != "level-"+strconv.Itoa(int(level)) {
				t.Errorf("cell %d,%d carries a second level class %q", l, s, c)
			}
		}
		// Severity runs left to right, likelihood bottom to top.
		if x, y := hmAtoi(t, r.attr["x"]), hmAtoi(t, r.attr["y"]); x != hmLeft+(s-1)*hmCell+hmGap/2 || y != hmTop+(4-l)*hmCell+hmGap/2 {
			t.Errorf("cell %d,%d drawn at %d,%d", l, s, x, y)
		}
	}
	if len(seen) != 16 {
		t.Errorf("cells drawn for %d distinct positions, want 16", len(seen))
	}
}

func TestHeatmapNoStyleAttributes(t *testing.T) {
	in, res := NewHeatmap("inherent", "Inherent risk"), NewHeatmap("residual", "Residual risk")
	for l := 1; l <= 4; l++ {
		for s := 1; s <= 4; s++ {
			in.Add(l, s)
		}
	}
	res.Add(1, 1)
	html := hmRender(t, HeatmapPair(in, res))
	if strings.Contains(strings.ToLower(html), "style=") {
		t.Errorf("output has a style attribute, which the CSP blocks:\n%s", html)
	}
}

func TestHeatmapPair(t *testing.T) {
	in, res := NewHeatmap("inherent", "Inherent risk"), NewHeatmap("residual", "Residual risk")
	in.Add(4, 4)
	in.Add(3, 2)
	res.Add(1, 2)
	doc := hmParse(t, HeatmapPair(in, res))
	pair := doc.find(hmByAttr("data-testid", "heatmap-pair"))
	if pair == nil {
		t.Fatal("no heatmap-pair")
	}
	for id, total := range map[string]string{"inherent": "2 findings", "residual": "1 finding"} {
		fig := pair.find(hmByAttr("data-testid", "heatmap-"+id))
		if fig == nil {
			t.Errorf("no heatmap-%s in the pair", id)
			continue
		}
		if got := fig.find(hmByAttr("data-testid", "heatmap-total-"+id)).text(); got != total {
			t.Errorf("%s total = %q, want %q", id, got, total)
		}
	}
	if c := pair.find(hmByAttr("data-testid", "heatmap-inherent")).find(hmByAttr("data-testid", "cell-4-4")); c == nil || c.attr["data-count"] != "1" {
		t.Errorf("inherent cell-4-4 missing or wrong: %+v", c)
	}
	ids := map[string]int{}
	for _, n := range pair.findAll(func(n *hmNode) bool { return n.attr["id"] != "" }) {
		ids[n.attr["id"]]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q appears %d times", id, n)
		}
	}
	legend := pair.findAll(func(n *hmNode) bool { return n.name == "li" && n.find(hmByName("span")) != nil })
	if len(legend) != 4 {
		t.Fatalf("legend has %d entries, want 4", len(legend))
	}
	for i, li := range legend {
		if want := assessments.Level(i + 1).Name(); !strings.Contains(li.text(), want) {
			t.Errorf("legend entry %d = %q, want it to name %q", i, li.text(), want)
		}
	}
}

func hmRender(t *testing.T, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// hmNode is an element of rendered markup, just enough of a DOM to find elements by attribute.
type hmNode struct {
	name   string
	attr   map[string]string
	parent *hmNode
	kids   []*hmNode
	texts  []string // the element's own text and its descendants', in order
}

// hmParse renders c and parses the markup with encoding/xml in its lenient HTML mode, so the
// tests need no HTML parser dependency.
func hmParse(t *testing.T, c templ.Component) *hmNode {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(hmRender(t, c)))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &hmNode{attr: map[string]string{}}
	cur := root
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse rendered markup: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &hmNode{name: tok.Name.Local, attr: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			cur.kids = append(cur.kids, n)
			cur = n
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			for n := cur; n != nil; n = n.parent {
				n.texts = append(n.texts, string(tok))
			}
		}
	}
	return root
}

func (n *hmNode) text() string {
	if n == nil {
		return ""
	}
	return strings.Join(strings.Fields(strings.Join(n.texts, "")), " ")
}

func (n *hmNode) findAll(match func(*hmNode) bool) []*hmNode {
	var out []*hmNode
	for _, k := range n.kids {
		if match(k) {
			out = append(out, k)
		}
		out = append(out, k.findAll(match)...)
	}
	return out
}

func (n *hmNode) find(match func(*hmNode) bool) *hmNode {
	if n == nil {
		return nil
	}
	if all := n.findAll(match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func hmByName(name string) func(*hmNode) bool { return func(n *hmNode) bool { return n.name == name } }

func hmByAttr(key, value string) func(*hmNode) bool {
	return func(n *hmNode) bool { return n.attr[key] == value }
}

// cellOf reads the likelihood and severity an element is drawn for.
func hmCellOf(t *testing.T, n *hmNode) (likelihood, severity int) {
	t.Helper()
	return hmAtoi(t, n.attr["data-likelihood"]), hmAtoi(t, n.attr["data-severity"])
}

func hmAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
