package store

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// queryPlan returns SQLite's plan for q, one step a line.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// fullScan matches a step that reads a whole table of those that grow with the number of
// assessments (small tables such as projects or members may be scanned when SQLite prefers).
var fullScan = regexp.MustCompile(`(?m)^SCAN (mi|f|a|mitigations|findings|assessments|comments|mitigation_tracking|revisions|r)( |$)`)

// TestWorkQueriesUseIndexes checks that the worklist and register queries never read every
// mitigation, finding or assessment of the instance.
func TestWorkQueriesUseIndexes(t *testing.T) {
	s, err := OpenFile(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plans := map[string]string{
		"worklist mitigations": queryPlan(t, s, `SELECT mi.mitigation_id FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id`+latestActive+
			` AND mi.owner_id = ? AND mi.findings > 0 AND mi.status IN ('planned', 'in_progress') ORDER BY mi.due`, 1, 1),
		"worklist reviews":     queryPlan(t, s, `SELECT a.id FROM assessments a`+latestActive+` AND mb.role = 'reviewer' AND a.status = 'in_review'`, 1),
		"worklist acceptances": queryPlan(t, s, acceptancesDueQuery, 1, "2026-01-01", 10),
		"tracking":             queryPlan(t, s, `SELECT seq FROM mitigation_tracking WHERE assessment_id = ? ORDER BY seq`, 1),
		"revision heads":       queryPlan(t, s, `SELECT r.number FROM revisions r WHERE r.assessment_id = ? AND r.number < ? ORDER BY r.number DESC LIMIT 5`, 1, 9),
	}
	for name, plan := range plans {
		if fullScan.MatchString(plan) {
			t.Errorf("%s reads a whole table:\n%s", name, plan)
		}
	}
	// Searching findings by status alone reads every accepted finding of the instance.
	if plan := plans["worklist acceptances"]; !strings.HasPrefix(plan, "SEARCH mb ") {
		t.Errorf("the acceptances due do not start from the user's memberships:\n%s", plan)
	}
}

// TestDashboardQueriesReadAPage checks the dashboard's plans: an administrator's lists read
// their index in the list's order (no sort of every match), a member's and a project's start
// from the memberships or the project, and none reads a whole growing table.
func TestDashboardQueriesReadAPage(t *testing.T) {
	s, err := OpenFile(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, sc := range []Scope{{UserID: 1, All: true}, {UserID: 2}, {UserID: 1, ProjectID: 3}} {
		risks, args := sc.from("findings", "f", "findings_open_grave", "findings_assessment_open", "")
		risks = `SELECT f.title` + risks + ` AND f.live = 1 AND f.status = 'open' AND f.residual_level >= 3 ORDER BY f.residual_level DESC, f.assessment_id DESC, f.finding_id DESC LIMIT 10`
		overdue, args2 := sc.from("mitigations", "mi", "mitigations_overdue", "mitigations_assessment_due", " LEFT JOIN users u ON u.id = mi.owner_id")
		overdue = `SELECT mi.title` + overdue + ` AND mi.findings > 0 AND mi.due IS NOT NULL AND mi.due < ? AND mi.status IN ('planned', 'in_progress') ORDER BY mi.due, mi.assessment_id LIMIT 10`
		for name, plan := range map[string]string{"open risks": queryPlan(t, s, risks, args...), "overdue": queryPlan(t, s, overdue, append(args2, "2026-01-01")...)} {
			if fullScan.MatchString(plan) || strings.Contains(plan, "SCAN p") {
				t.Errorf("%s %+v reads a whole table:\n%s", name, sc, plan)
			}
			if sc.All && sc.ProjectID == 0 && strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%s for an administrator sorts every match:\n%s", name, plan)
			}
			if !sc.All && sc.ProjectID == 0 && !strings.HasPrefix(plan, "SEARCH m ") {
				t.Errorf("%s for a member does not start from their memberships:\n%s", name, plan)
			}
		}
	}
}
