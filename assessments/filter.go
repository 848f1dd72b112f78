package assessments

import "strconv"

// FindingFilter narrows a list of findings (the register page, the API); empty fields match
// everything.
type FindingFilter struct {
	Status   string
	Category string
	Level    string // "high" (significant or maximum), or a level number 1-4
}

// Matches tells whether the finding passes the filter.
func (f FindingFilter) Matches(x *Finding) bool {
	if f.Status != "" {
		if f.Status == "resolved" {
			if !x.ResolvedByAnswers {
				return false
			}
		} else if string(x.Status) != f.Status || x.ResolvedByAnswers {
			return false
		}
	}
	if f.Category != "" && x.Category != f.Category {
		return false
	}
	switch f.Level {
	case "":
	case "high":
		return x.ResidualLevel().High()
	default:
		n, _ := strconv.Atoi(f.Level)
		return int(x.ResidualLevel()) == n
	}
	return true
}
