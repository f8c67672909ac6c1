# Samsa build entry points. `make test` is what CI runs (.ci/run calls it).
GO ?= go
PKGS := ./...

.PHONY: all build run test test-race test-long test-compat vet fmt fmt-check bench bench-storage deps

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
# the long tests (model, recovery fuzz corpus, crash tests) without -race,
# then the compatibility suite.
test: deps fmt-check vet test-race test-long test-compat

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

test-race:
	$(GO) test -race -short -count=1 -timeout 15m $(PKGS)

test-long:
	$(GO) test -count=1 -timeout 15m -run 'Long|Model|Crash|Recovery' $(PKGS)

# test-compat: the samsa binary (fresh data dir, free ports) driven by real,
# unmodified clients: franz-go, sarama, kafka-go, kcat, confluent-kafka-python,
# kafka-python, kafkajs. The build tag keeps it out of ./... (docs/compatibility.md).
test-compat: deps build
	$(GO) vet -tags compat ./test/compat/
	SAMSA_BIN=$(CURDIR)/bin/samsa $(GO) test -tags compat -count=1 -v -timeout 10m ./test/compat/

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
