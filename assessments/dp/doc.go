// Package dp is the privacy accountant for DP-SGD: it turns a training run's noise multiplier
// sigma, sampling rate q, number of steps and delta into epsilon, as Opacus, TensorFlow Privacy and
// Google's dp_accounting compute it, for the Poisson-subsampled Gaussian mechanism under
// add-or-remove-one adjacency. Pure Go; nothing here does I/O.
//
// # RDP accountant
//
// RDP (Mironov 2017) at a grid of orders a, for one step of the subsampled Gaussian, is
// log(A_a)/(a-1) with A_a from Mironov, Talwar and Zhang 2019 ("Rényi Differential Privacy of the
// Sampled Gaussian Mechanism", Sec. 3.3); steps compose by multiplying by the number of steps.
//
//   - Integer orders use the exact binomial sum. It is summed as A_a - 1 (terms i >= 2 with
//     expm1), in log space, so that neither an order of 1024 overflows nor a q of 1e-9 loses its
//     digits: A_a itself sits within 1e-15 of 1 there, and summing it directly, as the Python
//     libraries do, leaves only a few correct digits of log(A_a).
//   - Fractional orders use the convergent series that splits the integral at
//     z0 = sigma^2 log(1/q - 1) + 1/2. Its binomial coefficients C(a, i) turn negative for i > a;
//     the terms are summed with their signs, as Opacus does (exact), stopping when both terms drop
//     below e^-30, Opacus's rule. dp_accounting sums the absolute values instead, which is an upper
//     bound: its RDP at fractional orders reads higher (3% at order 1.5 for q = 0.01, sigma = 2.5,
//     under 0.01% at 2.5), and so does its epsilon whenever the optimal order is fractional (for
//     q = 0.01, sigma = 0.35, 120 steps, delta 1e-5: 22.625 where the signed series gives 22.597,
//     confirmed by numerical integration in the tests). At integer orders the libraries agree.
//   - q = 1 (no subsampling) is the Gaussian mechanism, exactly a/(2 sigma^2).
//
// Conversion to (epsilon, delta) is Balle et al. 2020 ("Hypothesis Testing Interpretations and
// Renyi Differential Privacy", Theorem 21), which all three libraries use today:
// epsilon = rdp + log((a-1)/a) - (log(delta) + log(a))/(a-1), minimised over the grid; the
// minimising order is reported. (The tutorials of TensorFlow Privacy published figures with the
// older conversion, rdp - log(delta)/(a-1), which reads higher: 3.01 for its MNIST example where
// this conversion gives 2.60.)
//
// The default grid, DefaultOrders, is the union of the three libraries' defaults: 1.1 to 10.9 in
// steps of 0.1, 1.25, 1.75, 2.25, 11 to 63, 128, 256, 512 and 1024. The optimum, and so epsilon,
// depends on the grid; a larger grid can only lower it. To reproduce one library's figure, pass
// its grid: OpacusOrders, DPAccountingOrders or TFPrivacyOrders.
//
// # PLD accountant
//
// Privacy loss distributions (as dp_accounting's PLDAccountant) give a tighter epsilon for the
// same run. Each step's distribution is discretised on losses that are multiples of 1e-4 with the
// pessimistic connect-the-dots method (Doroshenko, Ghazi, Kamath, Kumar and Manurangsi 2022,
// Algorithm 1): the discrete distribution's hockey-stick curve passes through the exact
// curve at every grid point and lies above it between them, so the result never under-reports.
// The loss range covers the Gaussian to 8.5 sigma; the mass beyond goes to +infinity. Steps
// compose by FFT convolution (repeated squaring); after each convolution 1e-15 of mass is cut from
// the tails, and buckets at the ends below 1e-14 of the peak (FFT rounding noise), the lower tail
// moved up to the lowest kept loss and the upper tail to +infinity, both pessimistic. Both directions (removing and adding a record) are composed and the larger epsilon
// is reported. Where the distribution needs more than 2^21 loss buckets (sigma well below 0.5, or
// very many steps), the interval is doubled until it fits, up to 1e-2; the result is still an
// upper bound, a little looser, and Compute says so in a warning. Compute skips PLD above
// MaxPLDSteps steps.
//
// Shuffled fixed-size batches (Params.Sampling "shuffle") are accounted as if Poisson, which is
// what the libraries do too; the result carries a warning that this is not a proven bound.
package dp
