/**
 * Reading the recording `connscope replay FILE` serves: the whole file, parsed by the same
 * `parseRecording` the page uses (server/protocol/recording.ts). Any problem — a missing file, one
 * that is not a recording, another version, missing events, a cut-off last line — is one
 * `RecordingFileError` whose message names the file and, for a parse problem, the line.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseRecording, type Recording } from '../protocol/index.ts';

export interface LoadedRecording {
  readonly recording: Recording;
  /** The file's bytes, exactly as read (what `GET /api/recording` sends back). */
  readonly bytes: Buffer;
  /** The file's name without its directory (for `hello.replay.file` and the download's name). */
  readonly file: string;
}

export class RecordingFileError extends Error {
  override readonly name = 'RecordingFileError';
  constructor(
    message: string,
    /** The line at fault, for a file that is not a valid recording. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Reads and parses `path`; rejects with a `RecordingFileError` that says what is wrong where. */
export async function loadRecording(path: string): Promise<LoadedRecording> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw new RecordingFileError(`cannot read ${path}: ${why}`);
  }
  const parsed = parseRecording(bytes.toString('utf8'));
  if (!parsed.ok) throw new RecordingFileError(`${path}: line ${parsed.line}: ${parsed.message}`, parsed.line);
  return { recording: parsed.recording, bytes, file: basename(path) };
}
