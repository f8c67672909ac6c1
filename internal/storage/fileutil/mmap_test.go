package fileutil

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestMmap runs against both implementations: stores through the mapping
// are file contents (ReadAt sees them), writes through the file show in the
// mapping, and Msync/Munmap succeed.
func TestMmap(t *testing.T) {
	const size = 4096
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			fsys, dir := im.new(t)
			p := filepath.Join(dir, "00000000000000000000.index")
			f := mustOpen(t, fsys, p, os.O_CREATE|os.O_RDWR)
			defer f.Close()
			if err := f.Truncate(size); err != nil {
				t.Fatal(err)
			}
			mm, ok := f.(Mmapper)
			if !ok {
				t.Fatal("file does not implement Mmapper")
			}
			b, err := mm.Mmap(size)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != size {
				t.Fatalf("mapping is %d bytes, want %d", len(b), size)
			}
			copy(b[100:], "through the mapping")
			got := make([]byte, 19)
			if _, err := f.ReadAt(got, 100); err != nil || string(got) != "through the mapping" {
				t.Fatalf("ReadAt = %q, %v", got, err)
			}
			if _, err := f.WriteAt([]byte("through the file"), 200); err != nil {
				t.Fatal(err)
			}
			if string(b[200:216]) != "through the file" {
				t.Fatalf("mapping shows %q after WriteAt", b[200:216])
			}
			if err := mm.Msync(b); err != nil {
				t.Fatalf("Msync: %v", err)
			}
			if err := mm.Munmap(b); err != nil {
				t.Fatalf("Munmap: %v", err)
			}
			all, err := ReadFile(fsys, p)
			if err != nil || len(all) != size || !bytes.Equal(all[100:119], []byte("through the mapping")) {
				t.Fatalf("ReadFile after Munmap: %d bytes, %v", len(all), err)
			}
			if b, err := mm.Mmap(0); err != nil || len(b) != 0 {
				t.Fatalf("Mmap(0) = %d bytes, %v", len(b), err)
			}
		})
	}
}

func TestMmapReadOnly(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			fsys, dir := im.new(t)
			p := filepath.Join(dir, "f")
			writeFile(t, fsys, p, "0123456789")
			f := mustOpen(t, fsys, p, os.O_RDONLY)
			defer f.Close()
			_, err := f.(Mmapper).Mmap(10)
			wantPathErr(t, err, fs.ErrPermission)
		})
	}
}

func TestMemFSMmapDurability(t *testing.T) {
	setup := func(t *testing.T) (*MemFS, File, Mmapper, []byte) {
		m, dir := newMem(t)
		writeDurable(t, m, dir+"/idx", "aaaaaaaa")
		f := mustOpen(t, m, dir+"/idx", os.O_RDWR)
		t.Cleanup(func() { f.Close() })
		mm := f.(Mmapper)
		b, err := mm.Mmap(8)
		if err != nil {
			t.Fatal(err)
		}
		b[0] = 'X'
		return m, f, mm, b
	}
	t.Run("unsynced stores are lost", func(t *testing.T) {
		m, _, _, _ := setup(t)
		m.Crash()
		wantContents(t, m, "/d/idx", "aaaaaaaa")
	})
	t.Run("Msync keeps them", func(t *testing.T) {
		m, _, mm, b := setup(t)
		if err := mm.Msync(b); err != nil {
			t.Fatal(err)
		}
		b[1] = 'Y' // after the Msync: lost
		m.Crash()
		wantContents(t, m, "/d/idx", "Xaaaaaaa")
	})
	t.Run("File.Sync keeps them too", func(t *testing.T) {
		// The stores bypass Write, so Sync must not trust its record of
		// which bytes changed while a mapping is live.
		m, f, _, b := setup(t)
		f.WriteAt([]byte("b"), 7)
		b[2] = 'Z'
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		m.Crash()
		wantContents(t, m, "/d/idx", "XaZaaaab")
	})
	t.Run("Msync fault leaves them unsynced", func(t *testing.T) {
		m, _, mm, b := setup(t)
		m.InjectFault(Fault{Op: OpSync})
		wantPathErr(t, mm.Msync(b), nil)
		m.ClearFaults()
		m.Crash()
		wantContents(t, m, "/d/idx", "aaaaaaaa")
	})
	t.Run("Msync and Munmap after Close", func(t *testing.T) {
		m, f, mm, b := setup(t)
		f.Close()
		if err := mm.Msync(b); err != nil {
			t.Fatal(err)
		}
		if err := mm.Munmap(b); err != nil {
			t.Fatal(err)
		}
		m.Crash()
		wantContents(t, m, "/d/idx", "Xaaaaaaa")
	})
	t.Run("length past the end", func(t *testing.T) {
		_, _, mm, _ := setup(t)
		_, err := mm.Mmap(9)
		wantPathErr(t, err, fs.ErrInvalid)
	})
	t.Run("growth past capacity detaches the mapping", func(t *testing.T) {
		_, f, mm, b := setup(t)
		if err := f.Truncate(1 << 20); err != nil {
			t.Fatal(err)
		}
		wantPathErr(t, mm.Msync(b), fs.ErrInvalid)
		// A new mapping aliases the moved contents.
		b2, err := mm.Mmap(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		if b2[0] != 'X' {
			t.Fatalf("moved contents start %q", b2[:8])
		}
		if err := mm.Msync(b2[4096:8192]); err != nil {
			t.Fatalf("Msync of part of a mapping: %v", err)
		}
	})
}
