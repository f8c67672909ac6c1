package server

import "github.com/prometheus/client_golang/prometheus"

// metrics are the server's Prometheus series, registered on the injected
// Registerer.
type metrics struct {
	connections    prometheus.Gauge
	accepted       prometheus.Counter
	refused        prometheus.Counter
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	bytesIn        prometheus.Counter
	bytesOut       prometheus.Counter
	closedOnError  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "samsa", Subsystem: "server", Name: "connections", Help: "Open client connections."}),
		accepted:    prometheus.NewCounter(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "server", Name: "connections_accepted_total", Help: "Connections accepted."}),
		refused:     prometheus.NewCounter(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "server", Name: "connections_refused_total", Help: "Connections closed on accept because max.connections was reached."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "server", Name: "requests_total", Help: "Requests handled, by API."},
			[]string{"api"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "samsa", Subsystem: "server", Name: "request_duration_seconds", Help: "Time from a request's arrival to its response being written, by API.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 18)}, []string{"api"}),
		bytesIn:  prometheus.NewCounter(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "server", Name: "received_bytes_total", Help: "Request bytes received."}),
		bytesOut: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "server", Name: "sent_bytes_total", Help: "Response bytes sent."}),
		closedOnError: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "samsa", Subsystem: "server", Name: "connections_closed_on_error_total", Help: "Connections closed because of a bad request or a handler failure, by reason."},
			[]string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.accepted, m.refused, m.requests, m.requestSeconds, m.bytesIn, m.bytesOut, m.closedOnError)
	}
	return m
}
