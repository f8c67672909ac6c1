package controller

import "github.com/prometheus/client_golang/prometheus"

// metrics are the controller's Prometheus series, registered on the
// injected Registerer, never globally.
type metrics struct {
	operations     *prometheus.CounterVec
	errors         *prometheus.CounterVec
	commitSeconds  prometheus.Histogram
	offset         prometheus.Gauge
	rejected       prometheus.Counter
	leader         prometheus.Gauge
	startupSeconds prometheus.Gauge
}

// newMetrics creates the series and registers them on reg when it is not nil.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "operations_total",
			Help: "Controller operations by kind (create_topics, delete_topics, ...), whatever their outcome.",
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "operation_errors_total",
			Help: "Controller operations that failed as a whole (not committed: not controller, closed, timed out); per-item validation errors are not counted.",
		}, []string{"op"}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "apply_duration_seconds",
			Help:    "Time from proposing a batch of metadata records to raft until the state machine applied it.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		offset: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "metadata_offset",
			Help: "Metadata log offset (raft index) of the latest published metadata image.",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "rejected_entries_total",
			Help: "Metadata log entries the state machine rejected as corrupt or inconsistent with the image.",
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "is_leader",
			Help: "1 while this node is the active controller.",
		}),
		startupSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "samsa", Subsystem: "controller", Name: "startup_duration_seconds",
			Help: "Time Start took to become leader and catch up.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.operations, m.errors, m.commitSeconds, m.offset, m.rejected, m.leader, m.startupSeconds)
	}
	return m
}
