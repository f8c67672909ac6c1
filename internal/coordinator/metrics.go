package coordinator

import "github.com/prometheus/client_golang/prometheus"

// metrics are a Runtime's, labelled by its coordinator name.
type metrics struct {
	loaded        prometheus.Gauge
	rewrites      prometheus.Counter
	appendedBytes prometheus.Counter
}

func newMetrics(name string, reg prometheus.Registerer) (*metrics, error) {
	labels := prometheus.Labels{"coordinator": name}
	m := &metrics{
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "samsa_coordinator_loaded_partitions", ConstLabels: labels,
			Help: "Coordinator topic partitions loaded and served by this broker."}),
		rewrites: prometheus.NewCounter(prometheus.CounterOpts{Name: "samsa_coordinator_rewrites_total", ConstLabels: labels,
			Help: "Times a shard rewrote its live state to bound its log."}),
		appendedBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "samsa_coordinator_appended_bytes_total", ConstLabels: labels,
			Help: "Bytes of coordinator records appended."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.loaded, m.rewrites, m.appendedBytes} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
