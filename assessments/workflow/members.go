package workflow

import (
	"context"
	"errors"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// A project always keeps an owner; a change that would leave none is a FrozenError.
const lastOwner = "A project needs an owner: make someone else owner first."

// AddMember gives the account with email the role in the project: it joins, or its role
// changes when it is a member already (added says which). Owners of the project (and
// administrators) only. An unknown or disabled account is a ValidationError on "email", a role
// that is not one of assessments.Roles one on "role"; a change that leaves no owner is a
// FrozenError.
func (s *Service) AddMember(ctx context.Context, who Actor, projectID int64, email, role string) (u *assessments.User, added bool, err error) {
	acc, err := s.Access(ctx, who, projectID, ActManage)
	if err != nil {
		return nil, false, err
	}
	p := Problems{}
	email = p.CheckEmail("email", email)
	r := assessments.Role(role)
	if !r.Valid() {
		p.Add("role", "Choose one of the roles: owner, assessor, reviewer, viewer.")
	}
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	u, err = s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, false, Invalid("email", "No account uses this email. Ask an administrator to invite them first.")
	case err != nil:
		return nil, false, err
	case u.Disabled():
		return nil, false, Invalid("email", "This account is disabled.")
	}
	_, existing := s.store.Role(ctx, acc.Project.ID, u.ID)
	added = errors.Is(existing, store.ErrNotFound)
	action := store.AuditMemberRole
	if added {
		action = store.AuditMemberAdd
	}
	err = s.audited(ctx, who, action, store.AuditTarget("project", acc.Project.ID), map[string]any{"user": u.Email, "role": role},
		func(st *store.Store) error { return st.SetMember(ctx, acc.Project.ID, u.ID, r) })
	if errors.Is(err, store.ErrLastOwner) {
		return nil, false, &FrozenError{Reason: lastOwner}
	}
	return u, added, err
}

// ChangeRole gives a member of the project another role. Rights as AddMember; a user who is
// not a member is ErrNotFound.
func (s *Service) ChangeRole(ctx context.Context, who Actor, projectID, userID int64, role string) error {
	acc, err := s.Access(ctx, who, projectID, ActManage)
	if err != nil {
		return err
	}
	if _, err := s.store.Role(ctx, acc.Project.ID, userID); err != nil {
		return err
	}
	r := assessments.Role(role)
	if !r.Valid() {
		return Invalid("role", "Choose one of the roles: owner, assessor, reviewer, viewer.")
	}
	err = s.audited(ctx, who, store.AuditMemberRole, store.AuditTarget("project", acc.Project.ID), map[string]any{"user": userID, "role": role},
		func(st *store.Store) error { return st.SetMember(ctx, acc.Project.ID, userID, r) })
	if errors.Is(err, store.ErrLastOwner) {
		return &FrozenError{Reason: lastOwner}
	}
	return err
}

// RemoveMember takes a member out of the project. Rights as AddMember; removing the last
// owner is a FrozenError.
func (s *Service) RemoveMember(ctx context.Context, who Actor, projectID, userID int64) error {
	acc, err := s.Access(ctx, who, projectID, ActManage)
	if err != nil {
		return err
	}
	err = s.audited(ctx, who, store.AuditMemberRemove, store.AuditTarget("project", acc.Project.ID), map[string]any{"user": userID},
		func(st *store.Store) error { return st.RemoveMember(ctx, acc.Project.ID, userID) })
	if errors.Is(err, store.ErrLastOwner) {
		return &FrozenError{Reason: lastOwner}
	}
	return err
}
