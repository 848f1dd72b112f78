package workflow

import (
	"context"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/datefmt"
	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/store"
)

// materialChange names what changed in a project that the approved assessment relied on.
func materialChange(before *assessments.Project, after assessments.ProjectFields) string {
	var changed []string
	if strings.TrimSpace(before.BaseModel) != strings.TrimSpace(after.BaseModel) {
		changed = append(changed, "base model")
	}
	if strings.TrimSpace(before.Purpose) != strings.TrimSpace(after.Purpose) {
		changed = append(changed, "purpose")
	}
	if strings.TrimSpace(before.Deployment) != strings.TrimSpace(after.Deployment) {
		changed = append(changed, "deployment")
	}
	if len(changed) == 0 {
		return ""
	}
	return "The project's " + strings.Join(changed, ", ") + " changed"
}

// projectChanged marks the project's approved assessment as needing re-assessment and tells the
// owners, once, until a new cycle starts.
func (s *Service) projectChanged(ctx context.Context, who Actor, p *assessments.Project, reason string) error {
	reason += " (by " + who.displayName() + ", " + datefmt.Date(s.now(), nil) + ")."
	var queue []store.OutboxItem
	var marked *assessments.Assessment
	err := s.store.Atomic(ctx, func(st *store.Store) error {
		a, err := st.RequireReassessment(ctx, p.ID, reason)
		if err != nil || a == nil || a.ReassessmentReason != reason {
			return err // nothing approved, or already marked earlier
		}
		if queue, err = s.reassessmentNotices(ctx, p, a, reason); err != nil {
			return err
		}
		if _, err := st.Enqueue(ctx, queue); err != nil {
			return err
		}
		marked = a
		return st.Audit(ctx, event(who, "assessment.reassessment_required", store.AuditTarget("assessment", a.ID), map[string]any{"reason": reason}))
	})
	if err != nil || marked == nil {
		return err
	}
	// These notices go out now rather than at the next scheduled pass (which retries failures),
	// and only these: the request does not carry the rest of the outbox.
	keys := make([]string, len(queue))
	for i, q := range queue {
		keys[i] = q.Key
	}
	if err := s.DeliverKeys(ctx, keys); err != nil {
		s.log.Warn("deliver re-assessment notices", "err", err)
	}
	return nil
}

// reassessmentNotices are the messages telling a project's owners that its approved assessment
// needs re-assessment. They only read, so may run inside a write transaction.
func (s *Service) reassessmentNotices(ctx context.Context, p *assessments.Project, a *assessments.Assessment, reason string) ([]store.OutboxItem, error) {
	owners, err := s.MembersWith(ctx, p.ID, assessments.RoleOwner)
	if err != nil {
		return nil, err
	}
	subject := "Re-assessment required: " + p.Name
	body := reason + "\n\nThe approved privacy impact assessment no longer describes the project. Start a new assessment cycle."
	link := AssessmentPath(a.ID)
	var queue []store.OutboxItem
	smtp, err := s.SMTPConfig(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range owners {
		prefs, err := s.store.UserChannels(ctx, o.UserID)
		if err != nil {
			return nil, err
		}
		key := "reassess|" + remind.ReviewRef(a.ID) + "|" + a.ReassessmentSince.UTC().Format("20060102T150405") + "|user:" + strconv.FormatInt(o.UserID, 10)
		if prefs[store.ChannelInApp] {
			queue = append(queue, store.OutboxItem{Key: key + "|inapp", Channel: "inapp", UserID: o.UserID, Kind: "reassessment_required", Subject: subject, Body: body, Link: link})
		}
		if smtp != nil && prefs[store.ChannelEmail] {
			queue = append(queue, store.OutboxItem{Key: key + "|email", Channel: "email", UserID: o.UserID, Kind: "reassessment_required", Subject: subject, Body: body, Link: s.absURL(link)})
		}
	}
	return queue, nil
}

// MembersWith lists a project's members holding one of the roles.
func (s *Service) MembersWith(ctx context.Context, projectID int64, roles ...assessments.Role) ([]*assessments.Member, error) {
	all, err := s.store.Members(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var out []*assessments.Member
	for _, m := range all {
		for _, r := range roles {
			if m.Role == r {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// MemberIDs are the members' user ids.
func MemberIDs(members []*assessments.Member) []int64 {
	out := make([]int64, len(members))
	for i, m := range members {
		out[i] = m.UserID
	}
	return out
}

// AssessmentPath is the path of an assessment's page, for links in messages.
func AssessmentPath(id int64) string { return "/assessments/" + strconv.FormatInt(id, 10) }
