// The soak's reference beside the server: the same fixed piece of JavaScript work (build, stringify
// and parse a 500-field object, as a request handler does with JSON) ten times a second, in a
// process of its own, printing how long each took (ms). On a shared machine the speed the server
// gets changes from minute to minute; this says by how much, so a soak can tell the machine's
// changes from the server's.
const work = () => {
  const record = {}
  for (let i = 0; i < 500; i++) record[`field${i}`] = { id: i, name: `name ${i}`, tags: ['a', 'b', String(i)], at: new Date(i * 1000).toISOString() }
  return JSON.parse(JSON.stringify(record))
}
for (let i = 0; i < 50; i++) work()
setInterval(() => {
  const started = performance.now()
  for (let i = 0; i < 2; i++) work()
  process.stdout.write(`${(performance.now() - started).toFixed(3)}\n`)
}, 100)
