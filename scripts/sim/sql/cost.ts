/**
 * What a simulated database server costs: `npx tsx scripts/sim/sql/cost.ts [servers]` (default 5) starts that many
 * servers one after the other and prints the real time each start took, the first one with initdb, and the resident
 * memory each added (RSS after a garbage collection): `node --expose-gc --import tsx scripts/sim/sql/cost.ts [servers]`.
 */
import { SimDatabaseServers } from './servers';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`servers must be a whole number of at least 1, got ${process.argv[2]}`);
  const gc = (globalThis as { gc?: () => void }).gc;
  const servers = new SimDatabaseServers();
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  gc?.();
  const before = process.memoryUsage().rss;
  let last = before;
  let afterFirst = before;
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await servers.start(`cost-${i}`, { dataTime: new Date('2026-11-18T00:10:00Z') });
      const ms = performance.now() - t0;
      times.push(ms);
      gc?.();
      const rss = process.memoryUsage().rss;
      console.log(`server ${i + 1}: start ${ms.toFixed(0)} ms${i === 0 ? ' (with initdb)' : ''}, RSS +${mib(rss - last)} MiB (total +${mib(rss - before)} MiB)`);
      last = rss;
      if (i === 0) afterFirst = rss;
    }
    const later = times.slice(1);
    const rss = process.memoryUsage().rss;
    if (later.length > 0) console.log(`after the first: ${(later.reduce((a, b) => a + b, 0) / later.length).toFixed(0)} ms a start, ${mib((rss - afterFirst) / later.length)} MiB RSS a server, on average`);
  } finally {
    await servers.stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
