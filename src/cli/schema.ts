/** `npm run schema:emit` writes schema/schema.graphql; `npm run schema:check` fails if it is stale. */
import fs from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../graphql/schema';

const file = path.join(__dirname, '..', '..', 'schema', 'schema.graphql');
const sdl = printSchemaSdl();

if (process.argv.includes('--check')) {
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (committed !== sdl) {
    console.error('schema/schema.graphql does not match the code. Run `npm run schema:emit` and commit the result.');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date.');
} else {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, sdl);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
