/**
 * Recordings in and out of the page (README "Record and replay"): reading an imported file with
 * the protocol's one parser (so a file of another version is refused with the parser's words,
 * naming the line), the name an export is saved under, and where the scrubber's error marks go.
 */
import { parseRecording, type Recording } from '$protocol';

/** Larger files are refused before reading: the page would hold several copies of them. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

export type ImportResult = { ok: true; recording: Recording; name: string } | { ok: false; message: string };

/** Reads and checks a file the user chose or dropped; never throws. */
export async function readRecordingFile(file: { name: string; size: number; text(): Promise<string> }): Promise<ImportResult> {
  if (file.size > MAX_IMPORT_BYTES) {
    return {
      ok: false,
      message: `${file.name} is ${Math.round(file.size / 1048576)} MiB: the page imports recordings up to ${MAX_IMPORT_BYTES / 1048576} MiB`,
    };
  }
  let text: string;
  try {
    text = await file.text();
  } catch (err) {
    return { ok: false, message: `${file.name} could not be read: ${(err as Error).message}` };
  }
  return parseNamed(text, file.name);
}

/** Parses recording text (a file's, or `/api/recording`'s), naming `name` in the message. */
export function parseNamed(text: string, name: string): ImportResult {
  const parsed = parseRecording(text);
  if (!parsed.ok) return { ok: false, message: `${name} is not a recording this page can replay — line ${parsed.line}: ${parsed.message}` };
  return { ok: true, recording: parsed.recording, name };
}

/** `connscope-<run>-<yyyymmdd-hhmmss>.ndjson`, from the recording's own start. */
export function exportName(recording: Recording, at: number): string {
  const d = new Date(at);
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `connscope-${recording.header.runId.slice(0, 8)}-${stamp}.ndjson`;
}

/**
 * Where the scrubber marks errors: fractions of the span in [0, 1], one per `bins` cell at most
 * (a recording with 100,000 failed dials gets a few hundred marks, not 100,000 elements).
 */
export function markPositions(times: readonly number[], start: number, end: number, bins = 400): number[] {
  const span = end - start;
  if (span <= 0) return times.length > 0 ? [1] : [];
  const seen = new Set<number>();
  for (const t of times) seen.add(Math.min(bins, Math.max(0, Math.round(((t - start) / span) * bins))));
  return [...seen].sort((a, b) => a - b).map((b) => b / bins);
}
