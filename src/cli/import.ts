/**
 * `npm run import -- <customers|purchases|touchpoints|referrals> FILE [--max-errors N] [--format csv|ndjson|cdnow]
 * [--create-customers] [--json]`: the bulk import (docs/import.md) from a file, through the same
 * service as `POST /import/<kind>`. A progress bar on a terminal (rows, rows/s, ETA from the bytes
 * read), plain progress lines otherwise; then the report. Exit code 0 when committed, 1 when
 * nothing was written, 2 for bad arguments.
 */
import 'reflect-metadata';
import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { runCli, withDatabase } from './run';
import { createServices } from '../services';
import { systemClock } from '../shared/clock';
import { IMPORT_FORMATS, IMPORT_KINDS, type ImportFormat, type ImportKind } from '../modules/imports/import.kinds';
import type { ImportReport } from '../modules/imports/import.service';

const USAGE = `Usage: npm run import -- <${IMPORT_KINDS.join('|')}> FILE [options]

  --max-errors N      bad rows tolerated; with more, nothing is written (default 0)
  --format F          csv, ndjson or cdnow (default: from the file name, .ndjson/.jsonl → ndjson, else csv)
  --create-customers  purchases: create customers for unknown externalIds (implied by --format cdnow)
  --json              print the report as JSON
  --help              show this text

Connects to DATABASE_URL, or starts the embedded PostgreSQL under DATA_DIR. Columns: docs/import.md.`;

/** Progress on stderr: a bar on a terminal, a line every few seconds otherwise. */
function progress(
  kind: ImportKind,
  file: string,
  totalBytes: number,
  bytesRead: () => number,
  stream: NodeJS.WriteStream = process.stderr,
) {
  const started = Date.now();
  const rate = (rows: number) => Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001));
  if (!stream.isTTY) {
    let last = 0;
    return {
      update(rows: number) {
        if (Date.now() - last < 2000) return;
        last = Date.now();
        const pct = totalBytes ? Math.floor((bytesRead() * 100) / totalBytes) : 0;
        stream.write(`import ${kind}: ${rows} rows read (${pct} %, ${rate(rows)} rows/s)\n`);
      },
      stop(rows: number) {
        stream.write(`import ${kind}: ${rows} rows read from ${file}; checking and merging\n`);
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `Importing ${kind} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
      hideCursor: true,
      fps: 10,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(totalBytes, 1), 0, { rows: 0, rate: 0 });
  return {
    update(rows: number) {
      bar.update(bytesRead(), { rows, rate: rate(rows) });
    },
    stop(rows: number) {
      bar.update(Math.max(totalBytes, 1), { rows, rate: rate(rows) });
      bar.stop();
      stream.write('Checking and merging…\n');
    },
  };
}

export function formatReport(r: ImportReport): string {
  const lines = [
    `${r.committed ? 'Committed' : 'NOT committed: nothing was written'} (${r.kind}, ${r.format}, ${r.durationMs} ms)`,
    `  rows ${r.rows}  inserted ${r.inserted}  updated ${r.updated}  skipped ${r.skipped}  bad rows ${r.errorRows} (max ${r.maxErrors})`,
  ];
  if (r.customersCreated) lines.push(`  customers created ${r.customersCreated}`);
  if (r.stageChanges) lines.push(`  stage changes ${r.stageChanges}`);
  if (r.ignoredColumns.length) lines.push(`  ignored columns: ${r.ignoredColumns.join(', ')}`);
  for (const e of r.errors) lines.push(`  line ${e.line}${e.column ? `, ${e.column}` : ''}: ${e.reason}`);
  if (r.errorRows > r.errors.length) lines.push(`  … ${r.errorRows - r.errors.length} more bad rows not listed`);
  return lines.join('\n');
}

async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      'max-errors': { type: 'string' },
      format: { type: 'string' },
      'create-customers': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [kind, file] = positionals as [string | undefined, string | undefined];
  if (!kind || !(IMPORT_KINDS as readonly string[]).includes(kind) || !file || positionals.length > 2) {
    console.error(USAGE);
    return 2;
  }
  const maxErrors = values['max-errors'] === undefined ? 0 : Number(values['max-errors']);
  if (!Number.isInteger(maxErrors) || maxErrors < 0) {
    console.error(`--max-errors must be a whole number of 0 or more, got "${values['max-errors']}"`);
    return 2;
  }
  const format = (values.format ?? (/\.(ndjson|jsonl)$/i.test(file) ? 'ndjson' : 'csv')) as ImportFormat;
  if (!IMPORT_FORMATS.includes(format) || (format === 'cdnow' && kind !== 'purchases')) {
    console.error(`--format must be csv or ndjson (or cdnow for purchases), got "${values.format}"`);
    return 2;
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    console.error(`Cannot read ${file}.`);
    return 2;
  }

  return withDatabase(
    { applicationName: 'customer-graph-import', logLevel: (l) => (l === 'debug' ? l : 'warn') },
    async ({ ds, log, config }) => {
      const services = createServices(ds, systemClock, { referralCost: config.referralCost ?? null, log });
      const input = createReadStream(file, { highWaterMark: 256 * 1024 });
      const bar = progress(kind as ImportKind, file, size, () => input.bytesRead);
      let rows = 0;
      const report = await services.imports.run(kind as ImportKind, input, {
        format,
        maxErrors,
        createCustomers: values['create-customers'] || format === 'cdnow',
        onProgress: (n) => {
          if (n !== rows || n === 0) bar.update(n);
          rows = n;
        },
        onStaged: (n) => bar.stop(n),
      });
      // Scores of customers with new purchases are refreshed before the command ends.
      await services.analytics.models.idle();
      console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return report.committed ? 0 : 1;
    },
  );
}

runCli(run);
