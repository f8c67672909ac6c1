package fileutil

import (
	"io"
	"io/fs"
	"os"
)

// FS is the set of file-system operations the log engine uses. Paths are
// OS-style (filepath) paths. Errors wrap the standard io/fs errors
// (fs.ErrNotExist, fs.ErrExist, ...) so callers can test them with errors.Is.
type FS interface {
	// OpenFile opens or creates a file; flag and perm are those of os.OpenFile.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Remove removes a file or an empty directory.
	Remove(name string) error
	// RemoveAll removes a path and everything below it; a missing path is not an error.
	RemoveAll(path string) error
	// Rename atomically replaces newpath with oldpath (same directory or same FS).
	Rename(oldpath, newpath string) error
	// MkdirAll creates a directory and any missing parents.
	MkdirAll(path string, perm fs.FileMode) error
	// ReadDir lists a directory, sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	// Stat describes a path.
	Stat(name string) (fs.FileInfo, error)
	// SyncDir makes the directory's entries (creations, renames, removals)
	// durable, as fsync on the directory does.
	SyncDir(path string) error
}

// File is an open file. Its methods follow *os.File.
type File interface {
	io.Reader
	io.ReaderAt
	io.Writer
	io.WriterAt
	io.Seeker
	io.Closer
	// Name is the path the file was opened with.
	Name() string
	// Sync makes the file's written data durable (fdatasync on Linux: the
	// file size is part of what fdatasync persists, other metadata is not).
	Sync() error
	// Truncate changes the file's size.
	Truncate(size int64) error
	// Stat describes the open file.
	Stat() (fs.FileInfo, error)
}

// Mmapper is implemented by files that can be mapped into memory. Indexes use
// it when available and fall back to reading the file into a heap slice.
type Mmapper interface {
	// Mmap maps the first length bytes of the file read-write and shared:
	// stores into the slice become file contents (durable only after Sync or
	// Msync). The file must already be at least length bytes long.
	Mmap(length int) ([]byte, error)
	// Munmap releases a mapping returned by Mmap.
	Munmap(b []byte) error
	// Msync flushes a mapping's dirty pages to the file.
	Msync(b []byte) error
}

// OSFile is implemented by files backed by a real *os.File, for zero-copy
// (sendfile) transfer to sockets.
type OSFile interface {
	OSFile() *os.File
}
