package leak

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// maxDrawnPoints bounds the ROC points kept for a chart.
const maxDrawnPoints = 300

// curve is a ROC curve as groups of tied scores, from the most member-like score down: group g
// holds members[g] members and nonMembers[g] non-members. Every statistic here is a walk over the
// groups, so the sort in newCurve is the only O(n log n) step.
type curve struct {
	members, nonMembers []int
	n1, n0              int
	// memberGroup and nonMemberGroup give the group of each score, for the bootstrap.
	memberGroup, nonMemberGroup []int32
}

func newCurve(s Scores, lowerIsMember bool) *curve {
	type scored struct {
		v      float64
		member bool
	}
	all := make([]scored, 0, len(s.Members)+len(s.NonMembers))
	sign := 1.0
	if lowerIsMember {
		sign = -1
	}
	for _, v := range s.Members {
		all = append(all, scored{sign * v, true})
	}
	for _, v := range s.NonMembers {
		all = append(all, scored{sign * v, false})
	}
	slices.SortFunc(all, func(a, b scored) int { return cmp.Compare(b.v, a.v) })
	c := &curve{n1: len(s.Members), n0: len(s.NonMembers)}
	for i, x := range all {
		if i == 0 || x.v != all[i-1].v {
			c.members = append(c.members, 0)
			c.nonMembers = append(c.nonMembers, 0)
		}
		g := len(c.members) - 1
		if x.member {
			c.members[g]++
			c.memberGroup = append(c.memberGroup, int32(g))
		} else {
			c.nonMembers[g]++
			c.nonMemberGroup = append(c.nonMemberGroup, int32(g))
		}
	}
	return c
}

// aucOf is the area under the curve given per-group counts: the Mann-Whitney statistic, a tie
// between a member and a non-member counting one half, as the trapezoid through tied groups does.
func aucOf(members, nonMembers []int, n1, n0 int) float64 {
	var area, tp float64
	for g := range members {
		m, n := float64(members[g]), float64(nonMembers[g])
		area += n * (2*tp + m)
		tp += m
	}
	return area / (2 * float64(n1) * float64(n0))
}

func (c *curve) auc() float64 { return aucOf(c.members, c.nonMembers, c.n1, c.n0) }

// points calls f with the true and false positive counts of every operating point, (0,0) first.
func (c *curve) points(f func(tp, fp int)) {
	tp, fp := 0, 0
	f(0, 0)
	for g := range c.members {
		tp += c.members[g]
		fp += c.nonMembers[g]
		f(tp, fp)
	}
}

// tprAtFPR is the best TPR among operating points with FPR <= 1/k, compared in integers so that
// a bound such as 0.001 is not blurred by floating point.
func (c *curve) tprAtFPR(k int) float64 {
	best := 0
	c.points(func(tp, fp int) {
		if fp*k <= c.n0 && tp > best {
			best = tp
		}
	})
	return float64(best) / float64(c.n1)
}

// advantage is the membership advantage max(TPR - FPR) over the operating points.
func (c *curve) advantage() float64 {
	best := 0.0
	c.points(func(tp, fp int) {
		best = max(best, float64(tp)/float64(c.n1)-float64(fp)/float64(c.n0))
	})
	return best
}

// bootstrapSamples is how many resamples the interval uses: 1000 up to 50,000 scores, then fewer
// (never under 200) so that the work stays near 5e7 draws, a second or so of CPU. Large samples
// give narrow intervals, where fewer resamples cost little precision; the count is reported.
func bootstrapSamples(n int) int {
	if n <= 50_000 {
		return 1000
	}
	return max(200, 50_000_000/n)
}

// bootstrapCI is the 95% percentile interval of the AUC over b stratified resamples (members and
// non-members each drawn with replacement at their own size), seeded so that it is reproducible.
func (c *curve) bootstrapCI(b int, seed uint64) [2]float64 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	wm := make([]int, len(c.members))
	wn := make([]int, len(c.nonMembers))
	aucs := make([]float64, b)
	for i := range aucs {
		clear(wm)
		clear(wn)
		for range c.n1 {
			wm[c.memberGroup[rng.IntN(c.n1)]]++
		}
		for range c.n0 {
			wn[c.nonMemberGroup[rng.IntN(c.n0)]]++
		}
		aucs[i] = aucOf(wm, wn, c.n1, c.n0)
	}
	slices.Sort(aucs)
	return [2]float64{quantile(aucs, 0.025), quantile(aucs, 0.975)}
}

// quantile interpolates linearly between order statistics (numpy's default "linear" method).
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// reduced is the curve thinned for drawing on log-log axes: at most max points, keeping the
// first and last operating point in each of equal bins of log10(FPR), the highest TPR at FPR 0,
// and both ends.
func (c *curve) reduced(limit int) []Point {
	all := make([]Point, 0, len(c.members)+1)
	c.points(func(tp, fp int) {
		all = append(all, Point{FPR: float64(fp) / float64(c.n0), TPR: float64(tp) / float64(c.n1)})
	})
	if len(all) <= limit {
		return all
	}
	bins := (limit - 4) / 2
	lowest := min(-1, math.Log10(1/float64(c.n0)))
	bin := func(p Point) int {
		if p.FPR == 0 {
			return -1
		}
		return min(bins-1, int((math.Log10(p.FPR)-lowest)/-lowest*float64(bins)))
	}
	out := []Point{all[0]}
	for i := 1; i < len(all)-1; i++ {
		b := bin(all[i])
		first := bin(all[i-1]) != b
		last := bin(all[i+1]) != b
		if (first && b >= 0) || last {
			out = append(out, all[i])
		}
	}
	return append(out, all[len(all)-1])
}
