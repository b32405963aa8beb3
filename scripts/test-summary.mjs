// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report.
import { readFileSync } from "node:fs";

const path = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(path, "utf8"));
} catch (error) {
  console.log(`no test report at ${path} (${error.message})`);
  console.log("0 passed, 1 failed");
  process.exit(0);
}
const passed = report.numPassedTests ?? 0;
const failedTests = report.numFailedTests ?? 0;
// A file that failed to load ran no test, yet the run has failed: count it.
const failed = failedTests === 0 && (report.numFailedTestSuites ?? 0) > 0 ? 1 : failedTests;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
