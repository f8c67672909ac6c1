// Package bench holds end-to-end performance harnesses. They are tests
// behind the `perf` build tag, so the normal suite never runs them and they
// never assert a time: they print figures beside a reference measured in
// the same run (franz-go's in-memory kfake cluster), and the ratios.
//
//	make bench-broker
package bench
