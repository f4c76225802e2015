/** The measured child's handle on its load process (bench/core/loader.ts). */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../server/package-info.ts';
import type { LoaderCommand, LoaderReply } from './loader.ts';

export class Loader {
  readonly #child: ChildProcess;
  constructor() {
    this.#child = fork(join(packageRoot(), 'bench', 'core', 'loader.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  ask(cmd: LoaderCommand): Promise<LoaderReply> {
    return new Promise((resolve, reject) => {
      this.#child.once('message', (m: LoaderReply & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      this.#child.send(cmd);
    });
  }
  stop(): void {
    this.#child.disconnect();
  }
}
