package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// Log is one partition's log: an ordered list of segments, the last of
// which (the active segment) takes appends.
//
// Concurrency: mu serializes every change (append, roll, truncate, retention,
// close). Readers (Read, FindOffsetByTimestamp, the offset getters) take no
// lock: they load the segment list from an atomic pointer, and the offsets
// from atomics that are published only after the bytes they cover are written.
type Log struct {
	fsys    fileutil.FS
	dir     string
	opts    Options
	logger  *slog.Logger
	metrics *metrics
	now     func() time.Time

	mu sync.Mutex
	// segments is the current immutable segment list, oldest first; a change
	// stores a new slice.
	segments atomic.Pointer[[]*segment]

	logEndOffset   atomic.Int64
	logStartOffset atomic.Int64
	// recoveryPoint is the offset below which every byte is durable.
	recoveryPoint atomic.Int64
	// oldestUnflushed is when (unix ms) the first append not yet covered by
	// an fdatasync happened; 0 when everything is flushed.
	oldestUnflushed atomic.Int64

	// Guarded by mu.
	unflushedMessages int64
	closed            bool
	pstate            *producerStateManager

	// syncMu lets one fdatasync run at a time: callers that arrive while one
	// runs wait for it, and the next one covers all of them (group commit).
	syncMu sync.Mutex
	// dirDirty is set when segment files were created (or renamed) in the
	// directory since its last fsync.
	dirDirty atomic.Bool
	// failed is set after an fdatasync error: the page cache state is then
	// unknown, so the log takes no more writes (PostgreSQL's fsyncgate lesson).
	failed atomic.Bool
	// onFailure, when set, tells the Manager the log directory failed.
	onFailure func(error)
	// deletes tracks deleted segments whose files are still open.
	deletes segmentDeleter
}

// LogConfig describes the log Open loads.
type LogConfig struct {
	FS      fileutil.FS
	Dir     string
	Options Options
	Logger  *slog.Logger
	// RecoveryPoint is the checkpointed offset below which data was durable.
	RecoveryPoint int64
	// LogStartOffset is the checkpointed log start offset (DeleteRecords and
	// retention move it forward). It never goes below the first segment.
	LogStartOffset int64
	// CleanShutdown skips the recovery scan: the log was closed cleanly.
	CleanShutdown bool
	// Now is the clock (time.Now when nil); tests inject their own.
	Now func() time.Time
	// metrics are shared by the Manager's logs; nil means unregistered ones.
	metrics *metrics
	// onFailure is the Manager's log-dir failure hook.
	onFailure func(error)
}

// Open loads the partition log in cfg.Dir, creating the directory if needed.
// After an unclean shutdown every segment holding offsets at or after the
// recovery point is scanned; a torn or corrupt tail is cut off and logged.
func Open(cfg LogConfig) (*Log, error) {
	if err := cfg.Options.Validate(); err != nil {
		return nil, err
	}
	if cfg.FS == nil {
		return nil, errors.New("storage: LogConfig.FS is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.metrics == nil {
		cfg.metrics = newMetrics(nil)
	}
	if err := cfg.FS.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("storage: create log dir: %w", err)
	}
	l := &Log{
		fsys: cfg.FS, dir: cfg.Dir, opts: cfg.Options,
		logger: cfg.Logger.With("log", cfg.Dir), metrics: cfg.metrics, now: cfg.Now,
		onFailure: cfg.onFailure,
		pstate:    newProducerStateManager(cfg.FS, cfg.Dir, cfg.Options.ProducerIDExpiration),
	}
	if err := l.load(cfg); err != nil {
		l.closeSegments()
		return nil, err
	}
	return l, nil
}

// load opens the segments and recovers what needs it.
func (l *Log) load(cfg LogConfig) error {
	bases, err := l.scanDir()
	if err != nil {
		return err
	}
	var segs []*segment
	for i, base := range bases {
		s, err := openSegment(l.fsys, l.dir, base, l.opts, i == len(bases)-1)
		if err != nil {
			closeAll(segs)
			return err
		}
		segs = append(segs, s)
	}

	// recoverFrom is the first segment to rescan: none after a clean
	// shutdown, else the one holding the recovery point.
	recovered := !cfg.CleanShutdown
	recoverFrom := len(segs)
	if !cfg.CleanShutdown {
		recoverFrom = 0
		for recoverFrom+1 < len(segs) && segs[recoverFrom+1].baseOffset <= cfg.RecoveryPoint {
			recoverFrom++
		}
	}
	// Segments we do not rescan must have indexes that agree with their logs.
	// Any doubt turns into a full recovery from that segment on, which also
	// drops whatever follows a cut.
	for i := 0; i < recoverFrom; i++ {
		if _, err := segs[i].checkIndexes(); err != nil {
			l.logger.Warn("segment failed its index check; recovering from it", "segment", segs[i].baseOffset, "err", err)
			recoverFrom = i
			recovered = true
			break
		}
	}
	if recoverFrom < len(segs) {
		if segs, err = l.recoverSegments(segs, recoverFrom); err != nil {
			closeAll(segs)
			return err
		}
	}

	if len(segs) == 0 {
		s, err := createSegment(l.fsys, l.dir, max(cfg.LogStartOffset, 0), l.opts, l.jitter())
		if err != nil {
			return err
		}
		l.dirDirty.Store(true)
		segs = append(segs, s)
	}
	active := segs[len(segs)-1]
	if recovered {
		// Recovery may have cut away the segments after this one, which then
		// opened with sealed, trimmed indexes: give them room for appends.
		if err := errors.Join(active.offIdx.resize(l.opts.MaxIndexBytes), active.timeIdx.resize(l.opts.MaxIndexBytes)); err != nil {
			closeAll(segs)
			return err
		}
	}
	leo, err := active.nextOffset()
	if err != nil {
		closeAll(segs)
		return err
	}
	if active.size.Load() > 0 {
		active.rollBase = l.now().UnixMilli()
	}
	l.segments.Store(&segs)
	l.logEndOffset.Store(leo)
	l.logStartOffset.Store(min(max(cfg.LogStartOffset, segs[0].baseOffset), leo))
	if recovered {
		// Recovered bytes were checked, not necessarily synced: make them
		// durable before calling them the recovery point.
		for _, s := range segs {
			s.dirty.Store(true)
		}
		l.dirDirty.Store(true)
		if err := l.Flush(); err != nil {
			return err
		}
	} else {
		l.recoveryPoint.Store(leo)
	}
	return l.loadProducerState()
}

// recoverSegments rescans segs[from:]. At the first segment with a bad tail,
// it cuts the tail and deletes every later segment: nothing after the first
// bad byte is ever served.
func (l *Log) recoverSegments(segs []*segment, from int) ([]*segment, error) {
	minOffset := int64(0)
	if from > 0 {
		next, err := segs[from-1].nextOffset()
		if err != nil {
			return segs, err
		}
		minOffset = next
	}
	for i := from; i < len(segs); i++ {
		s := segs[i]
		res, err := s.recover(minOffset, l.opts.IndexIntervalBytes, nil)
		if err != nil {
			return segs, err
		}
		l.metrics.recoveredBytes.Add(float64(res.validBytes))
		minOffset = res.nextOffset
		if res.cause == nil && i+1 < len(segs) && segs[i+1].baseOffset != res.nextOffset {
			// Writeback order between files is not guaranteed: a later
			// segment can survive a crash that an earlier one did not. Data
			// after a hole is not served.
			res.cause = fmt.Errorf("segment ends at offset %d but the next one starts at %d", res.nextOffset, segs[i+1].baseOffset)
		}
		if res.cause == nil {
			continue
		}
		l.logger.Warn("truncated corrupt or torn log tail",
			"file", s.file.Name(), "position", res.validBytes, "bytes_removed", res.truncatedBytes, "cause", res.cause)
		l.metrics.truncatedBytes.Add(float64(res.truncatedBytes))
		for _, later := range segs[i+1:] {
			l.logger.Warn("deleting segment after a corrupt one", "file", later.file.Name())
			if err := errors.Join(later.close(), l.removeSegmentFiles(later.baseOffset)); err != nil {
				return segs[:i+1], err
			}
		}
		segs = segs[:i+1]
		break
	}
	// A segment that recovery emptied (its first batch was bad), other than
	// the first, goes too: the next append creates it again.
	for len(segs) > 1 && segs[len(segs)-1].size.Load() == 0 {
		last := segs[len(segs)-1]
		if err := errors.Join(last.close(), l.removeSegmentFiles(last.baseOffset)); err != nil {
			return segs, err
		}
		segs = segs[:len(segs)-1]
	}
	// Only the active segment keeps preallocated indexes.
	for _, s := range segs[:len(segs)-1] {
		if err := s.onBecomeInactive(); err != nil {
			return segs, err
		}
	}
	return segs, nil
}

// scanDir lists the segment base offsets in the log directory and tidies
// what a crash can leave behind: *.deleted and *.tmp files are removed, as
// are index files without a .log. Unknown files are reported, not fatal.
func (l *Log) scanDir() ([]int64, error) {
	entries, err := l.fsys.ReadDir(l.dir)
	if err != nil {
		return nil, fmt.Errorf("storage: read log dir: %w", err)
	}
	logs := map[int64]bool{}
	var orphans []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			l.logger.Warn("ignoring stray directory in log dir", "name", name)
			continue
		}
		switch {
		case strings.HasSuffix(name, deletedSuffix), strings.HasSuffix(name, tmpSuffix),
			strings.HasSuffix(name, cleanedSuffix), strings.HasSuffix(name, swapSuffix):
			// Leftovers of an interrupted delete, checkpoint or compaction.
			if err := l.fsys.Remove(l.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("storage: remove leftover %s: %w", name, err)
			}
			continue
		case name == leaderEpochCheckpointFile || name == partitionMetadataFile:
			continue
		}
		off, suffix, ok := parseOffsetFileName(name)
		if !ok {
			l.logger.Warn("ignoring stray file in log dir", "name", name)
			continue
		}
		switch suffix {
		case logSuffix:
			logs[off] = true
		case indexSuffix, timeIndexSuffix, txnIndexSuffix:
			orphans = append(orphans, name)
		case snapshotSuffix:
		default:
			l.logger.Warn("ignoring stray file in log dir", "name", name)
		}
	}
	for _, name := range orphans {
		off, _, _ := parseOffsetFileName(name)
		if !logs[off] {
			l.logger.Warn("removing index without a log segment", "name", name)
			if err := l.fsys.Remove(l.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	bases := make([]int64, 0, len(logs))
	for off := range logs {
		bases = append(bases, off)
	}
	slices.Sort(bases)
	return bases, nil
}

// Files in a partition directory other than segments.
const (
	leaderEpochCheckpointFile = "leader-epoch-checkpoint"
	partitionMetadataFile     = "partition.metadata"
)

func (l *Log) path(name string) string { return l.dir + "/" + name }

// removeSegmentFiles deletes a segment's files by base offset.
func (l *Log) removeSegmentFiles(base int64) error {
	logPath, idxPath, timePath := segmentPaths(l.dir, base)
	var errs []error
	for _, p := range []string{logPath, idxPath, timePath} {
		if err := l.fsys.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	l.dirDirty.Store(true)
	return errors.Join(errs...)
}

// loadProducerState restores the idempotent-producer state: the latest
// snapshot at or below the log end offset, then the batches after it.
func (l *Log) loadProducerState() error {
	if err := l.pstate.truncateAndReload(l.logStartOffset.Load(), l.logEndOffset.Load()); err != nil {
		return err
	}
	return l.replayProducerState(l.pstate.mapEndOffset())
}

// replayProducerState feeds every batch from offset from to the log end to
// the producer state. The state needs only batch headers, and the bytes were
// just validated (recovery) or are trusted (clean open, truncation of valid
// data), so it reads 61-byte headers, not whole batches: replaying 1 GiB of
// 16 KiB batches is 65,536 small preads.
func (l *Log) replayProducerState(from int64) error {
	from = max(from, l.logStartOffset.Load())
	segs := l.segs()
	i := max(sort.Search(len(segs), func(i int) bool { return segs[i].baseOffset > from })-1, 0)
	var hdr [record.HeaderSize]byte
	for _, s := range segs[i:] {
		size := s.size.Load()
		pos := int64(0)
		if from > s.baseOffset {
			_, p := s.offIdx.lookup(from)
			pos = int64(p)
		}
		for pos < size {
			bp, ok, err := s.readHeader(pos, size, hdr[:])
			if err != nil {
				return fmt.Errorf("storage: replay producer state: %w", err)
			}
			if !ok {
				break
			}
			if bp.lastOffset >= from {
				// A header-only Batch: update reads header fields only.
				l.pstate.update(record.Batch(hdr[:]))
			}
			pos += bp.size
		}
	}
	return nil
}

// jitter draws this segment's random roll jitter.
func (l *Log) jitter() time.Duration {
	if l.opts.SegmentJitter <= 0 {
		return 0
	}
	return rand.N(l.opts.SegmentJitter)
}

// segs returns the current segment list (do not modify it).
func (l *Log) segs() []*segment { return *l.segments.Load() }

// Dir is the log's directory.
func (l *Log) Dir() string { return l.dir }

// LogEndOffset is the offset the next appended record will get.
func (l *Log) LogEndOffset() int64 { return l.logEndOffset.Load() }

// LogStartOffset is the first offset that may be read.
func (l *Log) LogStartOffset() int64 { return l.logStartOffset.Load() }

// RecoveryPoint is the offset below which every record is durable.
func (l *Log) RecoveryPoint() int64 { return l.recoveryPoint.Load() }

// Size is the total bytes of all segments.
func (l *Log) Size() int64 {
	var n int64
	for _, s := range l.segs() {
		n += s.size.Load()
	}
	return n
}

// NumSegments is the number of segments.
func (l *Log) NumSegments() int { return len(l.segs()) }

// Options returns the log's settings.
func (l *Log) Options() Options {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.opts
}

// SetOptions changes the settings (a topic config change). They apply from
// the next append, roll or retention pass.
func (l *Log) SetOptions(o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opts = o
	return nil
}

// Close flushes the log, writes a producer-state snapshot, trims and syncs
// the active segment's indexes and closes every file. The log is then clean:
// a later Open with CleanShutdown skips recovery. Flushing under both locks
// means no append can slip in between the flush and the close.
func (l *Log) Close() error {
	l.syncMu.Lock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.syncMu.Unlock()
		return nil
	}
	l.closed = true
	var errs []error
	if !l.failed.Load() {
		errs = append(errs, l.syncAllLocked())
	}
	errs = append(errs, l.pstate.takeSnapshot())
	segs := l.segs()
	errs = append(errs, segs[len(segs)-1].onBecomeInactive())
	errs = append(errs, l.closeSegments())
	l.mu.Unlock()
	l.syncMu.Unlock()
	// Deleted segments still waiting out file.delete.delay.ms go now; their
	// removal takes syncMu, so this runs after both locks are released.
	l.deletes.flush()
	return errors.Join(errs...)
}

func (l *Log) closeSegments() error {
	p := l.segments.Load()
	if p == nil {
		return nil
	}
	return closeAll(*p)
}

func closeAll(segs []*segment) error {
	var errs []error
	for _, s := range segs {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// expireProducers forgets idle idempotent producers (producer.id.expiration.ms).
func (l *Log) expireProducers(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.pstate.removeExpiredProducers(now)
	}
}
