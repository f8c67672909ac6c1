package fileutil

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// conformanceCases is the behaviour MemFS must share with OSFS. Each case
// gets a fresh FS and an empty directory.
var conformanceCases = []struct {
	name string
	run  func(t *testing.T, fsys FS, dir string)
}{
	{"create write read stat", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		f := mustOpen(t, fsys, p, os.O_CREATE|os.O_RDWR)
		defer f.Close()
		if n, err := f.Write([]byte("hello")); n != 5 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		if off, err := f.Seek(0, io.SeekStart); off != 0 || err != nil {
			t.Fatalf("Seek = %d, %v", off, err)
		}
		buf := make([]byte, 10)
		if n, err := f.Read(buf); n != 5 || err != nil || string(buf[:n]) != "hello" {
			t.Fatalf("Read = %d %q, %v", n, buf[:n], err)
		}
		if n, err := f.Read(buf); n != 0 || err != io.EOF {
			t.Fatalf("Read at EOF = %d, %v; want 0, io.EOF", n, err)
		}
		if n, err := f.Read(nil); n != 0 || err != nil {
			t.Fatalf("Read(nil) at EOF = %d, %v; want 0, nil", n, err)
		}
		if f.Name() != p {
			t.Fatalf("Name = %q, want %q", f.Name(), p)
		}
		st, err := f.Stat()
		if err != nil || st.Size() != 5 || st.Name() != "f" || !st.Mode().IsRegular() || st.IsDir() {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
		st, err = fsys.Stat(p)
		if err != nil || st.Size() != 5 || st.Name() != "f" || st.IsDir() {
			t.Fatalf("FS.Stat = %+v, %v", st, err)
		}
	}},
	{"open errors", func(t *testing.T, fsys FS, dir string) {
		writeFile(t, fsys, filepath.Join(dir, "file"), "x")
		for _, tc := range []struct {
			name string
			flag int
			want error
		}{
			{"missing", os.O_RDONLY, fs.ErrNotExist},
			{"missing/x", os.O_CREATE | os.O_RDWR, fs.ErrNotExist},
			{"file/x", os.O_CREATE | os.O_RDWR, syscall.ENOTDIR},
			{"file", os.O_CREATE | os.O_EXCL | os.O_RDWR, fs.ErrExist},
			{".", os.O_RDWR, syscall.EISDIR},
		} {
			p := filepath.Join(dir, tc.name)
			f, err := fsys.OpenFile(p, tc.flag, 0o644)
			if f != nil {
				t.Fatalf("OpenFile(%q) returned a file", tc.name)
			}
			wantPathErr(t, err, tc.want)
			if pe := err.(*fs.PathError); pe.Op != "open" || pe.Path != p {
				t.Fatalf("PathError = %+v, want op open path %q", pe, p)
			}
		}
		if _, err := fsys.OpenFile("", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("OpenFile(\"\") = %v, want fs.ErrNotExist", err)
		}
	}},
	{"O_EXCL creates", func(t *testing.T, fsys FS, dir string) {
		f := mustOpen(t, fsys, filepath.Join(dir, "new"), os.O_CREATE|os.O_EXCL|os.O_WRONLY)
		f.Close()
		wantContents(t, fsys, filepath.Join(dir, "new"), "")
	}},
	{"O_TRUNC", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "hello")
		f := mustOpen(t, fsys, p, os.O_WRONLY|os.O_TRUNC)
		f.Close()
		wantContents(t, fsys, p, "")
	}},
	{"O_APPEND", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "ab")
		a := mustOpen(t, fsys, p, os.O_WRONLY|os.O_APPEND)
		defer a.Close()
		b := mustOpen(t, fsys, p, os.O_WRONLY|os.O_APPEND)
		defer b.Close()
		if _, err := a.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		for _, w := range []struct {
			f    File
			data string
		}{{a, "cd"}, {b, "e"}, {a, "f"}} {
			if _, err := w.f.Write([]byte(w.data)); err != nil {
				t.Fatal(err)
			}
		}
		wantContents(t, fsys, p, "abcdef")
		if off, _ := a.Seek(0, io.SeekCurrent); off != 6 {
			t.Fatalf("offset after append = %d, want 6", off)
		}
		if _, err := a.WriteAt([]byte("x"), 0); err == nil {
			t.Fatal("WriteAt on O_APPEND file succeeded")
		}
	}},
	{"access mode", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "hello")
		r := mustOpen(t, fsys, p, os.O_RDONLY)
		defer r.Close()
		_, err := r.Write([]byte("x"))
		wantPathErr(t, err, syscall.EBADF)
		_, err = r.WriteAt([]byte("x"), 0)
		wantPathErr(t, err, syscall.EBADF)
		wantPathErr(t, r.Truncate(1), syscall.EINVAL)
		w := mustOpen(t, fsys, p, os.O_WRONLY)
		defer w.Close()
		_, err = w.Read(make([]byte, 1))
		wantPathErr(t, err, syscall.EBADF)
		_, err = w.ReadAt(make([]byte, 1), 0)
		wantPathErr(t, err, syscall.EBADF)
		wantContents(t, fsys, p, "hello")
	}},
	{"seek", func(t *testing.T, fsys FS, dir string) {
		f := mustOpen(t, fsys, filepath.Join(dir, "f"), os.O_CREATE|os.O_RDWR)
		defer f.Close()
		f.Write([]byte("hello"))
		for _, s := range []struct {
			off    int64
			whence int
			want   int64
		}{{2, io.SeekStart, 2}, {1, io.SeekCurrent, 3}, {-1, io.SeekEnd, 4}} {
			if got, err := f.Seek(s.off, s.whence); got != s.want || err != nil {
				t.Fatalf("Seek(%d, %d) = %d, %v; want %d", s.off, s.whence, got, err, s.want)
			}
		}
		buf := make([]byte, 4)
		if n, _ := f.Read(buf); string(buf[:n]) != "o" {
			t.Fatalf("Read after seek = %q", buf[:n])
		}
		_, err := f.Seek(-10, io.SeekStart)
		wantPathErr(t, err, syscall.EINVAL)
		_, err = f.Seek(0, 7)
		wantPathErr(t, err, syscall.EINVAL)
		if got, err := f.Seek(3, io.SeekEnd); got != 8 || err != nil {
			t.Fatalf("Seek past end = %d, %v", got, err)
		}
		f.Write([]byte("x")) // zero-fills the gap
		wantContents(t, fsys, filepath.Join(dir, "f"), "hello\x00\x00\x00x")
	}},
	{"ReadAt", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "hello")
		f := mustOpen(t, fsys, p, os.O_RDONLY)
		defer f.Close()
		for _, tc := range []struct {
			size    int
			off     int64
			want    string
			wantErr error
		}{
			{3, 1, "ell", nil},
			{5, 0, "hello", nil},
			{10, 2, "llo", io.EOF},
			{3, 5, "", io.EOF},
			{3, 100, "", io.EOF},
			{0, 100, "", nil},
		} {
			buf := make([]byte, tc.size)
			n, err := f.ReadAt(buf, tc.off)
			if string(buf[:n]) != tc.want || err != tc.wantErr {
				t.Fatalf("ReadAt(%d bytes, %d) = %q, %v; want %q, %v", tc.size, tc.off, buf[:n], err, tc.want, tc.wantErr)
			}
		}
		_, err := f.ReadAt(make([]byte, 1), -1)
		wantPathErr(t, err, nil) // os: a bare "negative offset"; MemFS: also fs.ErrInvalid
		// ReadAt leaves the offset alone.
		buf := make([]byte, 5)
		if n, _ := f.Read(buf); string(buf[:n]) != "hello" {
			t.Fatalf("Read after ReadAt = %q", buf[:n])
		}
	}},
	{"WriteAt", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "hello")
		f := mustOpen(t, fsys, p, os.O_RDWR)
		defer f.Close()
		if n, err := f.WriteAt([]byte("xy"), 7); n != 2 || err != nil {
			t.Fatalf("WriteAt past EOF = %d, %v", n, err)
		}
		if _, err := f.WriteAt([]byte("E"), 1); err != nil {
			t.Fatal(err)
		}
		if n, err := f.WriteAt(nil, 100); n != 0 || err != nil {
			t.Fatalf("empty WriteAt = %d, %v", n, err)
		}
		_, err := f.WriteAt([]byte("z"), -1)
		wantPathErr(t, err, nil)
		wantContents(t, fsys, p, "hEllo\x00\x00xy")
		// WriteAt leaves the offset alone.
		f.Write([]byte("H"))
		wantContents(t, fsys, p, "HEllo\x00\x00xy")
	}},
	{"Truncate", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "hello")
		f := mustOpen(t, fsys, p, os.O_RDWR)
		defer f.Close()
		if err := f.Truncate(2); err != nil {
			t.Fatal(err)
		}
		wantContents(t, fsys, p, "he")
		if err := f.Truncate(4); err != nil {
			t.Fatal(err)
		}
		wantContents(t, fsys, p, "he\x00\x00")
		if st, _ := f.Stat(); st.Size() != 4 {
			t.Fatalf("Stat size = %d", st.Size())
		}
		wantPathErr(t, f.Truncate(-1), syscall.EINVAL)
	}},
	{"closed file", func(t *testing.T, fsys FS, dir string) {
		f := mustOpen(t, fsys, filepath.Join(dir, "f"), os.O_CREATE|os.O_RDWR)
		f.Write([]byte("abc"))
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1)
		ops := map[string]func() error{
			"Read":     func() error { _, err := f.Read(buf); return err },
			"ReadAt":   func() error { _, err := f.ReadAt(buf, 0); return err },
			"Write":    func() error { _, err := f.Write(buf); return err },
			"WriteAt":  func() error { _, err := f.WriteAt(buf, 0); return err },
			"Seek":     func() error { _, err := f.Seek(0, io.SeekStart); return err },
			"Sync":     f.Sync,
			"Truncate": func() error { return f.Truncate(0) },
			"Stat":     func() error { _, err := f.Stat(); return err },
			"Close":    f.Close,
			"Mmap":     func() error { _, err := f.(Mmapper).Mmap(1); return err },
		}
		for name, op := range ops {
			t.Run(name, func(t *testing.T) { wantPathErr(t, op(), fs.ErrClosed) })
		}
	}},
	{"Remove", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "x")
		if err := fsys.Remove(p); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, fsys, p)
		wantPathErr(t, fsys.Remove(p), fs.ErrNotExist)
		sub := filepath.Join(dir, "sub")
		fsys.MkdirAll(filepath.Join(sub, "inner"), 0o755)
		wantPathErr(t, fsys.Remove(sub), syscall.ENOTEMPTY)
		if err := fsys.Remove(filepath.Join(sub, "inner")); err != nil {
			t.Fatalf("Remove empty dir: %v", err)
		}
		wantMissing(t, fsys, filepath.Join(sub, "inner"))
	}},
	{"RemoveAll", func(t *testing.T, fsys FS, dir string) {
		root := filepath.Join(dir, "tree")
		fsys.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
		writeFile(t, fsys, filepath.Join(root, "a", "b", "f"), "x")
		writeFile(t, fsys, filepath.Join(root, "g"), "y")
		if err := fsys.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, fsys, root)
		for _, p := range []string{root, filepath.Join(dir, "missing", "x"), ""} {
			if err := fsys.RemoveAll(p); err != nil {
				t.Fatalf("RemoveAll(%q) = %v, want nil", p, err)
			}
		}
		writeFile(t, fsys, filepath.Join(dir, "file"), "z")
		if err := fsys.RemoveAll(filepath.Join(dir, "file")); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, fsys, filepath.Join(dir, "file"))
	}},
	{"Rename file", func(t *testing.T, fsys FS, dir string) {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		writeFile(t, fsys, a, "new")
		writeFile(t, fsys, b, "old")
		old := mustOpen(t, fsys, b, os.O_RDONLY)
		defer old.Close()
		if err := fsys.Rename(a, b); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, fsys, a)
		wantContents(t, fsys, b, "new")
		// The replaced file lives on through its handle.
		buf := make([]byte, 3)
		if _, err := old.ReadAt(buf, 0); err != nil || string(buf) != "old" {
			t.Fatalf("replaced file via old handle = %q, %v", buf, err)
		}
		if err := fsys.Rename(b, b); err != nil {
			t.Fatalf("Rename onto itself: %v", err)
		}
		wantContents(t, fsys, b, "new")
	}},
	{"Rename errors", func(t *testing.T, fsys FS, dir string) {
		f := filepath.Join(dir, "f")
		writeFile(t, fsys, f, "x")
		d, e := filepath.Join(dir, "d"), filepath.Join(dir, "e")
		fsys.MkdirAll(d, 0o755)
		fsys.MkdirAll(e, 0o755)
		for _, tc := range []struct {
			old, new string
			want     error
		}{
			{filepath.Join(dir, "missing"), filepath.Join(dir, "x"), fs.ErrNotExist},
			{f, filepath.Join(dir, "missing", "x"), fs.ErrNotExist},
			{f, d, fs.ErrExist},
			{d, e, fs.ErrExist},
			{d, f, syscall.ENOTDIR},
			{d, filepath.Join(d, "sub"), syscall.EINVAL},
		} {
			wantLinkErr(t, fsys.Rename(tc.old, tc.new), tc.want)
		}
		wantContents(t, fsys, f, "x")
	}},
	{"Rename directory", func(t *testing.T, fsys FS, dir string) {
		d := filepath.Join(dir, "d")
		fsys.MkdirAll(filepath.Join(d, "x"), 0o755)
		writeFile(t, fsys, filepath.Join(d, "x", "y"), "deep")
		e := filepath.Join(dir, "e")
		if err := fsys.Rename(d, e); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, fsys, d)
		wantContents(t, fsys, filepath.Join(e, "x", "y"), "deep")
	}},
	{"MkdirAll", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "a", "b", "c")
		for range 2 {
			if err := fsys.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if st, err := fsys.Stat(p); err != nil || !st.IsDir() || st.Name() != "c" {
			t.Fatalf("Stat = %v, %v", st, err)
		}
		f := filepath.Join(dir, "f")
		writeFile(t, fsys, f, "x")
		wantPathErr(t, fsys.MkdirAll(f, 0o755), syscall.ENOTDIR)
		wantPathErr(t, fsys.MkdirAll(filepath.Join(f, "x"), 0o755), syscall.ENOTDIR)
	}},
	{"ReadDir", func(t *testing.T, fsys FS, dir string) {
		writeFile(t, fsys, filepath.Join(dir, "c"), "ccc")
		writeFile(t, fsys, filepath.Join(dir, "a"), "a")
		fsys.MkdirAll(filepath.Join(dir, "b", "inner"), 0o755)
		ents, err := fsys.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(ents); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Fatalf("ReadDir = %v", got)
		}
		if ents[0].IsDir() || !ents[1].IsDir() || ents[1].Type() != fs.ModeDir {
			t.Fatalf("IsDir/Type wrong: %v", ents)
		}
		if info, err := ents[2].Info(); err != nil || info.Size() != 3 {
			t.Fatalf("Info = %v, %v", info, err)
		}
		_, err = fsys.ReadDir(filepath.Join(dir, "missing"))
		wantPathErr(t, err, fs.ErrNotExist)
		_, err = fsys.ReadDir(filepath.Join(dir, "a"))
		wantPathErr(t, err, syscall.ENOTDIR)
	}},
	{"Stat", func(t *testing.T, fsys FS, dir string) {
		writeFile(t, fsys, filepath.Join(dir, "f"), "x")
		fsys.MkdirAll(filepath.Join(dir, "d"), 0o755)
		if st, err := fsys.Stat(filepath.Join(dir, "d") + "/"); err != nil || st.Name() != "d" || !st.IsDir() || !st.Mode().IsDir() {
			t.Fatalf("Stat dir = %v, %v", st, err)
		}
		_, err := fsys.Stat(filepath.Join(dir, "missing"))
		wantPathErr(t, err, fs.ErrNotExist)
		_, err = fsys.Stat(filepath.Join(dir, "f", "x"))
		wantPathErr(t, err, syscall.ENOTDIR)
	}},
	{"SyncDir", func(t *testing.T, fsys FS, dir string) {
		if err := fsys.SyncDir(dir); err != nil {
			t.Fatal(err)
		}
		wantPathErr(t, fsys.SyncDir(filepath.Join(dir, "missing")), fs.ErrNotExist)
	}},
	{"handle outlives Remove", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "f")
		writeFile(t, fsys, p, "abc")
		f := mustOpen(t, fsys, p, os.O_RDWR)
		defer f.Close()
		if err := fsys.Remove(p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte("XY"), 2); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if n, err := f.ReadAt(buf, 0); n != 4 || err != nil || string(buf) != "abXY" {
			t.Fatalf("ReadAt = %q, %v", buf[:n], err)
		}
		if st, err := f.Stat(); err != nil || st.Size() != 4 {
			t.Fatalf("Stat = %v, %v", st, err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, fsys, p)
	}},
	{"handle outlives Rename", func(t *testing.T, fsys FS, dir string) {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		writeFile(t, fsys, a, "abc")
		f := mustOpen(t, fsys, a, os.O_WRONLY|os.O_APPEND)
		defer f.Close()
		if err := fsys.Rename(a, b); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("d")); err != nil {
			t.Fatal(err)
		}
		wantContents(t, fsys, b, "abcd")
		if f.Name() != a {
			t.Fatalf("Name after rename = %q, want the opened name %q", f.Name(), a)
		}
	}},
	{"open directory", func(t *testing.T, fsys FS, dir string) {
		d := mustOpen(t, fsys, dir, os.O_RDONLY)
		defer d.Close()
		if st, err := d.Stat(); err != nil || !st.IsDir() {
			t.Fatalf("Stat = %v, %v", st, err)
		}
		_, err := d.Read(make([]byte, 1))
		wantPathErr(t, err, syscall.EISDIR)
		_, err = d.ReadAt(make([]byte, 1), 0)
		wantPathErr(t, err, syscall.EISDIR)
		if err := d.Sync(); err != nil {
			t.Fatalf("Sync on a directory: %v", err)
		}
	}},
	{"WriteFileAtomic and ReadFile", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "checkpoint")
		for _, data := range []string{"first", "second, longer", ""} {
			if err := WriteFileAtomic(fsys, p, []byte(data)); err != nil {
				t.Fatal(err)
			}
			wantContents(t, fsys, p, data)
		}
		ents, _ := fsys.ReadDir(dir)
		if got := names(ents); !slices.Equal(got, []string{"checkpoint"}) {
			t.Fatalf("directory holds %v, want only the checkpoint", got)
		}
		_, err := ReadFile(fsys, filepath.Join(dir, "missing"))
		wantPathErr(t, err, fs.ErrNotExist)
	}},
	{"large write", func(t *testing.T, fsys FS, dir string) {
		p := filepath.Join(dir, "big")
		data := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
		f := mustOpen(t, fsys, p, os.O_CREATE|os.O_WRONLY)
		for chunk := range slices.Chunk(data, 1000) {
			if _, err := f.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		got, err := ReadFile(fsys, p)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("ReadFile = %d bytes, %v; want %d", len(got), err, len(data))
		}
	}},
}

// TestConformance runs the shared table against OSFS and MemFS.
func TestConformance(t *testing.T) {
	for _, tc := range conformanceCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, im := range impls {
				t.Run(im.name, func(t *testing.T) {
					fsys, dir := im.new(t)
					tc.run(t, fsys, dir)
				})
			}
		})
	}
}

// TestMemFSDifferences covers where MemFS deliberately differs from OSFS, or
// has no OSFS counterpart.
func TestMemFSDifferences(t *testing.T) {
	t.Run("relative paths resolve from the root", func(t *testing.T) {
		m, _ := newMem(t)
		writeFile(t, m, "d/f", "x")
		wantContents(t, m, "/d/f", "x")
		wantContents(t, m, "/d/../d/./f", "x")
	})
	t.Run("SyncDir on a file fails", func(t *testing.T) {
		m, dir := newMem(t)
		writeFile(t, m, dir+"/f", "x")
		wantPathErr(t, m.SyncDir(dir+"/f"), syscall.ENOTDIR)
	})
	t.Run("root", func(t *testing.T) {
		m := NewMemFS()
		if st, err := m.Stat("/"); err != nil || !st.IsDir() || st.Name() != "/" {
			t.Fatalf("Stat(/) = %v, %v", st, err)
		}
		wantPathErr(t, m.Remove("/"), syscall.EBUSY)
		wantLinkErr(t, m.Rename("/", "/x"), syscall.EBUSY)
	})
	t.Run("files are not OSFiles", func(t *testing.T) {
		m, dir := newMem(t)
		f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
		defer f.Close()
		if _, ok := f.(OSFile); ok {
			t.Fatal("MemFS file implements OSFile")
		}
		if _, ok := f.(Mmapper); !ok {
			t.Fatal("MemFS file does not implement Mmapper")
		}
		of := mustOpen(t, OS(), filepath.Join(t.TempDir(), "f"), os.O_CREATE|os.O_RDWR)
		defer of.Close()
		if _, ok := of.(OSFile); !ok {
			t.Fatal("OSFS file does not implement OSFile")
		}
	})
	t.Run("mode records perm", func(t *testing.T) {
		m, dir := newMem(t)
		f, _ := m.OpenFile(dir+"/f", os.O_CREATE|os.O_RDWR, 0o600)
		defer f.Close()
		if st, _ := f.Stat(); st.Mode() != 0o600 {
			t.Fatalf("mode = %v, want 0600", st.Mode())
		}
	})
}
