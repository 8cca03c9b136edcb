import type { RedisClient } from '../store/redis.js';

/**
 * A namespace's broadcasts from any process, through Redis (the workers' side of the adapter):
 * what AttemptNotifier and ProctorFeed need of @socket.io/redis-emitter, and no more.
 */
export interface NamespaceBroadcaster {
  to(rooms: string | string[]): { emit(event: string, ...args: unknown[]): unknown };
  serverSideEmit(event: string, ...args: unknown[]): unknown;
}

/** socket.io-adapter's ClusterMessage types and socket.io-parser's EVENT packet type */
const BROADCAST = 3;
const SERVER_SIDE_EMIT = 9;
const EVENT_PACKET = 2;
/** the uid the ClusterAdapter expects of emitters: not a peer server, never answered */
const EMITTER_UID = 'emitter';

/**
 * The publisher for the sharded adapter. @socket.io/redis-emitter 5.1 only speaks to the classic
 * adapter (PUBLISH, msgpack `[uid, packet, opts]` on `<key>#<nsp>#`); it has no sharded mode
 * (socketio/socket.io-redis-emitter#127). This does what @socket.io/redis-adapter 8.3's
 * ShardedRedisAdapter (dist/sharded-adapter.js) does when it broadcasts itself: a ClusterMessage,
 * JSON-encoded (our payloads carry no binary), SPUBLISHed on `<prefix>#<nsp>#`, or on the room's own
 * channel `<prefix>#<nsp>#<room>#` for a broadcast to one room (its default "dynamic" mode: only
 * gateways with a socket in that room subscribe to it). Fire and forget, like the emitter.
 */
export class ShardedEmitter {
  constructor(
    private readonly redis: RedisClient,
    /** the adapter's `channelPrefix` */
    private readonly channelPrefix: string,
    private readonly onError: (err: Error) => void,
  ) {}

  of(nsp: string): NamespaceBroadcaster {
    const channel = `${this.channelPrefix}#${nsp}#`;
    const publish = (to: string, message: object) => void this.redis.spublish(to, JSON.stringify({ uid: EMITTER_UID, nsp, ...message })).catch(this.onError);
    return {
      to: (target) => ({
        emit: (event, ...args) => {
          const rooms = [...new Set(Array.isArray(target) ? target : [target])];
          const packet = { type: EVENT_PACKET, data: [event, ...args], nsp };
          publish(rooms.length === 1 && !looksLikeASocketId(rooms[0]!) ? `${channel}${rooms[0]}#` : channel, {
            type: BROADCAST,
            data: { packet, opts: { rooms, except: [], flags: {} } },
          });
          return true;
        },
      }),
      serverSideEmit: (event, ...args) => publish(channel, { type: SERVER_SIDE_EMIT, data: { packet: [event, ...args] } }),
    };
  }
}

/** the sharded adapter's own test: a socket's private room (20-character id) never has a channel of its own */
function looksLikeASocketId(room: string): boolean {
  return room.length === 20;
}
