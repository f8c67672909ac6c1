// Package fileutil is the file-system seam under the log engine.
//
// Every byte the storage package reads or writes goes through the FS and File
// interfaces declared here, so that tests can substitute MemFS: an in-memory
// file system that fails a chosen operation on demand and can simulate a power
// cut by dropping every byte that was not made durable with Sync/SyncDir.
//
// Two implementations live here:
//   - OSFS, the real file system (os package, fdatasync, mmap via syscall);
//   - MemFS, for tests (fault injection and crash simulation).
//
// Helpers over any FS: WriteFileAtomic (the tmp+fsync+rename+fsync-dir
// protocol for checkpoint files) and ReadFile.
//
// Durability model (both implementations, MemFS enforces it):
//   - file contents written with Write/WriteAt, stores through an Mmap slice
//     and size changes (Truncate, O_TRUNC) are durable only after File.Sync
//     (or Mmapper.Msync);
//   - creating, renaming or removing a directory entry is durable only after
//     FS.SyncDir on the parent directory; a rename between directories needs
//     both synced;
//   - a Sync that fails makes nothing durable.
//
// MemFS models the disk with two copies of everything: each file has its
// current bytes and its bytes as of the last Sync; each directory has its
// current entries and its entries as of the last SyncDir. MemFS.Crash throws
// the current copies away: names revert per directory to the last SyncDir,
// files revert to their last Sync (never synced: empty), and every open File
// dies with fs.ErrClosed. MemFS.CrashTorn does the same but keeps a random
// prefix of each file's unsynced appended bytes, as a torn write would.
// Directories made by MkdirAll are durable at once, a simplification that
// keeps test setup short (code must still SyncDir after its own file
// creations, renames and removals).
//
// MemFS fault injection (MemFS.InjectFault) fails the n-th matching call of a
// kind (Op), optionally only for paths containing a string, once, several
// times or forever; a failing write can be torn. MemFS.SetCapacity makes the
// disk full: writes past it store what fits and fail with syscall.ENOSPC.
//
// Errors: both implementations return *fs.PathError (*os.LinkError for
// Rename) wrapping the same errno values (syscall.ENOENT, EEXIST, ENOTDIR,
// ENOTEMPTY, EISDIR, EBADF, ENOSPC, ...), and fs.ErrClosed for any call on a
// closed File, so errors.Is works alike on both: with the fs sentinels
// (fs.ErrNotExist, fs.ErrExist, fs.ErrPermission) or with the errno. MemFS's
// invalid-argument errors match both fs.ErrInvalid and syscall.EINVAL.
//
// Concurrency: an FS is safe for concurrent use. A File is safe for concurrent
// ReadAt calls alongside a single writer (the same guarantee pread/pwrite give).
// MemFS.Crash may run concurrently with anything; File calls in flight finish
// first and are wholly before the crash.
//
// This package is a leaf (layer L1): it imports only the standard library.
package fileutil
