package dp

import (
	"math"
	"math/bits"
	"math/cmplx"
)

// fft transforms x in place (length a power of two); inverse selects the unscaled inverse.
func fft(x []complex128, inverse bool) {
	n := len(x)
	shift := 64 - bits.TrailingZeros(uint(n))
	for i := range n {
		if j := int(bits.Reverse64(uint64(i)) >> shift); i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	// One table of twiddles, each computed directly (no accumulated rounding); stage size s
	// reads every (n/s)-th entry.
	tw := make([]complex128, n/2)
	sign := -1.0
	if inverse {
		sign = 1
	}
	for k := range tw {
		sin, cos := math.Sincos(sign * 2 * math.Pi * float64(k) / float64(n))
		tw[k] = complex(cos, sin)
	}
	for size := 2; size <= n; size <<= 1 {
		half, stride := size>>1, n/size
		for start := 0; start < n; start += size {
			lo, hi := x[start:start+half], x[start+half:start+size]
			for k := range lo {
				a, b := lo[k], hi[k]*tw[k*stride]
				lo[k], hi[k] = a+b, a-b
			}
		}
	}
}

// convolve is the linear convolution of two non-negative real sequences, by FFT. Both are packed
// into one complex transform (a + ib), so a convolution costs two transforms, a square one less.
// Rounding leaves tiny negative values where the true result is 0; they are clamped to 0.
func convolve(a, b []float64, square bool) []float64 {
	m := len(a) + len(b) - 1
	n := 1
	for n < m {
		n <<= 1
	}
	z := make([]complex128, n)
	for i, v := range a {
		z[i] = complex(v, 0)
	}
	if !square {
		for i, v := range b {
			z[i] += complex(0, v)
		}
	}
	fft(z, false)
	// Spectrum of the product, in place: bin k needs bins k and n-k of z, so both are done together.
	for k := 0; k <= n/2; k++ {
		kk := (n - k) % n
		zk, zkk := z[k], z[kk]
		if square {
			z[k], z[kk] = zk*zk, zkk*zkk
			continue
		}
		z[k] = productBin(zk, zkk)
		z[kk] = productBin(zkk, zk)
	}
	fft(z, true)
	c := z
	out := make([]float64, m)
	for i := range m {
		out[i] = max(real(c[i])/float64(n), 0)
	}
	return out
}

// productBin is A_k B_k where z = a + ib, from z_k and z_(n-k): A_k = (z_k + conj z_(n-k))/2 and
// B_k = (z_k - conj z_(n-k))/(2i).
func productBin(zk, zmk complex128) complex128 {
	zc := cmplx.Conj(zmk)
	return (zk + zc) / 2 * ((zk - zc) / complex(0, 2))
}
