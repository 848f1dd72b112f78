package leak

import "math"

// SkewNormal is a skew-normal distribution (Azzalini): location, scale and shape (0 is the
// normal). "The Secret Sharer" (Carlini et al., 2019, section 4.3) finds the losses of random
// candidates well approximated by one and extrapolates exposure from its lower tail.
type SkewNormal struct {
	Location float64 `json:"location"`
	Scale    float64 `json:"scale"`
	Shape    float64 `json:"shape"`
}

// maxSkewness keeps the moment fit inside the skew-normal family, whose skewness stays below
// about 0.9953 in magnitude.
const maxSkewness = 0.99

// fitSkewNormal fits by the method of moments (sample mean, standard deviation and skewness),
// which has a closed form; ok is false when fewer than three values or no spread.
func fitSkewNormal(v []float64) (d SkewNormal, ok bool) {
	n := float64(len(v))
	if len(v) < 3 {
		return d, false
	}
	var mean float64
	for _, x := range v {
		mean += x
	}
	mean /= n
	var m2, m3 float64
	for _, x := range v {
		dx := x - mean
		m2 += dx * dx
		m3 += dx * dx * dx
	}
	m2 /= n
	m3 /= n
	if m2 == 0 {
		return d, false
	}
	sd := math.Sqrt(m2 * n / (n - 1))
	g1 := max(-maxSkewness, min(maxSkewness, m3/math.Pow(m2, 1.5)))
	// Invert skewness(delta) = (4-pi)/2 (delta sqrt(2/pi))^3 / (1 - 2 delta^2/pi)^1.5.
	a := math.Pow(math.Abs(g1), 2.0/3)
	delta := math.Copysign(math.Sqrt(math.Pi/2*a/(a+math.Pow((4-math.Pi)/2, 2.0/3))), g1)
	scale := sd / math.Sqrt(1-2*delta*delta/math.Pi)
	return SkewNormal{
		Location: mean - scale*delta*math.Sqrt(2/math.Pi),
		Scale:    scale,
		Shape:    delta / math.Sqrt(1-delta*delta),
	}, true
}

// LogCDF is ln P(X <= x), accurate deep in the lower tail where the probability underflows. It
// integrates the density 2 phi(t) Phi(shape t) below z in log space with Simpson's rule over the
// interval that holds all but e^-60 of the mass, so that no subtraction loses the tail (the
// Owen's T form Phi(z) - 2T(z, shape) cancels there).
func (d SkewNormal) LogCDF(x float64) float64 {
	z := (x - d.Location) / d.Scale
	if z > 0 {
		// Above the centre nothing is small: the complement is integrated instead.
		return math.Log1p(-math.Exp(SkewNormal{Scale: 1, Shape: -d.Shape}.LogCDF(-z)))
	}
	// The log density falls at least as fast as slope per unit below z; 60 nats is plenty.
	slope := max(1, -z*(1+max(d.Shape, 0)*max(d.Shape, 0)))
	width := min(12, 60/slope)
	const steps = 4000 // even, for Simpson
	h := width / steps
	logDensity := func(t float64) float64 {
		return math.Ln2 - t*t/2 - 0.5*math.Log(2*math.Pi) + logNormalCDF(d.Shape*t)
	}
	logs := make([]float64, steps+1)
	top := math.Inf(-1)
	for i := range logs {
		logs[i] = logDensity(z - width + float64(i)*h)
		top = max(top, logs[i])
	}
	var sum float64
	for i, l := range logs {
		w := 2.0
		switch {
		case i == 0 || i == steps:
			w = 1
		case i%2 == 1:
			w = 4
		}
		sum += w * math.Exp(l-top)
	}
	return top + math.Log(sum*h/3)
}
