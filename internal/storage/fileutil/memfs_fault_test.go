package fileutil

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

var errBoom = errors.New("boom")

func TestFaultAfterTimes(t *testing.T) {
	for _, tc := range []struct {
		name         string
		after, times int
		want         []bool // per call: does it fail?
	}{
		{"first call forever", 0, 0, []bool{true, true, true, true}},
		{"after two, forever", 2, 0, []bool{false, false, true, true}},
		{"after one, once", 1, 1, []bool{false, true, false, false}},
		{"after zero, twice", 0, 2, []bool{true, true, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, dir := newMem(t)
			f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
			defer f.Close()
			m.InjectFault(Fault{Op: OpSync, Err: errBoom, After: tc.after, Times: tc.times})
			for i, fail := range tc.want {
				err := f.Sync()
				if fail {
					wantPathErr(t, err, errBoom)
				} else if err != nil {
					t.Fatalf("call %d: %v, want success", i, err)
				}
			}
		})
	}
}

func TestFaultOps(t *testing.T) {
	// Each row: a fault on op, the call it must fail, and a check that the
	// failed call had no effect.
	for _, tc := range []struct {
		op     Op
		call   func(m *MemFS, f File) error
		effect func(t *testing.T, m *MemFS)
	}{
		{OpOpen, func(m *MemFS, _ File) error {
			_, err := m.OpenFile("/d/new", os.O_CREATE|os.O_RDWR, 0o644)
			return err
		}, func(t *testing.T, m *MemFS) { wantMissing(t, m, "/d/new") }},
		{OpWrite, func(_ *MemFS, f File) error { _, err := f.Write([]byte("xyz")); return err },
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "abcd") }},
		{OpWrite, func(_ *MemFS, f File) error { _, err := f.WriteAt([]byte("xyz"), 0); return err },
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "abcd") }},
		{OpRead, func(_ *MemFS, f File) error { _, err := f.Read(make([]byte, 1)); return err }, nil},
		{OpRead, func(_ *MemFS, f File) error { _, err := f.ReadAt(make([]byte, 1), 0); return err }, nil},
		{OpTruncate, func(_ *MemFS, f File) error { return f.Truncate(0) },
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "abcd") }},
		{OpSync, func(_ *MemFS, f File) error { return f.Sync() },
			func(t *testing.T, m *MemFS) {
				// Not synced: a crash drops the data.
				m.ClearFaults()
				m.SyncDir("/d")
				m.Crash()
				wantContents(t, m, "/d/f", "")
			}},
		{OpSyncDir, func(m *MemFS, _ File) error { return m.SyncDir("/d") },
			func(t *testing.T, m *MemFS) { m.Crash(); wantMissing(t, m, "/d/f") }},
		{OpRemove, func(m *MemFS, _ File) error { return m.Remove("/d/f") },
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "abcd") }},
		{OpRemove, func(m *MemFS, _ File) error { return m.RemoveAll("/d/f") },
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "abcd") }},
		{OpRename, func(m *MemFS, _ File) error { return m.Rename("/d/f", "/d/g") },
			func(t *testing.T, m *MemFS) { wantContents(t, m, "/d/f", "abcd"); wantMissing(t, m, "/d/g") }},
		{OpMkdir, func(m *MemFS, _ File) error { return m.MkdirAll("/d/x", 0o755) },
			func(t *testing.T, m *MemFS) { wantMissing(t, m, "/d/x") }},
		{OpReadDir, func(m *MemFS, _ File) error { _, err := m.ReadDir("/d"); return err }, nil},
	} {
		t.Run(tc.op.String(), func(t *testing.T) {
			m, dir := newMem(t)
			f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
			defer f.Close()
			f.Write([]byte("abcd"))
			m.InjectFault(Fault{Op: tc.op, Err: errBoom})
			err := tc.call(m, f)
			if !errors.Is(err, errBoom) {
				t.Fatalf("call = %v, want errBoom", err)
			}
			var le *os.LinkError
			var pe *fs.PathError
			if !errors.As(err, &pe) && !errors.As(err, &le) {
				t.Fatalf("error %T does not name the path", err)
			}
			if tc.effect != nil {
				m.ClearFaults()
				tc.effect(t, m)
			}
		})
	}
}

func TestFaultDefaultsAndMatching(t *testing.T) {
	t.Run("default error is EIO", func(t *testing.T) {
		m, dir := newMem(t)
		m.InjectFault(Fault{Op: OpMkdir})
		wantPathErr(t, m.MkdirAll(dir+"/x", 0o755), syscall.EIO)
	})
	t.Run("PathContains", func(t *testing.T) {
		m, dir := newMem(t)
		m.InjectFault(Fault{Op: OpOpen, PathContains: ".index"})
		f, err := m.OpenFile(dir+"/0.log", os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			t.Fatalf("non-matching path failed: %v", err)
		}
		f.Close()
		_, err = m.OpenFile(dir+"/0.index", os.O_CREATE|os.O_RDWR, 0o644)
		wantPathErr(t, err, syscall.EIO)
	})
	t.Run("Rename matches either path", func(t *testing.T) {
		m, dir := newMem(t)
		writeFile(t, m, dir+"/a", "x")
		m.InjectFault(Fault{Op: OpRename, PathContains: "target", Times: 1})
		wantLinkErr(t, m.Rename(dir+"/a", dir+"/target"), syscall.EIO)
		writeFile(t, m, dir+"/target", "x")
		m.InjectFault(Fault{Op: OpRename, PathContains: "target", Times: 1})
		wantLinkErr(t, m.Rename(dir+"/target", dir+"/b"), syscall.EIO)
	})
	t.Run("non-matching ops do not count", func(t *testing.T) {
		m, dir := newMem(t)
		f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
		defer f.Close()
		m.InjectFault(Fault{Op: OpSync, After: 1, Times: 1})
		f.Write([]byte("x")) // not a sync: does not use up After
		if err := f.Sync(); err != nil {
			t.Fatalf("first sync: %v", err)
		}
		wantPathErr(t, f.Sync(), syscall.EIO)
	})
	t.Run("first firing fault wins", func(t *testing.T) {
		m, dir := newMem(t)
		errA, errB := errors.New("a"), errors.New("b")
		m.InjectFault(Fault{Op: OpMkdir, Err: errA, Times: 1})
		m.InjectFault(Fault{Op: OpMkdir, Err: errB, Times: 1})
		wantPathErr(t, m.MkdirAll(dir+"/x", 0o755), errA)
		wantPathErr(t, m.MkdirAll(dir+"/x", 0o755), errB)
		if err := m.MkdirAll(dir+"/x", 0o755); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OpAny counts every op", func(t *testing.T) {
		m, dir := newMem(t)
		m.InjectFault(Fault{Op: OpAny, After: 2, Times: 1})
		f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR) // 1
		defer f.Close()
		f.Write([]byte("x")) // 2
		wantPathErr(t, f.Sync(), syscall.EIO)
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ClearFaults", func(t *testing.T) {
		m, dir := newMem(t)
		m.InjectFault(Fault{Op: OpMkdir})
		m.ClearFaults()
		if err := m.MkdirAll(dir+"/x", 0o755); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("zero Op panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("InjectFault(Fault{}) did not panic")
			}
		}()
		NewMemFS().InjectFault(Fault{})
	})
}

func TestFaultPartialWrite(t *testing.T) {
	m, dir := newMem(t)
	f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
	defer f.Close()
	f.Write([]byte("ok:"))
	m.InjectFault(Fault{Op: OpWrite, Err: errBoom, Partial: true, Times: 1})
	n, err := f.Write([]byte("abcdef"))
	if n != 3 || !errors.Is(err, errBoom) {
		t.Fatalf("torn Write = %d, %v; want 3, errBoom", n, err)
	}
	wantContents(t, m, dir+"/f", "ok:abc")
	// The offset moved past what was written, as for a short write(2).
	f.Write([]byte("!"))
	wantContents(t, m, dir+"/f", "ok:abc!")

	m.InjectFault(Fault{Op: OpWrite, Err: errBoom, Partial: true, Times: 1})
	n, err = f.WriteAt([]byte("WXYZ"), 1)
	if n != 2 || !errors.Is(err, errBoom) {
		t.Fatalf("torn WriteAt = %d, %v; want 2, errBoom", n, err)
	}
	wantContents(t, m, dir+"/f", "oWXabc!")
}

func TestCapacity(t *testing.T) {
	t.Run("write stores what fits", func(t *testing.T) {
		m, dir := newMem(t)
		m.SetCapacity(10)
		f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
		defer f.Close()
		if n, err := f.Write([]byte("123456")); n != 6 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		n, err := f.Write([]byte("abcdef"))
		if n != 4 || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Write = %d, %v; want 4, ENOSPC", n, err)
		}
		wantPathErr(t, err, syscall.ENOSPC)
		wantContents(t, m, dir+"/f", "123456abcd")
		if m.Used() != 10 {
			t.Fatalf("Used = %d, want 10", m.Used())
		}
		// Overwrites need no space.
		if _, err := f.WriteAt([]byte("XY"), 0); err != nil {
			t.Fatal(err)
		}
		_, err = f.Write([]byte("z"))
		wantPathErr(t, err, syscall.ENOSPC)
	})
	t.Run("capacity spans files", func(t *testing.T) {
		m, dir := newMem(t)
		m.SetCapacity(8)
		writeFile(t, m, dir+"/a", "12345")
		g := mustOpen(t, m, dir+"/b", os.O_CREATE|os.O_RDWR)
		defer g.Close()
		if n, err := g.Write([]byte("abcdef")); n != 3 || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Write = %d, %v; want 3, ENOSPC", n, err)
		}
		// A WriteAt that starts beyond what fits stores nothing and does
		// not grow the file.
		if n, err := g.WriteAt([]byte("z"), 100); n != 0 || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("WriteAt = %d, %v; want 0, ENOSPC", n, err)
		}
		if st, _ := g.Stat(); st.Size() != 3 {
			t.Fatalf("size = %d, want 3", st.Size())
		}
	})
	t.Run("truncate is all or nothing", func(t *testing.T) {
		m, dir := newMem(t)
		m.SetCapacity(10)
		f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
		defer f.Close()
		wantPathErr(t, f.Truncate(11), syscall.ENOSPC)
		if st, _ := f.Stat(); st.Size() != 0 || m.Used() != 0 {
			t.Fatalf("size %d, used %d after failed Truncate", st.Size(), m.Used())
		}
		if err := f.Truncate(10); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(4); err != nil || m.Used() != 4 {
			t.Fatalf("shrink: %v, used %d", err, m.Used())
		}
	})
	t.Run("space freed by remove, after last close", func(t *testing.T) {
		m, dir := newMem(t)
		m.SetCapacity(10)
		writeFile(t, m, dir+"/a", "1234567890")
		f := mustOpen(t, m, dir+"/a", os.O_RDONLY)
		m.Remove(dir + "/a")
		if m.Used() != 10 {
			t.Fatalf("Used = %d with the removed file still open, want 10", m.Used())
		}
		f.Close()
		if m.Used() != 0 {
			t.Fatalf("Used = %d after last close, want 0", m.Used())
		}
		writeFile(t, m, dir+"/b", "1234567890")
	})
	t.Run("rename over frees the replaced file", func(t *testing.T) {
		m, dir := newMem(t)
		writeFile(t, m, dir+"/a", "123")
		writeFile(t, m, dir+"/b", "12345")
		m.Rename(dir+"/a", dir+"/b")
		if m.Used() != 3 {
			t.Fatalf("Used = %d, want 3", m.Used())
		}
	})
	t.Run("O_TRUNC and RemoveAll free space", func(t *testing.T) {
		m, dir := newMem(t)
		writeFile(t, m, dir+"/a", "123")
		m.MkdirAll(dir+"/sub/deeper", 0o755)
		writeFile(t, m, dir+"/sub/deeper/b", "12345")
		mustOpen(t, m, dir+"/a", os.O_WRONLY|os.O_TRUNC).Close()
		if m.Used() != 5 {
			t.Fatalf("Used = %d, want 5", m.Used())
		}
		m.RemoveAll(dir + "/sub")
		if m.Used() != 0 {
			t.Fatalf("Used = %d, want 0", m.Used())
		}
	})
	t.Run("negative removes the limit", func(t *testing.T) {
		m, dir := newMem(t)
		m.SetCapacity(0)
		f := mustOpen(t, m, dir+"/f", os.O_CREATE|os.O_RDWR)
		defer f.Close()
		_, err := f.Write([]byte("x"))
		wantPathErr(t, err, syscall.ENOSPC)
		m.SetCapacity(-1)
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	})
}
