/** The measured child's handle on its load process (bench/core/loader.mjs, plain node: no tsx to start). */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../server/package-info.ts';

export type LoaderCommand =
  | { op: 'sink' }
  | { op: 'open'; port: number; n: number; conc: number }
  | { op: 'shed'; port: number; n: number; conc: number }
  | { op: 'closeAll' };
export interface LoaderReply {
  port?: number;
  opened?: number;
  failed?: number;
}

export class Loader {
  readonly #child: ChildProcess;
  constructor() {
    this.#child = fork(join(packageRoot(), 'bench', 'core', 'loader.mjs'), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  ask(cmd: LoaderCommand): Promise<LoaderReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load process exited (${code})`));
      this.#child.once('exit', onExit);
      this.#child.once('message', (m: LoaderReply & { error?: string }) => {
        this.#child.off('exit', onExit);
        if (m.error) reject(new Error(m.error));
        else resolve(m);
      });
      this.#child.send(cmd);
    });
  }
  stop(): void {
    this.#child.disconnect();
  }
}
