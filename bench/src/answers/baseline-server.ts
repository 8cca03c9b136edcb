/**
 * The bare Socket.IO 4.8 + uWebSockets.js echo server of the baseline (forked by baseline.ts).
 * Nothing but `echo` with an ack: no auth, no validation, no adapter. Tells its parent the port.
 */
import uWS from '@trufflesuite/uws-js-unofficial';
import { Server } from 'socket.io';

const app = uWS.App();
const io = new Server({ serveClient: false, transports: ['websocket'] });
io.attachApp(app);
io.on('connection', (socket) => {
  socket.on('echo', (x: unknown, ack: unknown) => {
    if (typeof ack === 'function') ack(x);
  });
});

app.listen('127.0.0.1', 0, (listenSocket) => {
  if (!listenSocket) {
    process.send?.({ error: 'cannot listen' });
    process.exit(1);
  }
  process.send?.({ port: uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket) });
});

process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
