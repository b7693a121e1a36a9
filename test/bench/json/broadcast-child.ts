/**
 * The fan-out baseline: a bare WebSocket server (ws, no gateway logic) that sends one frame to
 * every connected socket on request: what fanning one notification out to N sockets costs in
 * Node on this machine, with the same watchers process on the other end.
 */
import { WebSocketServer } from 'ws';
import { servePeer } from '../child-ipc';

servePeer<{ port: number }>(async (c) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: c.port, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject); });
  return {
    clients: () => wss.clients.size,
    broadcast: (frame: string) => {
      for (const ws of wss.clients) ws.send(frame);
      return wss.clients.size;
    },
  };
});
