package assessments

import "time"

// Accounts, roles in a project and API tokens, as the store keeps them.

// User is an account. PasswordHash is empty until an invited user chooses a password.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string
	IsAdmin      bool
	DisabledAt   *time.Time
	CreatedAt    time.Time
}

// Disabled tells whether the account may no longer sign in.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// DisplayName is the name, or the email when no name was given.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// Role is what a member may do in a project.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner    Role = "owner"
	RoleAssessor Role = "assessor"
	RoleReviewer Role = "reviewer"
	RoleViewer   Role = "viewer"
)

// Roles lists every role in order.
var Roles = []Role{RoleOwner, RoleAssessor, RoleReviewer, RoleViewer}

// Valid tells whether r is one of the roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Member is a user's membership of a project.
type Member struct {
	ProjectID int64
	UserID    int64
	Email     string
	Name      string
	Role      Role
	AddedAt   time.Time
}

// APIToken is a user's bearer token for the JSON API. The secret itself is shown once, at
// creation.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // the first characters, to tell tokens apart
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// Scope is ScopePersonal (the user's full rights) or ScopePipeline (ProjectID only, see
	// pipeline.go); ExpiresAt is nil for a token that does not expire.
	Scope     string
	ProjectID int64
	ExpiresAt *time.Time
	UserName  string // who created it, for lists
}
