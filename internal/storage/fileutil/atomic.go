package fileutil

import (
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces name with data so that after a crash the file holds
// either its old or its new contents, never a mix: write name+".tmp", fsync
// it, rename it over name, fsync the directory. Kafka writes its checkpoint
// files the same way.
//
// On an error before the rename it removes the temporary file (best effort:
// a crash may still leave one behind, which the next call truncates). An
// error from the final SyncDir means the new contents are visible but may
// not survive a crash.
func WriteFileAtomic(fsys FS, name string, data []byte) error {
	tmp := name + ".tmp"
	if err := writeSynced(fsys, tmp, data); err != nil {
		_ = fsys.Remove(tmp) // best effort: the first error is the one to report
		return err
	}
	if err := fsys.Rename(tmp, name); err != nil {
		_ = fsys.Remove(tmp) // best effort: the first error is the one to report
		return err
	}
	return fsys.SyncDir(filepath.Dir(name))
}

// writeSynced creates or truncates name, writes data and fsyncs it.
func writeSynced(fsys FS, name string, data []byte) error {
	f, err := fsys.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadFile reads a whole file, like os.ReadFile: it reads to end of file, so
// a file that grows or shrinks while it is read yields what was read, not an
// error.
func ReadFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 0
	if st, err := f.Stat(); err == nil {
		size = int(st.Size())
	}
	// One spare byte so that a file of the expected size ends with a
	// zero-length read reporting io.EOF instead of a reallocation.
	buf := make([]byte, 0, size+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}
