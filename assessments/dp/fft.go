package dp

import (
	"math"
	"math/bits"
	"math/cmplx"
	"sync"
)

// twiddleCache holds e^(-2 pi i k/n), k < n/2, per transform size n up to 2^20 (8 MB at most);
// larger tables are built per call rather than kept for the life of a server.
var twiddleCache sync.Map

func twiddles(n int) []complex128 {
	if t, ok := twiddleCache.Load(n); ok {
		return t.([]complex128)
	}
	t := make([]complex128, n/2)
	for k := range t {
		sin, cos := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		t[k] = complex(cos, sin)
	}
	if n <= 1<<20 {
		twiddleCache.Store(n, t)
	}
	return t
}

// fft transforms x in place (length a power of two); inverse selects the unscaled inverse.
func fft(x []complex128, inverse bool) {
	n := len(x)
	if n < 2 {
		return
	}
	shift := 64 - bits.TrailingZeros(uint(n))
	for i := range n {
		if j := int(bits.Reverse64(uint64(i)) >> shift); i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	tw := twiddles(n)
	for size := 2; size <= n; size <<= 1 {
		half, stride := size>>1, n/size
		for start := 0; start < n; start += size {
			lo, hi := x[start:start+half], x[start+half:start+size]
			if inverse {
				for k := range lo {
					a, b := lo[k], hi[k]*cmplx.Conj(tw[k*stride])
					lo[k], hi[k] = a+b, a-b
				}
				continue
			}
			for k := range lo {
				a, b := lo[k], hi[k]*tw[k*stride]
				lo[k], hi[k] = a+b, a-b
			}
		}
	}
}

func pow2AtLeast(m int) int {
	n := 2
	for n < m {
		n <<= 1
	}
	return n
}

// convolve is the linear convolution of two non-negative real sequences, by FFT. Both are packed
// into one complex transform (a + ib), so a convolution costs two transforms of the padded length.
// Rounding leaves tiny negative values where the true result is 0; they are clamped to 0.
func convolve(a, b []float64, square bool) []float64 {
	if square {
		return squareReal(a)
	}
	m := len(a) + len(b) - 1
	n := pow2AtLeast(m)
	z := make([]complex128, n)
	for i, v := range a {
		z[i] = complex(v, 0)
	}
	for i, v := range b {
		z[i] += complex(0, v)
	}
	fft(z, false)
	// Spectrum of the product, in place: bin k needs bins k and n-k of z, so both are done together.
	for k := 0; k <= n/2; k++ {
		kk := (n - k) % n
		zk, zkk := z[k], z[kk]
		z[k] = productBin(zk, zkk)
		z[kk] = productBin(zkk, zk)
	}
	fft(z, true)
	out := make([]float64, m)
	for i := range m {
		out[i] = max(real(z[i])/float64(n), 0)
	}
	return out
}

// productBin is A_k B_k where z = a + ib, from z_k and z_(n-k): A_k = (z_k + conj z_(n-k))/2 and
// B_k = (z_k - conj z_(n-k))/(2i).
func productBin(zk, zmk complex128) complex128 {
	zc := cmplx.Conj(zmk)
	return (zk + zc) / 2 * ((zk - zc) / complex(0, 2))
}

// squareReal is the convolution of a with itself, with real-input transforms of half length:
// the even and odd samples travel as one complex sequence of n/2 points each way, so a
// squaring (the bulk of a PLD composition) costs two half-size transforms.
func squareReal(a []float64) []float64 {
	m := 2*len(a) - 1
	n := pow2AtLeast(m)
	h := n / 2
	z := make([]complex128, h)
	for i, v := range a {
		if i%2 == 0 {
			z[i/2] += complex(v, 0)
		} else {
			z[i/2] += complex(0, v)
		}
	}
	fft(z, false)
	tw := twiddles(n) // e^(-2 pi i k/n), k < n/2
	w := func(k int) complex128 {
		if k == h {
			return -1
		}
		return tw[k]
	}
	// Spectrum of the real input at bins 0..h, squared.
	y := make([]complex128, h+1)
	for k := 0; k <= h; k++ {
		zk, zc := z[k%h], cmplx.Conj(z[(h-k)%h])
		x := (zk+zc)/2 + w(k)*(zk-zc)/complex(0, 2)
		y[k] = x * x
	}
	// Back: even outputs from Y_k + Y_(k+h), odd ones from (Y_k - Y_(k+h)) e^(2 pi i k/n), with
	// Y_(k+h) = conj(Y_(h-k)) since the result is real; one inverse transform carries both.
	for k := range h {
		yk, yc := y[k], cmplx.Conj(y[h-k])
		z[k] = (yk + yc) + complex(0, 1)*((yk-yc)*cmplx.Conj(w(k)))
	}
	fft(z, true)
	out := make([]float64, m)
	for i := range m {
		v := z[i/2]
		if i%2 == 0 {
			out[i] = max(real(v)/float64(n), 0)
		} else {
			out[i] = max(imag(v)/float64(n), 0)
		}
	}
	return out
}
