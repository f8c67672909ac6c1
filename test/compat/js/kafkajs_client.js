'use strict'
// kafkajs client for the Samsa compatibility suite (test/compat/kafkajs_test.go).
//
// Usage: node kafkajs_client.js create|run|delete SPEC.json
// The spec (harness_test.go: type spec) names the bootstrap address, topic,
// codecs and records (bytes as base64, a null key as null). The script prints
// one JSON result (harness_test.go: type result) as its last stdout line.
//
// create/delete: admin.createTopics / admin.deleteTopics.
// run: a producer per codec (kafkajs has only gzip built in: none and gzip),
// each record to its spec partition, acks -1. kafkajs's consumer only works
// in a consumer group (JoinGroup/SyncGroup/OffsetFetch), which Samsa does not
// serve yet, so the records are read back with kafkajs's own Fetch
// implementation (Broker.fetch on the cluster a Kafka instance builds; the
// same request and decoder its consumer uses) from offset 0 of each
// partition; the Go test also reads them with franz-go. Time lookups:
// admin.fetchTopicOffsetsByTimestamp.
const fs = require('fs')
const { Kafka, CompressionTypes, Partitioners, logLevel } = require('kafkajs')

const STEP_TIMEOUT_MS = 60000
const FUTURE_DELTA_MS = 3600 * 1000 // a lookup after the last record
const CODEC_PAUSE_MS = 20 // distinct timestamps per codec (harness_test.go codecPause)
const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }

function loadSpec () {
  const [phase, path] = process.argv.slice(2)
  if (!['create', 'run', 'delete'].includes(phase) || !path) {
    throw new Error('usage: node kafkajs_client.js create|run|delete SPEC.json')
  }
  const spec = JSON.parse(fs.readFileSync(path, 'utf8'))
  for (const r of spec.records) {
    r.k = r.k === null ? null : Buffer.from(r.k, 'base64')
    r.v = Buffer.from(r.v, 'base64')
    r.h = (r.h || []).map(h => [h.key, Buffer.from(h.value, 'base64')])
  }
  return { phase, spec }
}

const b64 = b => (b === null || b === undefined ? null : Buffer.from(b).toString('base64'))

function newKafka (spec) {
  const level = spec.debug ? logLevel.DEBUG : logLevel.WARN
  return new Kafka({
    clientId: 'samsa-compat',
    brokers: [spec.bootstrap],
    logLevel: level,
    requestTimeout: 30000,
    retry: { retries: 5 }
  })
}

async function withAdmin (spec, fn) {
  const admin = newKafka(spec).admin()
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect()
  }
}

async function create (spec) {
  await withAdmin(spec, admin => admin.createTopics({
    topics: [{ topic: spec.topic, numPartitions: spec.partitions, replicationFactor: 1 }],
    waitForLeaders: true,
    timeout: 30000
  }))
}

async function del (spec) {
  await withAdmin(spec, admin => admin.deleteTopics({ topics: [spec.topic], timeout: 30000 }))
}

// consumeAll reads the topic from the beginning with kafkajs's consumer (a
// consumer group of one, so it is assigned every partition) until it has
// `want[p]` records of partition p. Nothing is committed.
async function consumeAll (kafka, spec, want) {
  const consumer = kafka.consumer({ groupId: `${spec.topic}-reader`, sessionTimeout: 10000, maxWaitTimeInMs: 500 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic: spec.topic, fromBeginning: true })
    const records = []
    const got = {}
    for (const p of Object.keys(want)) got[p] = 0
    const complete = () => Object.keys(want).every(p => got[p] >= want[p])
    let done
    const finished = new Promise(resolve => { done = resolve })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        records.push({
          p: partition,
          o: Number(m.offset),
          k: b64(m.key),
          v: b64(m.value),
          h: Object.entries(m.headers || {}).map(([key, value]) => ({ key, value: b64(value) })),
          ts: Number(m.timestamp)
        })
        got[partition] = (got[partition] || 0) + 1
        if (complete()) done()
      }
    })
    if (!complete()) {
      let timer
      const timeout = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`consume timed out at ${JSON.stringify(got)} of ${JSON.stringify(want)}`)), STEP_TIMEOUT_MS)
      })
      try {
        await Promise.race([finished, timeout])
      } finally {
        clearTimeout(timer) // a pending timer would keep node running
      }
    }
    return records
  } finally {
    await consumer.disconnect()
  }
}

async function run (spec) {
  const version = require('kafkajs/package.json').version
  const result = {
    client: 'kafkajs',
    version: `kafkajs ${version}, node ${process.version}`,
    skipped_codecs: {},
    records: [],
    time_lookups: [],
    notes: []
  }
  const kafka = newKafka(spec)
  for (const codec of spec.codecs) {
    if (!(codec in CODECS)) throw new Error(`kafkajs has no built-in ${codec} codec; the Go test must not ask for it`)
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
    await producer.connect()
    const messages = spec.records.filter(r => r.codec === codec).map(r => ({
      partition: r.p,
      key: r.k,
      value: r.v,
      headers: Object.fromEntries(r.h)
    }))
    await producer.send({ topic: spec.topic, acks: -1, timeout: 30000, compression: CODECS[codec], messages })
    await producer.disconnect()
    await new Promise(resolve => setTimeout(resolve, CODEC_PAUSE_MS))
  }
  const want = {}
  for (let p = 0; p < spec.partitions; p++) want[p] = 0
  for (const r of spec.records) want[r.p]++
  result.records = await consumeAll(kafka, spec, want)

  // Per partition, the timestamp of the middle record and one an hour after
  // the last record (harness_test.go lookupQueries).
  const byP = {}
  for (const r of result.records) (byP[r.p] = byP[r.p] || []).push(r)
  const queries = []
  for (const [p, rs] of Object.entries(byP)) {
    rs.sort((a, b) => a.o - b.o)
    queries.push([Number(p), rs[Math.floor(rs.length / 2)].ts])
    queries.push([Number(p), Math.max(...rs.map(r => r.ts)) + FUTURE_DELTA_MS])
  }
  await withAdmin(spec, async admin => {
    for (const [p, ts] of queries) {
      const answer = await admin.fetchTopicOffsetsByTimestamp(spec.topic, ts)
      const po = answer.find(x => x.partition === p)
      if (!po) throw new Error(`fetchTopicOffsetsByTimestamp: no partition ${p} in ${JSON.stringify(answer)}`)
      result.time_lookups.push({ p, ts, o: Number(po.offset), method: 'admin.fetchTopicOffsetsByTimestamp' })
    }
  })
  return result
}

async function main () {
  const { phase, spec } = loadSpec()
  const timer = setTimeout(() => { console.error('kafkajs_client: step timed out'); process.exit(2) }, 3 * STEP_TIMEOUT_MS)
  let out = { client: 'kafkajs' }
  if (phase === 'create') await create(spec)
  else if (phase === 'delete') await del(spec)
  else out = await run(spec)
  clearTimeout(timer)
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch(e => {
  console.error('kafkajs_client failed:', e && e.stack ? e.stack : e)
  process.exit(1)
})
