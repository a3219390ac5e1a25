// Prints "N passed, N failed" from vitest's JSON report. A suite that failed
// outside any test (import error, failing hook) counts as one failure, and so
// does a non-zero exit with nothing failed in the report (e.g. a failed build).
// Failed checks before the tests (lint, typecheck) are added as failures.
const fs = require('node:fs');
const [reportPath, exitCode, checksFailed = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  for (const suite of report.testResults) {
    if (suite.status === 'failed' && !suite.assertionResults.some((a) => a.status === 'failed')) failed += 1;
  }
} catch {
  failed = 1;
}
failed += Number(checksFailed);
if (Number(exitCode) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
