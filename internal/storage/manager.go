package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// ManagerOptions configure a Manager (Kafka's log.* broker settings).
type ManagerOptions struct {
	// FS is the file system (fileutil.OS() in production).
	FS fileutil.FS
	// LogDirs are the log directories (log.dirs).
	LogDirs []string
	// LogOptions returns the options for a topic's logs (topic configs over
	// broker defaults). Nil means DefaultOptions for every topic.
	LogOptions func(topic string) Options
	// RetentionCheckInterval (log.retention.check.interval.ms) is how often
	// retention runs.
	RetentionCheckInterval time.Duration
	// FlushCheckInterval (log.flush.scheduler.interval.ms) is how often logs
	// are checked against their flush.ms.
	FlushCheckInterval time.Duration
	// CheckpointInterval (log.flush.offset.checkpoint.interval.ms) is how
	// often the recovery-point and log-start-offset checkpoints are written.
	CheckpointInterval time.Duration
	// RecoveryThreads is how many logs open in parallel per log dir
	// (num.recovery.threads.per.data.dir).
	RecoveryThreads int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultManagerOptions are Kafka's defaults for dirs.
func DefaultManagerOptions(dirs ...string) ManagerOptions {
	return ManagerOptions{
		FS:                     fileutil.OS(),
		LogDirs:                dirs,
		RetentionCheckInterval: 5 * time.Minute,
		FlushCheckInterval:     time.Second,
		CheckpointInterval:     time.Minute,
		RecoveryThreads:        max(2, runtime.GOMAXPROCS(0)),
	}
}

// Validate reports the first option out of range.
func (o ManagerOptions) Validate() error {
	switch {
	case o.FS == nil:
		return errors.New("storage: ManagerOptions.FS is nil")
	case len(o.LogDirs) == 0:
		return errors.New("storage: no log dirs")
	case o.RetentionCheckInterval <= 0 || o.FlushCheckInterval <= 0 || o.CheckpointInterval <= 0:
		return errors.New("storage: manager intervals must be positive")
	case o.RecoveryThreads < 1:
		return errors.New("storage: RecoveryThreads must be at least 1")
	}
	return nil
}

// Manager owns the log directories and every partition log in them.
//
// Concurrency: mu guards the maps; logs have their own locking. Background
// goroutines (retention, flush scheduler, checkpoints, directory deletion)
// are owned by the Manager and stopped by Close.
type Manager struct {
	opts    ManagerOptions
	logger  *slog.Logger
	metrics *metrics

	// createMu serializes log creation, so that Open's file I/O happens
	// outside mu (a failing Open reports through markDirFailed, which takes mu).
	createMu sync.Mutex
	mu       sync.Mutex
	logs     map[TopicPartition]*Log
	logDir   map[TopicPartition]string // which log dir each log lives in
	failed   map[string]error          // offline log dirs and why
	closed   bool
	// dirLocks hold every log dir's ".lock" until Close.
	dirLocks []io.Closer

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewManager opens every log in every log dir, in parallel, and starts the
// background work. A log dir that cannot be read is reported by FailedDirs
// (and logged) instead of failing the whole Manager; NewManager fails only
// when no log dir is usable, or when another process holds a log dir's
// ".lock" (ErrLogDirLocked): two processes writing the same logs would
// corrupt them.
func NewManager(opts ManagerOptions, logger *slog.Logger, reg prometheus.Registerer) (*Manager, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LogOptions == nil {
		opts.LogOptions = func(string) Options { return DefaultOptions() }
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Manager{
		opts: opts, logger: logger, metrics: newMetrics(reg),
		logs: map[TopicPartition]*Log{}, logDir: map[TopicPartition]string{}, failed: map[string]error{},
	}
	if err := m.lockDirs(); err != nil {
		return nil, err
	}
	for _, dir := range opts.LogDirs {
		if err := m.loadDir(dir); err != nil {
			m.markDirFailed(dir, err)
		}
	}
	if len(m.failed) == len(opts.LogDirs) {
		m.closeLogs()
		m.unlockDirs()
		return nil, fmt.Errorf("%w: every log dir failed: %v", ErrLogDirFailed, m.failed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.every(ctx, opts.RetentionCheckInterval, m.runRetention)
	m.every(ctx, opts.FlushCheckInterval, m.runFlushScheduler)
	m.every(ctx, opts.CheckpointInterval, func() { m.writeCheckpoints() })
	return m, nil
}

// lockDirs takes every log dir's lock, when the file system has locks.
// A dir whose lock cannot even be created is left to loadDir, which then
// fails it the usual way.
func (m *Manager) lockDirs() error {
	locker, ok := m.opts.FS.(fileutil.Locker)
	if !ok {
		return nil
	}
	for _, dir := range m.opts.LogDirs {
		if err := m.opts.FS.MkdirAll(dir, 0o755); err != nil {
			continue
		}
		l, err := locker.Lock(filepath.Join(dir, lockFile))
		if errors.Is(err, fileutil.ErrLocked) {
			m.unlockDirs()
			return fmt.Errorf("%w: %s is in use by another process (%v)", ErrLogDirLocked, dir, err)
		}
		if err != nil {
			m.logger.Warn("cannot lock log dir", "dir", dir, "err", err)
			continue
		}
		m.dirLocks = append(m.dirLocks, l)
	}
	return nil
}

func (m *Manager) unlockDirs() {
	for _, l := range m.dirLocks {
		l.Close()
	}
	m.dirLocks = nil
}

// loadDir opens every log in one log dir.
func (m *Manager) loadDir(dir string) error {
	fsys := m.opts.FS
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return err
	}
	_, statErr := fsys.Stat(filepath.Join(dir, cleanShutdownFile))
	clean := statErr == nil
	recoveryPoints, err := readCheckpoint(fsys, filepath.Join(dir, recoveryPointCheckpointFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.logger.Warn("unreadable recovery point checkpoint; recovering every log fully", "dir", dir, "err", err)
		clean = false
	}
	startOffsets, err := readCheckpoint(fsys, filepath.Join(dir, logStartOffsetCheckpointFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.logger.Warn("unreadable log start offset checkpoint", "dir", dir, "err", err)
	}

	var tps []TopicPartition
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			continue // checkpoints, markers, meta.properties
		}
		if name == MetadataDirName {
			continue // the controller's metadata log, not a partition
		}
		if strings.HasSuffix(name, deleteDirSuffix) {
			m.removeInBackground(filepath.Join(dir, name))
			continue
		}
		tp, ok := parseTopicPartition(name)
		if !ok {
			m.logger.Warn("ignoring directory that is not a partition log", "dir", dir, "name", name, "err", ErrNotLogDir)
			continue
		}
		tps = append(tps, tp)
	}

	type result struct {
		tp  TopicPartition
		log *Log
		err error
	}
	work := make(chan TopicPartition)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(m.opts.RecoveryThreads, max(len(tps), 1)) {
		wg.Go(func() {
			for tp := range work {
				l, err := Open(LogConfig{
					FS: fsys, Dir: filepath.Join(dir, tp.String()), Options: m.opts.LogOptions(tp.Topic),
					Logger: m.logger, RecoveryPoint: recoveryPoints[tp], LogStartOffset: startOffsets[tp],
					CleanShutdown: clean, Now: m.opts.Now, metrics: m.metrics,
					onFailure: func(err error) { m.markDirFailed(dir, err) },
				})
				results <- result{tp, l, err}
			}
		})
	}
	go func() {
		for _, tp := range tps {
			work <- tp
		}
		close(work)
		wg.Wait()
		close(results)
	}()
	var errs []error
	for r := range results {
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.tp, r.err))
			continue
		}
		m.mu.Lock()
		m.logs[r.tp] = r.log
		m.logDir[r.tp] = dir
		m.mu.Unlock()
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// The marker described the previous shutdown; from now on a crash must
	// cause recovery, so it goes before anything is appended.
	if clean {
		if err := fsys.Remove(filepath.Join(dir, cleanShutdownFile)); err != nil {
			return err
		}
		if err := fsys.SyncDir(dir); err != nil {
			return err
		}
	}
	m.logger.Info("loaded log dir", "dir", dir, "logs", len(tps), "clean", clean)
	return nil
}

// MetadataDirName is the directory of the controller's metadata log inside a
// log dir (Kafka's "__cluster_metadata-0"). The Manager leaves it alone.
const MetadataDirName = "__cluster_metadata-0"

// deleteDirSuffix marks a partition directory being deleted.
const deleteDirSuffix = "-delete"

// GetOrCreateLog returns the partition's log, creating it in the online log
// dir holding the fewest logs when it does not exist.
func (m *Manager) GetOrCreateLog(tp TopicPartition) (*Log, error) {
	if !validTopicName(tp.Topic) || tp.Partition < 0 {
		return nil, fmt.Errorf("storage: invalid topic partition %q", tp)
	}
	if l, ok := m.Log(tp); ok {
		return l, nil
	}
	m.createMu.Lock()
	defer m.createMu.Unlock()
	m.mu.Lock()
	l, ok := m.logs[tp]
	closed := m.closed
	dir, err := m.pickDirLocked()
	m.mu.Unlock()
	switch {
	case ok:
		return l, nil
	case closed:
		return nil, ErrClosed
	case err != nil:
		return nil, err
	}
	l, err = Open(LogConfig{
		FS: m.opts.FS, Dir: filepath.Join(dir, tp.String()), Options: m.opts.LogOptions(tp.Topic),
		Logger: m.logger, CleanShutdown: true, Now: m.opts.Now, metrics: m.metrics,
		onFailure: func(err error) { m.markDirFailed(dir, err) },
	})
	if err != nil {
		return nil, err
	}
	// The partition directory's own entry must be durable before its data is.
	if err := m.opts.FS.SyncDir(dir); err != nil {
		l.Close()
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logs[tp] = l
	m.logDir[tp] = dir
	return l, nil
}

// pickDirLocked chooses the online log dir with the fewest logs.
func (m *Manager) pickDirLocked() (string, error) {
	counts := map[string]int{}
	for _, d := range m.logDir {
		counts[d]++
	}
	best := ""
	for _, d := range m.opts.LogDirs {
		if _, bad := m.failed[d]; bad {
			continue
		}
		if best == "" || counts[d] < counts[best] {
			best = d
		}
	}
	if best == "" {
		return "", ErrLogDirFailed
	}
	return best, nil
}

// Log returns an existing partition log.
func (m *Manager) Log(tp TopicPartition) (*Log, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.logs[tp]
	return l, ok
}

// Logs returns every open log.
func (m *Manager) Logs() map[TopicPartition]*Log {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[TopicPartition]*Log, len(m.logs))
	for tp, l := range m.logs {
		out[tp] = l
	}
	return out
}

// DeleteLog removes a partition log: it is closed, its directory renamed to
// "<topic>-<partition>.<unique>-delete" (so a crash cannot resurrect it) and
// removed in the background, as Kafka does.
func (m *Manager) DeleteLog(tp TopicPartition) error {
	m.mu.Lock()
	l, ok := m.logs[tp]
	dir := m.logDir[tp]
	delete(m.logs, tp)
	delete(m.logDir, tp)
	m.mu.Unlock()
	if !ok {
		return nil
	}
	if err := l.Close(); err != nil {
		m.logger.Warn("closing deleted log", "log", tp, "err", err)
	}
	doomed := filepath.Join(dir, fmt.Sprintf("%s.%d%s", tp, m.opts.Now().UnixNano(), deleteDirSuffix))
	if err := m.opts.FS.Rename(l.Dir(), doomed); err != nil {
		return fmt.Errorf("storage: rename %s for deletion: %w", l.Dir(), err)
	}
	if err := m.opts.FS.SyncDir(dir); err != nil {
		return err
	}
	m.removeInBackground(doomed)
	return nil
}

// removeInBackground deletes a directory tree on a goroutine Close waits for.
func (m *Manager) removeInBackground(path string) {
	m.wg.Go(func() {
		if err := m.opts.FS.RemoveAll(path); err != nil {
			m.logger.Warn("removing deleted log dir", "path", path, "err", err)
		}
	})
}

// FailedDirs returns the offline log dirs and why each failed.
func (m *Manager) FailedDirs() map[string]error {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]error, len(m.failed))
	for d, err := range m.failed {
		out[d] = err
	}
	return out
}

// markDirFailed takes a log dir offline: its logs refuse writes (reads of
// what they hold keep working) and no new log is placed there.
func (m *Manager) markDirFailed(dir string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, already := m.failed[dir]; already {
		return
	}
	m.failed[dir] = err
	m.metrics.offlineDirs.Inc()
	m.logger.Error("log dir failed; it is offline", "dir", dir, "err", err)
	for tp, d := range m.logDir {
		if d == dir {
			m.logs[tp].failed.Store(true)
		}
	}
}

// every runs fn every interval until ctx ends, on a goroutine Close waits for.
func (m *Manager) every(ctx context.Context, interval time.Duration, fn func()) {
	m.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	})
}

// runRetention applies retention to every log and expires idle producers.
func (m *Manager) runRetention() {
	now := m.opts.Now()
	for _, l := range m.Logs() {
		l.DeleteOldSegments()
		l.expireProducers(now)
	}
}

// runFlushScheduler flushes logs whose flush.ms is due.
func (m *Manager) runFlushScheduler() {
	now := m.opts.Now()
	for tp, l := range m.Logs() {
		if err := l.flushIfDue(now); err != nil && !errors.Is(err, ErrClosed) {
			m.logger.Warn("scheduled flush failed", "log", tp, "err", err)
		}
	}
}

// writeCheckpoints writes each online dir's recovery-point and
// log-start-offset checkpoints.
func (m *Manager) writeCheckpoints() error {
	m.mu.Lock()
	byDir := map[string]map[TopicPartition]*Log{}
	for tp, l := range m.logs {
		d := m.logDir[tp]
		if _, bad := m.failed[d]; bad {
			continue
		}
		if byDir[d] == nil {
			byDir[d] = map[TopicPartition]*Log{}
		}
		byDir[d][tp] = l
	}
	for _, d := range m.opts.LogDirs {
		if _, bad := m.failed[d]; !bad && byDir[d] == nil {
			byDir[d] = map[TopicPartition]*Log{}
		}
	}
	m.mu.Unlock()
	var errs []error
	for dir, logs := range byDir {
		rp := make(map[TopicPartition]int64, len(logs))
		lso := make(map[TopicPartition]int64, len(logs))
		for tp, l := range logs {
			rp[tp] = l.RecoveryPoint()
			lso[tp] = l.LogStartOffset()
		}
		errs = append(errs,
			writeCheckpoint(m.opts.FS, filepath.Join(dir, recoveryPointCheckpointFile), rp),
			writeCheckpoint(m.opts.FS, filepath.Join(dir, logStartOffsetCheckpointFile), lso))
	}
	err := errors.Join(errs...)
	if err != nil {
		m.logger.Warn("writing checkpoints", "err", err)
	}
	return err
}

// Close stops the background work, closes every log (flushing it and taking
// a producer snapshot), writes the checkpoints and, for each log dir where
// all of that succeeded, the clean-shutdown marker that lets the next start
// skip recovery.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()

	failedDirs := m.closeLogs()
	errs := []error{m.writeCheckpoints()}
	for _, dir := range m.opts.LogDirs {
		if _, bad := m.FailedDirs()[dir]; bad || failedDirs[dir] {
			continue
		}
		path := filepath.Join(dir, cleanShutdownFile)
		f, err := m.opts.FS.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err == nil {
			err = errors.Join(f.Sync(), f.Close(), m.opts.FS.SyncDir(dir))
		}
		errs = append(errs, err)
	}
	m.unlockDirs() // last: the dir is consistent and marked clean
	return errors.Join(errs...)
}

// closeLogs closes every log in parallel and returns the dirs where a close failed.
func (m *Manager) closeLogs() map[string]bool {
	m.mu.Lock()
	logs := make(map[TopicPartition]*Log, len(m.logs))
	dirs := make(map[TopicPartition]string, len(m.logs))
	for tp, l := range m.logs {
		logs[tp], dirs[tp] = l, m.logDir[tp]
	}
	m.mu.Unlock()
	var mu sync.Mutex
	bad := map[string]bool{}
	sem := make(chan struct{}, m.opts.RecoveryThreads)
	var wg sync.WaitGroup
	for tp, l := range logs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := l.Close(); err != nil {
				m.logger.Error("closing log", "log", tp, "err", err)
				mu.Lock()
				bad[dirs[tp]] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return bad
}
