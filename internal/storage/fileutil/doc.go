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
// Durability model (both implementations, MemFS enforces it):
//   - file contents written with Write/WriteAt are durable only after File.Sync;
//   - creating, renaming or removing a directory entry is durable only after
//     FS.SyncDir on the parent directory.
//
// Concurrency: an FS is safe for concurrent use. A File is safe for concurrent
// ReadAt calls alongside a single writer (the same guarantee pread/pwrite give).
//
// This package is a leaf (layer L1): it imports only the standard library.
package fileutil
