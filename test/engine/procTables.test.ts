import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pluginFields } from '../../adapter/engine/coordinator';
import { inetAddress, linkPeers, parseNetTcp, parseSsUnix } from '../../adapter/engine/procTables';
import type { FdRow, ProcessRow } from '../../adapter/engine/tables';

function proc(vpid: number, fds: FdRow[]): ProcessRow {
  return { vpid, pid: vpid + 1000, vppid: 1, argv: ['x'], threads: [], fds };
}

describe('live tables from /proc text', () => {
  test('TCP addresses as the kernel prints them', () => {
    assert.equal(inetAddress('0100007F:9371'), '127.0.0.1:37745');
    assert.equal(inetAddress('00000000000000000000000001000000:0050'), '[::1]:80');
    assert.equal(inetAddress('0000000000000000FFFF00000100007F:1F90'), '127.0.0.1:8080');
  });

  test('/proc/net/tcp lines by inode; listening sockets marked', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:9371 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 590652 1 0 100 0 0 10 0',
      '   1: 0100007F:9371 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 590700 1 0 100 0 0 10 0',
    ].join('\n');
    const m = parseNetTcp(text);
    assert.deepEqual(m.get('590652'), { local: '127.0.0.1:37745', remote: '0.0.0.0:0', listening: true });
    assert.deepEqual(m.get('590700'), { local: '127.0.0.1:37745', remote: '127.0.0.1:50000', listening: false });
  });

  test('peers: a pipe\'s other direction in another process; TCP by mirrored endpoints', () => {
    const procs = [
      // the shell still holds both ends, the writer and the reader one each
      proc(1, [{ fd: 3, kind: 'pipe', path: 'pipe:[9]', flags: 0 }, { fd: 4, kind: 'pipe', path: 'pipe:[9]', flags: 1 }]),
      proc(2, [{ fd: 1, kind: 'stdio', path: 'pipe:[9]', flags: 1 }]),
      proc(3, [
        { fd: 0, kind: 'stdio', path: 'pipe:[9]', flags: 0 },
        { fd: 5, kind: 'socket', path: 'socket:[20]', flags: 2, local: '127.0.0.1:5000', remote: '127.0.0.1:6000' },
        { fd: 6, kind: 'socket', path: 'socket:[21]', flags: 2, local: '127.0.0.1:5000' },
      ]),
      proc(4, [{ fd: 7, kind: 'socket', path: 'socket:[22]', flags: 2, local: '127.0.0.1:6000', remote: '127.0.0.1:5000' }]),
    ];
    linkPeers(procs);
    assert.deepEqual(procs[1].fds[0].peer, { vpid: 1, fd: 3 }, 'the writer\'s peer reads');
    assert.deepEqual(procs[2].fds[0].peer, { vpid: 1, fd: 4 }, 'the reader\'s peer writes');
    assert.deepEqual(procs[2].fds[1].peer, { vpid: 4, fd: 7 });
    assert.deepEqual(procs[3].fds[0].peer, { vpid: 3, fd: 5 });
    assert.equal(procs[2].fds[2].peer, undefined, 'a listening socket has no peer');
  });

  test('Unix socket pairs from ss; peers by the paired inode', () => {
    const peers = parseSsUnix(
      [
        'u_str ESTAB 0      0                                   * 707490 * 707491',
        'u_str ESTAB 0      0      /tmp/dir with space/engine.sock 709005 * 708764  users:(("node",pid=9660,fd=22))',
        'u_str LISTEN 0     511    /run/x.sock 1200 * 0',
      ].join('\n'),
    );
    assert.deepEqual([...peers], [[707490, 707491], [709005, 708764]]);
    const procs = [
      proc(1, [{ fd: 3, kind: 'socket', path: 'socket:[707490]', flags: 2 }]),
      proc(2, [{ fd: 4, kind: 'socket', path: 'socket:[707491]', flags: 2 }]),
    ];
    linkPeers(procs, new Map([[707490, 707491], [707491, 707490]]));
    assert.deepEqual(procs[0].fds[0].peer, { vpid: 2, fd: 4 });
    assert.deepEqual(procs[1].fds[0].peer, { vpid: 1, fd: 3 });
    linkPeers(procs);
    assert.equal(procs[0].fds[0].peer, undefined, 'without the pairs, no Unix peers');
  });

  test('plugin fields are what the engine\'s own status answer does not have', () => {
    assert.deepEqual(
      pluginFields({ type: 'status', vpid: 1, pid: 2, vppid: 0, threads: [], generations: { checkpoints: 2, restarts: 1 } }),
      { generations: { checkpoints: 2, restarts: 1 } },
    );
    assert.equal(pluginFields({ type: 'status', vpid: 1, pid: 2, threads: [] }), undefined);
  });
});
