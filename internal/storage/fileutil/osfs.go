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

// Sync uses fdatasync: the data and the size, without the timestamps that a
// full fsync would also write. That is all recovery depends on.
func (f *osFile) Sync() error {
	for {
		err := syscall.Fdatasync(int(f.File.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &fs.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}

func (f *osFile) OSFile() *os.File { return f.File }

func (f *osFile) Mmap(length int) ([]byte, error) {
	if length == 0 {
		return []byte{}, nil
	}
	b, err := syscall.Mmap(int(f.File.Fd()), 0, length, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, &fs.PathError{Op: "mmap", Path: f.Name(), Err: err}
	}
	return b, nil
}

func (f *osFile) Munmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return syscall.Munmap(b)
}

func (f *osFile) Msync(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return msync(b)
}
