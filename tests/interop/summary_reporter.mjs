// node:test reporter that ends the run with one plain line "N passed, N failed[, N skipped]"
// (suites are not counted, only tests), for CI log readers and humans alike.
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Suites are not counted: when a suite's hook fails, node reports each of its tests as failed
    // (cancelled) already; the process exit code still reflects any failure.
    if (event.data.details?.type === 'suite') continue;
    if (event.data.skip || event.data.todo) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
