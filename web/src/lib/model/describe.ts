/**
 * One line of plain text per wire event, for the event log, its rows' accessible names and the
 * detail panel. Pure: the same event always reads the same.
 */
import { assertNever, type WireEvent } from '$protocol';
import { formatDuration } from '../format.ts';

/** A sentence describing `ev` (no seq or time: the log shows those in their own columns). */
export function describeEvent(ev: WireEvent): string {
  switch (ev.kind) {
    case 'conn:state': {
      const who = `#${ev.id} ${ev.persistent ? 'persistent ' : ''}${ev.type} ${ev.addr}`;
      const move = ev.from === null ? `→ ${ev.to}` : `${ev.from} → ${ev.to}`;
      const why = ev.code ? `${ev.reason}, ${ev.code}` : ev.reason;
      let text = `${who}: ${move} (${why})`;
      if (ev.to === 'failing' && ev.attempt !== undefined) text += `; attempt ${ev.attempt}`;
      if (ev.retryAt !== undefined) text += `, next try in ${formatDuration(ev.retryAt - ev.at)}`;
      return text;
    }
    case 'inbound:rejected':
      return `inbound from ${ev.remote} rejected on ${ev.listener} (${ev.reason})`;
    case 'listener:state':
      return `listener ${ev.address} ${ev.state}${ev.reason ? ` (${ev.reason})` : ''}`;
    case 'outbound:throttled':
      return `automatic outbound throttled after ${ev.failedAttempts} failures in a row; next attempt in ${formatDuration(ev.delayMs)}`;
    case 'manager:state':
      return `manager ${ev.state}`;
    case 'config:changed': {
      const parts = Object.entries(ev)
        .filter(([k]) => k !== 'seq' && k !== 'at' && k !== 'kind')
        .map(([k, value]) => `${k} = ${String(value)}`);
      return `config changed: ${parts.join(', ') || '(nothing)'}`;
    }
    case 'peer:penalized': {
      const parts = [ev.persistent > 0 ? `+${ev.persistent} persistent` : '', ev.transient > 0 ? `+${ev.transient} transient` : '']
        .filter(Boolean)
        .join(', ');
      const warn = ev.warned ? ' — past the warning threshold' : '';
      return `${ev.host} penalized for #${ev.id} (${ev.reason}): ${parts || '+0'}, ban score ${ev.score}${warn}`;
    }
    case 'peer:banned':
      return `${ev.host} banned for ${formatDuration(ev.until - ev.at)} (${ev.reason}${ev.score === undefined ? '' : `, score ${ev.score}`})`;
    case 'peer:unbanned':
      return `${ev.host} ${ev.reason === 'expired' ? 'ban expired' : 'unbanned'}`;
    case 'lab:state': {
      const running = ev.state.peers.filter((p) => p.state === 'running').length;
      const flood = ev.state.flood.active ? `flood on (${ev.state.flood.connections} connections)` : 'flood off';
      return `lab: ${running} peer${running === 1 ? '' : 's'} running, ${flood}`;
    }
    default:
      return assertNever(ev, 'event kind');
  }
}
