// The order jest starts test files in (test/jest.config.js). Jest's own order: the files that failed last time, then the
// longest by the timings of earlier runs, then files without timings by size. In a fresh clone no file has timings,
// and the longest ones (the simulations, the operator commands) are small files: they started last and the run
// waited for them at the end. Here a file without timings gets the seconds test/support/tiers.js measured for it.
const Sequencer = require('@jest/test-sequencer').default;
const { estimatedSeconds } = require('./tiers');

class LongestFirst extends Sequencer {
  time(test) {
    const seconds = estimatedSeconds(test.context.config.rootDir, test.path);
    return super.time(test) ?? (seconds === undefined ? undefined : seconds * 1000);
  }

  sort(tests) {
    // Jest runs files without timings first; the estimates make every slow file timed, so they come after the fast
    // files of a fresh clone. Longest first overall instead: failed, then timed or estimated by duration, then by size.
    const sorted = super.sort(tests);
    const failed = sorted.filter((test) => this.hasFailed(test));
    const rest = sorted.filter((test) => !this.hasFailed(test));
    const timed = rest.filter((test) => test.duration != null).sort((a, b) => b.duration - a.duration);
    return [...failed, ...timed, ...rest.filter((test) => test.duration == null)];
  }
}

module.exports = LongestFirst;
