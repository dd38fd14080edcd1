import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkpoint, finish, launch, restart, runPlain, savedAndRestarted, skipUnlessBuilt, Workspace } from './fixtures/computation';

const ws = new Workspace();
after(() => ws.cleanup());

/**
 * Four worker threads take numbered jobs from a queue.Queue and hash each;
 * the main thread prints the answers in order. It waits for a first gate
 * before answer 40 and for a second one before answer 70, while the workers
 * go on with the jobs queued: two points where a test can save it with its
 * threads in every state (hashing, blocked on the queue, waiting on the
 * condition). About three seconds of work on two cores.
 */
const THREADS_PY = String.raw`
import hashlib, os, queue, sys, threading, time
gate1, gate2 = sys.argv[1], sys.argv[2]
N = 96
jobs = queue.Queue()
results = {}
cond = threading.Condition()
def worker():
    while True:
        n = jobs.get()
        if n is None:
            return
        h = n.to_bytes(8, 'little')
        for _ in range(40000):
            h = hashlib.sha256(h).digest()
        with cond:
            results[n] = h.hex()[:16]
            cond.notify_all()
threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for n in range(N):
    jobs.put(n)
for n in range(N):
    for at, gate in ((40, gate1), (70, gate2)):
        while n == at and not os.path.exists(gate):
            time.sleep(0.02)
    with cond:
        cond.wait_for(lambda: n in results)
    print('job', n, results[n], flush=True)
for t in threads:
    jobs.put(None)
for t in threads:
    t.join()
print('done', len(results), threading.active_count(), flush=True)
`;

/**
 * sqlite3 (the module, in-process) fills a table in 30 transactions of 500
 * rows, with a query over the whole table after each; it waits for a gate
 * before transaction 20. The database file and its journal are written and
 * read back all along.
 */
const SQLITE_PY = String.raw`
import hashlib, os, sqlite3, sys, time
gate = sys.argv[1]
db = sqlite3.connect('t.db')
db.execute('create table t(k integer primary key, v text)')
for batch in range(30):
    while batch == 20 and not os.path.exists(gate):
        time.sleep(0.02)
    with db:
        for i in range(500):
            k = batch * 500 + i
            db.execute('insert into t values (?, ?)', (k, hashlib.md5(str(k).encode()).hexdigest()))
    n, s = db.execute("select count(*), sum(length(v)) from t where v like '%a%'").fetchone()
    print('batch', batch, n, s, flush=True)
print('first', db.execute('select v from t order by v limit 1').fetchone()[0])
db.close()
`;

describe('python3 threads', { skip: skipUnlessBuilt }, () => {
  let script: string;
  let reference: string;

  before(async () => {
    script = path.join(ws.root, 'threads.py');
    fs.writeFileSync(script, THREADS_PY);
    const plain = await runPlain(['python3', script, ws.openGate('threads-plain-1'), ws.openGate('threads-plain-2')]);
    assert.equal(plain.code, 0, plain.stderr);
    reference = plain.stdout;
    assert.match(reference, /\ndone 96 1\n$/);
  });

  test('ten checkpoints without --kill while the threads work: it ends as the uninterrupted run, and the last snapshot restarts to the same end', async () => {
    const dir = ws.dir('threads-live');
    const gate1 = ws.gate('threads-live-1');
    const gate2 = ws.gate('threads-live-2');
    const run = launch(dir, ['python3', script, gate1, gate2]);
    await run.waitForStdout(/^job 0 /m);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const saved = await checkpoint(dir);
      assert.equal(saved.code, 0, `checkpoint ${i + 1}: ${saved.stderr}`);
      ids.push(saved.id!);
    }
    assert.equal(new Set(ids).size, 10, 'ten distinct snapshots');
    assert.doesNotMatch(run.stdout, /^job 40 /m, 'all ten were taken before the first gate');
    fs.writeFileSync(gate1, '');
    fs.writeFileSync(gate2, '');
    const live = await finish(run, dir);
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stdout, reference);

    const again = await finish(restart(dir, ids[9]), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /\ndone 96 1\n$/);
    assert.ok(reference.endsWith(again.stdout), `the restarted run prints the rest of the reference:\n${again.stdout}`);
    assert.match(again.stdout, /^job 40 /m, 'it went on from before the first gate');
  });

  test('generations: saved with --kill, restarted, saved again from the restarted program, restarted: the three runs print the reference', async () => {
    const dir = ws.dir('threads-gen');
    const gate1 = ws.gate('threads-gen-1');
    const gate2 = ws.gate('threads-gen-2');
    const first = launch(dir, ['python3', script, gate1, gate2]);
    await first.waitForStdout(/^job 39 /m);
    const s1 = await checkpoint(dir, '--kill');
    assert.equal(s1.code, 0, s1.stderr);
    const out1 = await finish(first, dir);
    assert.equal(out1.code, 0, out1.stderr);

    const second = restart(dir, s1.id!);
    fs.writeFileSync(gate1, '');
    await second.waitForStdout(/^job 69 /m);
    const s2 = await checkpoint(dir, '--kill');
    assert.equal(s2.code, 0, s2.stderr);
    const out2 = await finish(second, dir);
    assert.equal(out2.code, 0, out2.stderr);
    assert.notEqual(s2.id, s1.id);

    fs.writeFileSync(gate2, '');
    const out3 = await finish(restart(dir, s2.id!), dir);
    assert.equal(out3.code, 0, out3.stderr);
    assert.match(out2.stdout, /^job 40 /m, 'the second generation did work of its own');
    assert.equal(out1.stdout + out2.stdout + out3.stdout, reference);
  });
});

/**
 * asyncio runs eight child processes one after the other
 * (create_subprocess_exec, a watcher thread blocked in waitpid on each) while
 * a ticker task prints; child 5 holds at a gate, so a checkpoint finds the
 * event loop, the ticker and a watcher thread all waiting on that child.
 */
const ASYNCIO_PY = String.raw`
import asyncio, sys
gate = sys.argv[1]
async def ticker():
    for i in range(20):
        await asyncio.sleep(0.02)
        print('tick', i, flush=True)
async def child(i):
    wait = f"while [ ! -e '{gate}' ]; do sleep 0.05; done; " if i == 5 else ''
    p = await asyncio.create_subprocess_exec('sh', '-c', f'{wait}echo child {i}; exit {i}', stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    return out.decode().strip(), p.returncode
async def main():
    t = asyncio.create_task(ticker())
    for i in range(8):
        out, code = await child(i)
        print(out, 'exit', code, flush=True)
    await t
    print('done', flush=True)
asyncio.run(main())
`;

/**
 * 200 threads work in ten rounds, meeting at a threading.Barrier after each;
 * before round 5 every thread holds at a gate. Thread 0 prints each round's
 * combined digest.
 */
const MANY_THREADS_PY = String.raw`
import hashlib, os, sys, threading, time
gate, N = sys.argv[1], 200
barrier = threading.Barrier(N)
digests = [b''] * N
def work(i):
    h = i.to_bytes(4, 'little')
    for r in range(10):
        while r == 5 and not os.path.exists(gate):
            time.sleep(0.05)
        for _ in range(300):
            h = hashlib.sha256(h).digest()
        digests[i] = h
        if barrier.wait() == 0:
            print('round', r, hashlib.sha256(b''.join(digests)).hexdigest()[:16], flush=True)
        barrier.wait()
threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print('done', threading.active_count(), flush=True)
`;

describe('python3 with 200 threads', { skip: skipUnlessBuilt }, () => {
  test('saved with --kill while 200 threads wait at a gate and a barrier, restarted: the same rounds as an uninterrupted run', async () => {
    const script = path.join(ws.root, 'many.py');
    fs.writeFileSync(script, MANY_THREADS_PY);
    const plain = await runPlain(['python3', script, ws.openGate('many-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /\nround 9 [0-9a-f]{16}\ndone 1\n$/);

    const dir = ws.dir('many');
    const gate = ws.gate('many');
    const { first, again } = await savedAndRestarted(dir, gate, ['python3', script, gate], /^round 4 /m);
    assert.equal(first.stdout + again.stdout, plain.stdout);
  });
});

describe('python3 asyncio subprocesses', { skip: skipUnlessBuilt }, () => {
  test('saved with --kill while a child runs, restarted: every child\'s output and exit status as in an uninterrupted run', async () => {
    const script = path.join(ws.root, 'aio.py');
    fs.writeFileSync(script, ASYNCIO_PY);
    const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');
    const plain = await runPlain(['python3', script, ws.openGate('aio-plain')]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^child 7 exit 7$/m);

    const dir = ws.dir('aio');
    const gate = ws.gate('aio');
    const { first, again } = await savedAndRestarted(dir, gate, ['python3', script, gate], /^child 4 exit 4$/m);
    assert.doesNotMatch(first.stdout, /^child 5 /m);
    assert.doesNotMatch(again.stderr, /Unknown child process|returncode 255/);
    assert.match(again.stdout, /^child 5 exit 5$/m, 'the child running at the checkpoint is reaped with its own status');
    assert.equal(sorted(first.stdout + again.stdout), sorted(plain.stdout));
  });
});

/**
 * Two servers and a client, all python3: a Unix stream socket server listening
 * at a path (a new connection per request) and a UDP server on a loopback port
 * (written to a file). The client alternates between them, holding at a gate
 * before request 20, and asks both to stop at the end.
 */
const SERVERS_PY = String.raw`
import os, socket, sys, time
role, where = sys.argv[1], sys.argv[2]
sock_path, port_file = os.path.join(where, 's.sock'), os.path.join(where, 'udp.port')
if role == 'unix':
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock_path); s.listen(4)
    open(sock_path + '.ready', 'w').close()
    while True:
        c, _ = s.accept()
        d = c.recv(100)
        c.sendall(b'unix:' + d.upper()); c.close()
        if d == b'quit': break
elif role == 'udp':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))
    with open(port_file + '.tmp', 'w') as f: f.write(str(s.getsockname()[1]))
    os.rename(port_file + '.tmp', port_file)
    while True:
        d, a = s.recvfrom(100)
        s.sendto(b'udp:' + d.upper(), a)
        if d == b'quit': break
else:
    gate = sys.argv[3]
    while not (os.path.exists(sock_path + '.ready') and os.path.exists(port_file)): time.sleep(0.02)
    port = int(open(port_file).read())
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(60)
    def ask(i, msg):
        if i % 2:
            u.sendto(msg, ('127.0.0.1', port)); return u.recvfrom(100)[0].decode()
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(sock_path); c.sendall(msg)
        r = c.recv(100).decode(); c.close(); return r
    for i in range(40):
        while i == 20 and not os.path.exists(gate): time.sleep(0.02)
        print(i, ask(i, b'msg %d' % i), flush=True)
    print(ask(0, b'quit'), ask(1, b'quit'), flush=True)
`;

describe('python3 servers on a Unix socket path and a UDP port', { skip: skipUnlessBuilt }, () => {
  test('saved with --kill mid-conversation, restarted: the listening socket accepts new connections and UDP answers, as in an uninterrupted run', async () => {
    const script = path.join(ws.root, 'servers.py');
    fs.writeFileSync(script, SERVERS_PY);
    const shell = (where: string, gate: string) =>
      `python3 '${script}' unix '${where}' & python3 '${script}' udp '${where}' & python3 '${script}' client '${where}' '${gate}'; wait`;
    const plainDir = path.join(ws.root, 'servers-plain');
    fs.mkdirSync(plainDir);
    const plain = await runPlain(['sh', '-c', shell(plainDir, ws.openGate('servers-plain'))]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^39 udp:MSG 39\nunix:QUIT udp:QUIT\n$/m);

    const where = path.join(ws.root, 'servers');
    fs.mkdirSync(where);
    const dir = ws.dir('servers');
    const gate = ws.gate('servers');
    const { first, again } = await savedAndRestarted(dir, gate, ['sh', '-c', shell(where, gate)], /^19 /m);
    assert.equal(first.stdout + again.stdout, plain.stdout);
  });
});

describe('python3 sqlite3', { skip: skipUnlessBuilt }, () => {
  test('saved between transactions with --kill, restarted: the same answers and the same rows as an uninterrupted run', async () => {
    const script = path.join(ws.root, 'sqlite.py');
    fs.writeFileSync(script, SQLITE_PY);
    const dump = 'import sqlite3, hashlib; db = sqlite3.connect("t.db"); print(hashlib.sha256(repr(db.execute("select * from t order by k").fetchall()).encode()).hexdigest())';
    const plainDir = path.join(ws.root, 'sqlite-plain');
    fs.mkdirSync(plainDir);
    const plain = await runPlain(['python3', script, ws.openGate('sqlite-plain')], { cwd: plainDir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /\nbatch 29 \d+ \d+\nfirst [0-9a-f]{32}\n$/);
    const plainRows = await runPlain(['python3', '-c', dump], { cwd: plainDir });

    const work = path.join(ws.root, 'sqlite-run');
    fs.mkdirSync(work);
    const dir = ws.dir('sqlite');
    const gate = ws.gate('sqlite');
    // `ckpt launch` runs the program in its own cwd: a shell moves it into the work directory.
    const { first, again } = await savedAndRestarted(dir, gate, ['sh', '-c', `cd '${work}' && exec python3 '${script}' '${gate}'`], /^batch 19 /m);
    assert.doesNotMatch(first.stdout, /^batch 20 /m);
    assert.equal(first.stdout + again.stdout, plain.stdout);
    const rows = await runPlain(['python3', '-c', dump], { cwd: work });
    assert.equal(rows.code, 0, rows.stderr);
    assert.equal(rows.stdout, plainRows.stdout, 'the database holds the same rows');
  });
});
