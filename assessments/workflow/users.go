package workflow

import (
	"context"
	"errors"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/passwords"
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
		if err := passwords.CheckPolicy(in.Password, in.Email); err != nil {
			p.Add("password", "Password: "+err.Error()+".")
		}
	}
	return p
}

// CreateUser adds an account. Only an admin, or the system (a command on the server's
// machine), may. A taken email is a validation error on the email field. An account without a
// password is an invitation: the returned token is its one-time link, made in the same
// transaction as the account and its audit entry.
func (s *Service) CreateUser(ctx context.Context, who Actor, in UserInput) (*assessments.User, string, error) {
	if who.User != nil && !who.User.IsAdmin {
		return nil, "", ErrForbidden
	}
	if err := in.Check().Err(); err != nil {
		return nil, "", err
	}
	n := store.NewUser{Email: in.Email, Name: in.Name, IsAdmin: in.Admin}
	if in.Password != "" {
		n.PasswordHash = passwords.Hash(in.Password)
	}
	var u *assessments.User
	var token string
	e := event(who, store.AuditUserCreate, "", map[string]any{"email": n.Email, "admin": n.IsAdmin, "invited": in.Password == ""})
	err := s.Audited(ctx, &e, func(st *store.Store) error {
		var err error
		if u, err = st.CreateUser(ctx, n); err != nil {
			return err
		}
		e.Target = store.AuditTarget("user", u.ID)
		if in.Password == "" {
			token, err = st.CreateLink(ctx, store.LinkInvite, u.ID, store.LinkInvite.MaxLifetime())
		}
		return err
	})
	if errors.Is(err, store.ErrUnique) {
		return nil, "", Invalid("email", "An account with this email exists already.")
	}
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}
