package storage

import "github.com/prometheus/client_golang/prometheus"

// metrics are the log engine's Prometheus series, shared by every log of a
// Manager. They are registered on the injected Registerer, never globally.
type metrics struct {
	appendedBytes   prometheus.Counter
	appendedRecords prometheus.Counter
	appendErrors    prometheus.Counter
	readBytes       prometheus.Counter
	rolls           prometheus.Counter
	deletedSegments prometheus.Counter
	recoveredBytes  prometheus.Counter
	truncatedBytes  prometheus.Counter
	flushSeconds    prometheus.Histogram
	offlineDirs     prometheus.Gauge
}

// newMetrics creates the series and registers them on reg when it is not nil.
func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "storage", Name: name, Help: help})
	}
	m := &metrics{
		appendedBytes:   counter("appended_bytes_total", "Bytes of record batches appended to logs."),
		appendedRecords: counter("appended_records_total", "Records appended to logs."),
		appendErrors:    counter("append_errors_total", "Appends that failed with an I/O error."),
		readBytes:       counter("read_bytes_total", "Bytes of log data handed to readers."),
		rolls:           counter("segment_rolls_total", "Segments rolled."),
		deletedSegments: counter("deleted_segments_total", "Segments deleted by retention, truncation or DeleteRecords."),
		recoveredBytes:  counter("recovered_bytes_total", "Bytes scanned by recovery after an unclean shutdown."),
		truncatedBytes:  counter("recovery_truncated_bytes_total", "Torn or corrupt bytes cut off by recovery."),
		flushSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "samsa", Subsystem: "storage", Name: "flush_duration_seconds",
			Help:    "Time of one group-commit flush (directory and segment fdatasyncs).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		offlineDirs: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "samsa", Subsystem: "storage", Name: "offline_log_dirs",
			Help: "Log directories taken offline after an I/O error.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.appendedBytes, m.appendedRecords, m.appendErrors, m.readBytes, m.rolls,
			m.deletedSegments, m.recoveredBytes, m.truncatedBytes, m.flushSeconds, m.offlineDirs)
	}
	return m
}
