package group

import "github.com/prometheus/client_golang/prometheus"

// metrics of the group coordinator, on the injected registerer.
type metrics struct {
	groups         *prometheus.GaugeVec
	rebalances     prometheus.Counter
	offsetCommits  prometheus.Counter
	offsetsExpired prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		groups: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "samsa_group_groups",
			Help: "Classic groups coordinated by this broker, by state."}, []string{"state"}),
		rebalances: prometheus.NewCounter(prometheus.CounterOpts{Name: "samsa_group_rebalances_total",
			Help: "Rebalances started (transitions to PreparingRebalance)."}),
		offsetCommits: prometheus.NewCounter(prometheus.CounterOpts{Name: "samsa_group_offset_commits_total",
			Help: "Partition offsets committed."}),
		offsetsExpired: prometheus.NewCounter(prometheus.CounterOpts{Name: "samsa_group_offsets_expired_total",
			Help: "Committed offsets removed by offsets.retention.minutes."}),
	}
	for _, s := range stateNames[:Dead] {
		m.groups.WithLabelValues(s)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.groups, m.rebalances, m.offsetCommits, m.offsetsExpired} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
