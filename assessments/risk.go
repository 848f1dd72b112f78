package assessments

import "strconv"

// Scale is a likelihood or severity: 1 negligible, 2 limited, 3 significant, 4 maximum.
type Scale int

// ScaleNames names the scale's steps, index 1 to 4.
var ScaleNames = [5]string{"not set", "negligible", "limited", "significant", "maximum"}

// Name is the step's name.
func (s Scale) Name() string {
	if s < 0 || s > 4 {
		return strconv.Itoa(int(s))
	}
	return ScaleNames[s]
}

// Valid tells whether s is on the scale.
func (s Scale) Valid() bool { return s >= 1 && s <= 4 }

// Level is a risk's overall level, from a likelihood and severity pair.
type Level int

// Risk levels.
const (
	LevelNone Level = iota // not assessed
	LevelNegligible
	LevelLimited
	LevelSignificant
	LevelMaximum
)

// Name is the level in words.
func (l Level) Name() string { return Scale(l).Name() }

// RiskLevel maps the cell of the 4×4 likelihood-by-severity matrix to a level by the product of
// the two: 1-2 negligible, 3-4 limited, 6-8 significant, 9-16 maximum. The matrix is symmetric,
// so a rare but grave risk and a likely but mild one rank alike, as in the usual PIA heatmaps.
func RiskLevel(likelihood, severity Scale) Level {
	if !likelihood.Valid() || !severity.Valid() {
		return LevelNone
	}
	switch product := int(likelihood) * int(severity); {
	case product >= 9:
		return LevelMaximum
	case product >= 6:
		return LevelSignificant
	case product >= 3:
		return LevelLimited
	}
	return LevelNegligible
}

// High tells whether the level needs a mitigation or an explicit acceptance before review.
func (l Level) High() bool { return l >= LevelSignificant }
