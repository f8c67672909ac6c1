package storage

import (
	"io/fs"
	"sync/atomic"
	"syscall"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

func osFS() fileutil.FS { return fileutil.OS() }

// syncCountingFS counts File.Sync calls (fdatasyncs).
type syncCountingFS struct {
	fileutil.FS
	syncs atomic.Int64
}

func (c *syncCountingFS) OpenFile(name string, flag int, perm fs.FileMode) (fileutil.File, error) {
	f, err := c.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &syncCountingFile{File: f, n: &c.syncs}, nil
}

type syncCountingFile struct {
	fileutil.File
	n *atomic.Int64
}

func (f *syncCountingFile) Sync() error { f.n.Add(1); return f.File.Sync() }

var errNoSpace = syscall.ENOSPC
