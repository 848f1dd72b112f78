package store

import "context"

// Exec runs a statement on the writer, for tests that tamper with the database behind the
// store's back.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.write.ExecContext(ctx, query, args...)
	return err
}

// ForgetCached makes the next reads of the cached lists go to the database, as a write would.
func (s *Store) ForgetCached() { s.cache.changed() }
