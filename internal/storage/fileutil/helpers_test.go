package fileutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// impl is one FS under test, with a fresh empty directory to work in.
type impl struct {
	name string
	new  func(t *testing.T) (FS, string)
}

// impls are the implementations the shared tests run against: behaviour
// that differs between them is a MemFS bug (or a documented difference,
// tested separately).
var impls = []impl{
	{"OSFS", func(t *testing.T) (FS, string) { return OS(), t.TempDir() }},
	{"MemFS", func(t *testing.T) (FS, string) {
		m := NewMemFS()
		if err := m.MkdirAll("/data", 0o755); err != nil {
			t.Fatal(err)
		}
		return m, "/data"
	}},
}

// newMem returns a MemFS with a durable directory /d to work in.
func newMem(t *testing.T) (*MemFS, string) {
	t.Helper()
	m := NewMemFS()
	if err := m.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	return m, "/d"
}

func mustOpen(t *testing.T, fsys FS, name string, flag int) File {
	t.Helper()
	f, err := fsys.OpenFile(name, flag, 0o644)
	if err != nil {
		t.Fatalf("OpenFile(%q, %#x): %v", name, flag, err)
	}
	return f
}

// writeFile creates or truncates name with data, without any Sync.
func writeFile(t *testing.T, fsys FS, name string, data string) {
	t.Helper()
	f := mustOpen(t, fsys, name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY)
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatalf("Write %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close %s: %v", name, err)
	}
}

// writeDurable writes name with data, syncs it and syncs its directory.
func writeDurable(t *testing.T, fsys FS, name string, data string) {
	t.Helper()
	f := mustOpen(t, fsys, name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY)
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatalf("Write %s: %v", name, err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close %s: %v", name, err)
	}
	if err := fsys.SyncDir(filepath.Dir(name)); err != nil {
		t.Fatalf("SyncDir %s: %v", filepath.Dir(name), err)
	}
}

func wantContents(t *testing.T, fsys FS, name string, want string) {
	t.Helper()
	got, err := ReadFile(fsys, name)
	if err != nil {
		t.Fatalf("ReadFile(%q): %v", name, err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Fatalf("ReadFile(%q) = %q, want %q", name, got, want)
	}
}

func wantMissing(t *testing.T, fsys FS, name string) {
	t.Helper()
	if _, err := fsys.Stat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat(%q) = %v, want fs.ErrNotExist", name, err)
	}
}

// wantPathErr checks that err is a *fs.PathError matching target (any
// error, if target is nil).
func wantPathErr(t *testing.T, err error, target error) {
	t.Helper()
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *fs.PathError", err, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %v does not match %v", err, target)
	}
}

// wantLinkErr checks that err is an *os.LinkError matching target.
func wantLinkErr(t *testing.T, err error, target error) {
	t.Helper()
	var le *os.LinkError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not an *os.LinkError", err, err)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %v does not match %v", err, target)
	}
}

func names(entries []fs.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
