package leak

import (
	"bytes"
	"fmt"
	"math"
)

// SVG draws the ROC curve on log-log axes with the diagonal of a guessing attacker, as
// "Membership Inference Attacks From First Principles" plots it, so that the low-FPR regime the
// paper argues matters takes most of the picture. Rates of 0 sit on the lowest decade drawn.
func (r MIAResult) SVG() []byte {
	const size, margin = 480.0, 56.0
	decades := int(math.Ceil(math.Log10(float64(max(r.NonMembers, r.Members, 10)))))
	decades = min(decades, 7)
	lo := -float64(decades)
	plot := size - 2*margin
	x := func(v float64) float64 { return margin + (logClamp(v, lo)-lo)/-lo*plot }
	y := func(v float64) float64 { return size - margin - (logClamp(v, lo)-lo)/-lo*plot }

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" font-family="sans-serif" font-size="11" role="img">`, size, size, size, size)
	fmt.Fprintf(&b, `<title>ROC curve on log-log axes, AUC %.4f</title>`, r.AUC)
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>`, margin, margin, plot, plot)
	for d := 0; d <= decades; d++ {
		v := math.Pow(10, -float64(d))
		label := "1"
		if d > 0 {
			label = fmt.Sprintf("1e-%d", d)
		}
		fmt.Fprintf(&b, `<line x1="%.2f" y1="%g" x2="%.2f" y2="%g" stroke="#ddd"/>`, x(v), margin, x(v), size-margin)
		fmt.Fprintf(&b, `<line x1="%g" y1="%.2f" x2="%g" y2="%.2f" stroke="#ddd"/>`, margin, y(v), size-margin, y(v))
		fmt.Fprintf(&b, `<text x="%.2f" y="%g" text-anchor="middle">%s</text>`, x(v), size-margin+16, label)
		fmt.Fprintf(&b, `<text x="%g" y="%.2f" text-anchor="end" dominant-baseline="middle">%s</text>`, margin-6, y(v), label)
	}
	fmt.Fprintf(&b, `<line x1="%.2f" y1="%.2f" x2="%.2f" y2="%.2f" stroke="#999" stroke-dasharray="4 4" data-testid="diagonal"/>`,
		x(0), y(0), x(1), y(1))
	b.WriteString(`<polyline fill="none" stroke="#c0392b" stroke-width="2" data-testid="roc" points="`)
	for i, p := range r.ROC {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.2f,%.2f", x(p.FPR), y(p.TPR))
	}
	b.WriteString(`"/>`)
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">False positive rate</text>`, size/2, size-14)
	fmt.Fprintf(&b, `<text transform="translate(16 %g) rotate(-90)" text-anchor="middle">True positive rate</text>`, size/2)
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">AUC %.4f, TPR %.4f at FPR 0.1%%</text>`, size/2, margin-16, r.AUC, r.TPRAtFPR["0.001"])
	b.WriteString(`</svg>`)
	return b.Bytes()
}

// logClamp is log10(v), no lower than lo.
func logClamp(v, lo float64) float64 {
	if v <= 0 {
		return lo
	}
	return max(lo, math.Log10(v))
}
