// `npm run clean`: remove build output (never data or secrets).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, log } from './lib.mjs';

for (const dir of ['packages', 'services']) {
  for (const name of fs.readdirSync(path.join(ROOT, dir))) {
    for (const out of ['dist', '.next']) {
      const target = path.join(ROOT, dir, name, out);
      if (fs.existsSync(target)) {
        fs.rmSync(target, { recursive: true, force: true });
        log(`removed ${path.relative(ROOT, target)}`);
      }
    }
  }
}
