package workflow

import (
	"context"
	"errors"
	"strings"

	"github.com/piaf-dev/piaf/store"
)

// UserInput is a new account. An empty password makes an invited account that chooses its
// password through a link.
type UserInput struct {
	Email    string
	Name     string
	Admin    bool
	Password string
}

// Check validates the input (fields email, name, password) and normalises the email.
func (in *UserInput) Check() Problems {
	p := Problems{}
	in.Email = p.CheckEmail("email", in.Email)
	in.Name = strings.TrimSpace(in.Name)
	p.CheckText("name", in.Name, MaxName)
	if in.Password != "" {
		if err := store.CheckPasswordPolicy(in.Password, in.Email); err != nil {
			p.Add("password", "Password: "+err.Error()+".")
		}
	}
	return p
}

// CreateUser adds an account. Only an admin, or the system (a command on the server's
// machine), may. A taken email is a validation error on the email field.
func (s *Service) CreateUser(ctx context.Context, who Actor, in UserInput) (*store.User, error) {
	if who.User != nil && !who.User.IsAdmin {
		return nil, ErrForbidden
	}
	if err := in.Check().Err(); err != nil {
		return nil, err
	}
	n := store.NewUser{Email: in.Email, Name: in.Name, IsAdmin: in.Admin}
	if in.Password != "" {
		n.PasswordHash = store.HashPassword(in.Password)
	}
	u, err := s.store.CreateUser(ctx, n)
	if errors.Is(err, store.ErrUnique) {
		return nil, Invalid("email", "An account with this email exists already.")
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, who, store.AuditUserCreate, store.AuditTarget("user", u.ID), map[string]any{"email": u.Email, "admin": u.IsAdmin, "invited": in.Password == ""})
	return u, nil
}
