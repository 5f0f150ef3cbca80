import { Writable } from 'node:stream';
import * as tl from 'azure-pipelines-task-lib/task.js';

/**
 * Runs `read` with task-lib's output dropped. task-lib writes every input and variable value it reads to the debug
 * log before the task can mask it; secrets are read this way, so a SAS pasted into the YAML never reaches the log.
 */
export function quietly<T>(read: () => T): T {
  tl.setStdStream(new Writable({ write: (_chunk, _encoding, done) => done() }));
  try {
    return read();
  } finally {
    tl.setStdStream(process.stdout);
  }
}
