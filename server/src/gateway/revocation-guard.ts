import type { Namespace, Socket } from 'socket.io';
import { noticeCovers, TOKENS_REVOKED_EVENT, type RevocationNotice, type TokenSubject } from '../auth/revocations.js';
import type { Logger } from '../observability/logger.js';

/** Notices are kept this long for sockets whose handshake check passed just before the revocation landed. */
const RECENT_NOTICE_MS = 10_000;

/**
 * Closes this gateway's sockets that a revocation covers, when the revoker's notice arrives through
 * the adapter (every gateway gets it and looks only at its own sockets: revocations are rare, so a
 * pass over the namespace's sockets is cheaper than an index kept up at every join).
 * `connected` catches the race where a socket passed the Redis check just before the revocation
 * was written but arrived in the namespace after its notice.
 */
export function closeRevokedSockets<S extends Socket>(nsp: Namespace, subjectOf: (socket: S) => TokenSubject | undefined, logger: Logger) {
  const recent: Array<{ at: number; notice: RevocationNotice }> = [];
  const prune = () => {
    const cutoff = Date.now() - RECENT_NOTICE_MS;
    while (recent.length > 0 && recent[0]!.at < cutoff) recent.shift();
  };
  nsp.on(TOKENS_REVOKED_EVENT as never, ((notice: RevocationNotice) => {
    prune();
    recent.push({ at: Date.now(), notice });
    let closed = 0;
    for (const socket of nsp.sockets.values()) {
      const subject = subjectOf(socket as S);
      if (subject && noticeCovers(notice, subject)) {
        socket.disconnect(true);
        closed++;
      }
    }
    if (closed > 0) logger.info({ namespace: nsp.name, closed, notice }, 'sockets of revoked tokens closed');
  }) as never);

  return {
    /** true when a notice received moments ago covers this new socket (it has just been closed) */
    connected(socket: S): boolean {
      if (recent.length === 0) return false;
      prune();
      const subject = subjectOf(socket);
      if (!subject || !recent.some((r) => noticeCovers(r.notice, subject))) return false;
      socket.disconnect(true);
      return true;
    },
  };
}
