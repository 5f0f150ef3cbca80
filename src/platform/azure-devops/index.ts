import { runTask } from './main.js';

process.exitCode = await runTask();
