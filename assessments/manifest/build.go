package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Spec names what a run used. Files and folders are hashed; Model may instead be ID@REVISION.
type Spec struct {
	Model   string
	Adapter string
	Data    []string
	Config  string
	Commit  string
}

// Build hashes every file of the spec. Folders are walked in lexical order; files are streamed
// through SHA-256 with one buffer, so memory stays flat whatever their size.
//
// Symbolic links: a link given on the command line, or met inside a folder, is followed when it
// points to a regular file (Hugging Face caches hold snapshots as links to blobs) and recorded
// under the link's own path; a link to a folder is refused, since following it could loop or leave
// the tree; a dangling link is an error. Other special files (devices, sockets, pipes) are refused.
func Build(ctx context.Context, spec Spec) (Manifest, error) {
	m := Manifest{Version: Version, Commit: strings.ToLower(spec.Commit)}
	// Check what needs no disk first, rather than after hashing gigabytes.
	if m.Commit != "" && !commitPattern.MatchString(m.Commit) {
		return Manifest{}, errors.New("commit: want a full hexadecimal commit hash (40 or 64 digits)")
	}
	h := &hasher{buf: make([]byte, 1<<20)}
	if spec.Model != "" {
		if _, err := os.Lstat(spec.Model); errors.Is(err, fs.ErrNotExist) && refPattern.MatchString(spec.Model) {
			m.Entries = append(m.Entries, Entry{Role: RoleModel, Ref: spec.Model})
		} else if err := h.add(ctx, &m, RoleModel, spec.Model); err != nil {
			return Manifest{}, err
		}
	}
	if spec.Adapter != "" {
		if err := h.add(ctx, &m, RoleAdapter, spec.Adapter); err != nil {
			return Manifest{}, err
		}
	}
	for _, d := range spec.Data {
		if err := h.add(ctx, &m, RoleData, d); err != nil {
			return Manifest{}, err
		}
	}
	if spec.Config != "" {
		if err := h.add(ctx, &m, RoleConfig, spec.Config); err != nil {
			return Manifest{}, err
		}
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	m.Entries = m.sorted()
	return m, nil
}

type hasher struct {
	buf []byte
}

// add hashes a file, or every file under a folder, recording paths under the root's base name.
func (h *hasher) add(ctx context.Context, m *Manifest, role, root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	base := filepath.Base(abs)
	if !info.IsDir() {
		return h.file(ctx, m, role, abs, base)
	}
	// A folder given by a link is walked where it lies; its entries keep the name given.
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	return filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(abs, p)
		if err != nil {
			return err
		}
		name := path.Join(base, filepath.ToSlash(rel))
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Stat(p)
			switch {
			case err != nil:
				return fmt.Errorf("%s: %s: broken symbolic link: %w", role, name, err)
			case target.IsDir():
				return fmt.Errorf("%s: %s: a symbolic link to a folder is not followed; give that folder itself", role, name)
			}
		}
		return h.file(ctx, m, role, p, name)
	})
}

func (h *hasher) file(ctx context.Context, m *Manifest, role, p, name string) error {
	// Check the type before opening: opening a named pipe would wait for a writer.
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: %s is not a regular file (%s)", role, name, info.Mode().Type())
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	defer f.Close()
	sum := sha256.New()
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := f.Read(h.buf)
		sum.Write(h.buf[:n])
		size += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %s: %w", role, name, err)
		}
	}
	m.Entries = append(m.Entries, Entry{Role: role, Path: name, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil))})
	return nil
}
