# Samsa build entry points. `make test` is what CI runs (.ci/run calls it).
GO ?= go
PKGS := ./...

.PHONY: all build run test test-race test-long test-robust test-compat test-compat-kfake test-cli vet fmt fmt-check bench bench-storage bench-broker bench-group deps

all: build

build:
	$(GO) build -o bin/samsa ./cmd/samsa

# run: a single-node Samsa on 127.0.0.1:9092 with data under ./data.
run: build
	./bin/samsa server

# deps installs what the tests need when it is missing: Go modules, and the
# compatibility suite's clients (kcat, confluent-kafka-python, kafka-python,
# node + kafkajs).
deps:
	@scripts/deps.sh

# test is the whole suite: formatting, vet, the race-enabled short suite,
# then the long tests (model, recovery fuzz corpus, crash tests) without -race,
# then the robustness tests, the compatibility suite and the CLI tests, which
# run the real binary.
test: deps fmt-check vet test-race test-long test-robust test-compat test-cli

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	$(GO) vet -tags robust ./test/robust/
	$(GO) vet -tags cli ./test/cli/
	$(GO) vet -tags compat ./test/compat/...
	$(GO) vet -tags perf ./bench/

test-race:
	$(GO) test -race -short -count=1 -timeout 15m $(PKGS)

test-long:
	$(GO) test -count=1 -timeout 15m -run 'Long|Model|Crash|Recovery' $(PKGS)

# test-robust runs test/robust's heavy tests, behind the `robust` build tag:
# the samsa binary SIGKILLed under acks=all and acks=1 producers, and a clean
# restart with 1,000 partitions (under a minute on 2 cores). The package's
# light tests (bad input, idempotent retries) are untagged and already ran in
# test-race, hence the -run.
test-robust:
	$(GO) test -tags robust -count=1 -timeout 10m -run 'Crash|Long' -v ./test/robust/

# test-compat: the samsa binary (fresh data dir, free ports) driven by real,
# unmodified clients: franz-go, sarama, kafka-go, kcat, confluent-kafka-python,
# kafka-python, kafkajs. The build tag keeps it out of ./... (docs/compatibility.md).
test-compat: deps build
	$(GO) vet -tags compat ./test/compat/
	SAMSA_BIN=$(CURDIR)/bin/samsa $(GO) test -tags compat -count=1 -v -timeout 10m ./test/compat/

# test-cli: every `samsa` client verb (topic, produce, consume, group, config,
# cluster, perf, perf suite at a tiny scale) run as the real binary against a
# samsa server on a fresh data dir and free ports; effects checked with kadm.
test-cli: build
	SAMSA_BIN=$(CURDIR)/bin/samsa $(GO) test -tags cli -count=1 -v -timeout 5m ./test/cli/

# test-compat-kfake runs the compatibility suite's consumer-group tests
# against franz-go's kfake instead of Samsa (test/compat/kfakesrv, a kfake
# behind `samsa server`'s command line): the reference the group tests were
# developed against. Not part of `make test`.
test-compat-kfake: deps
	$(GO) build -o bin/kfakesrv ./test/compat/kfakesrv
	SAMSA_BIN=$(CURDIR)/bin/kfakesrv $(GO) test -tags compat -count=1 -v -timeout 10m -run 'TestGroup' ./test/compat/

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# bench-storage prints the log engine's performance targets beside same-run
# references (raw writes, preads, sendfile), with ratios: docs/performance.md.
# It takes under a minute on a 2-core VM and about 1.5 GiB of temp space; it
# reports the numbers and never fails on one.
bench-storage:
	$(GO) test -tags perf -run TestStoragePerformanceReport -v -timeout 30m ./internal/storage/

fmt:
	gofmt -w $$(git ls-files '*.go')

# bench-broker: produce/consume/latency against Samsa and franz-go's kfake in
# one run, with ratios (docs/performance.md).
bench-broker:
	$(GO) test -count=1 -tags perf -run TestBrokerVsKfake -v -timeout 30m ./bench/

# bench-group: consumer-group rebalance time (10 franz-go members, 100
# partitions) and OffsetCommit throughput against Samsa and kfake in one run,
# with ratios (docs/performance.md). About a minute.
bench-group:
	$(GO) test -count=1 -tags perf -run TestGroupVsKfake -v -timeout 30m ./bench/
