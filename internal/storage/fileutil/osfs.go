package fileutil

import (
	"io/fs"
	"os"
	"syscall"
)

// OSFS is the real file system.
type OSFS struct{}

// OS returns the real file system.
func OS() FS { return OSFS{} }

// OpenFile implements FS.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &osFile{File: f}, nil
}

// Remove implements FS.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// RemoveAll implements FS.
func (OSFS) RemoveAll(path string) error { return os.RemoveAll(path) }

// Rename implements FS.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// MkdirAll implements FS.
func (OSFS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

// ReadDir implements FS.
func (OSFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// Stat implements FS.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// SyncDir implements FS: it opens the directory and fsyncs it, which is how
// POSIX makes a new, renamed or removed directory entry durable.
func (OSFS) SyncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return serr
	}
	return cerr
}

// osFile wraps *os.File to use fdatasync and to offer mmap.
type osFile struct {
	*os.File
}

// Compile-time checks of what each implementation offers.
var (
	_ FS      = OSFS{}
	_ OSFile  = (*osFile)(nil)
	_ Mmapper = (*osFile)(nil)
)

// Sync uses fdatasync: the data and the size, without the timestamps that a
// full fsync would also write. That is all recovery depends on.
func (f *osFile) Sync() error {
	return f.control("fdatasync", func(fd int) error {
		for {
			if err := syscall.Fdatasync(fd); err != syscall.EINTR {
				return err
			}
		}
	})
}

// control runs fn on the file's descriptor through SyscallConn, which holds
// a reference on the descriptor for the duration: with Fd() a concurrent
// Close could let the kernel hand the number to another file under fn. On a
// closed file it fails with fs.ErrClosed, as the *os.File methods do (raw
// syscalls on Fd() would report EBADF).
func (f *osFile) control(op string, fn func(fd int) error) error {
	rc, err := f.File.SyscallConn()
	if err != nil {
		return &fs.PathError{Op: op, Path: f.Name(), Err: err}
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		// Control fails only on a closed file (internal/poll's
		// ErrFileClosing, which os reports as ErrClosed).
		return &fs.PathError{Op: op, Path: f.Name(), Err: fs.ErrClosed}
	}
	if ferr != nil {
		return &fs.PathError{Op: op, Path: f.Name(), Err: ferr}
	}
	return nil
}

// OSFile implements OSFile.
func (f *osFile) OSFile() *os.File { return f.File }

// Mmap implements Mmapper with a shared read-write mapping of the file's
// first length bytes. The file must be open read-write.
func (f *osFile) Mmap(length int) ([]byte, error) {
	var b []byte
	err := f.control("mmap", func(fd int) error {
		if length == 0 {
			b = []byte{}
			return nil
		}
		var err error
		b, err = syscall.Mmap(fd, 0, length, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Munmap implements Mmapper. b must be a slice returned by Mmap, whole.
func (f *osFile) Munmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := syscall.Munmap(b); err != nil {
		return &fs.PathError{Op: "munmap", Path: f.Name(), Err: err}
	}
	return nil
}

// Msync implements Mmapper: msync(MS_SYNC) of the mapping's pages.
func (f *osFile) Msync(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := msync(b); err != nil {
		return &fs.PathError{Op: "msync", Path: f.Name(), Err: err}
	}
	return nil
}
