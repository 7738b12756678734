#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The benchmark report: results.json into Markdown and one PNG per case.

  report.py merge RESULTS REPO META...   the groups' JSON (META's sibling
                                         <group>.json) and their .meta lines
                                         into RESULTS, with the commit
  report.py report RESULTS DIR           DIR/report.md and DIR/<case>.png
                                         (gnuplot, png terminal)

Every row gives ours against the peer measured in the same VM run as a
ratio ours/peer of the quantity in the row, and the goals of issue 8 are
checked against those ratios (goals, not tests: nothing fails on them).
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile

# Goals: (case, what, the ratio's direction, the bound).
GOAL_DATAPATH = 3.0     # frames/s at 64 bytes, ours / vdpa_sim_net, at least
GOAL_KICK = 0.7         # kick-to-device median, ours / upstream, at most
GOAL_MAP = 1.0          # map and unmap time, ours / vhost_vdpa, at most
GOAL_NIC = 0.97         # vmdev_vf-virtio / virtio_pci, at least
GOAL_HW = 0.97          # testpmd on a function: ours / vp_vdpa and
                        # ours / vfio-pci passthrough, at least
GOAL_MIG = 1.0          # migration total and downtime, vhost-vfio with
                        # the kernel's log / x-svq, at most
GOAL_CHURN = 1.0        # create and remove time, ours / vdpa_sim_net, at
                        # most, for every count
GOAL_CHURN_MEM = 0.5    # kernel memory per device, ours / vdpa_sim_net,
                        # at most


def merge(out, repo, metas):
    benchmarks, groups = [], []
    for meta in metas:
        with open(meta) as f:
            groups.append(json.load(f))
        path = meta[:-len('.meta')] + '.json'
        if os.path.exists(path):
            with open(path) as f:
                benchmarks += json.load(f)['benchmarks']
    commit = subprocess.run(['git', '-C', repo, 'describe', '--always',
                             '--dirty', '--abbrev=12'],
                            capture_output=True, text=True).stdout.strip()
    qemu = subprocess.run(['qemu-system-x86_64', '--version'],
                          capture_output=True, text=True).stdout
    doc = {
        'date': datetime.datetime.now(datetime.timezone.utc)
                .strftime('%Y-%m-%d %H:%M UTC'),
        'commit': commit,
        'host_cpus': os.cpu_count(),
        'qemu': qemu.splitlines()[0] if qemu else '',
        'groups': groups,
        'benchmarks': benchmarks,
    }
    with open(out, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


# --- plots ---------------------------------------------------------------

def gnuplot(dirname, name, script, data):
    """Run @script (which reads $data) into DIR/NAME.png."""
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, 'data')
        with open(dat, 'w') as f:
            f.write(data)
        png = os.path.join(dirname, name + '.png')
        head = ('set terminal pngcairo size 760,420 font "sans,9"\n'
                'set output "%s"\n'
                'set style data histogram\n'
                'set style histogram clustered gap 1\n'
                'set style fill solid 0.8 border -1\n'
                'set key top left\n'
                'set grid ytics\n'
                'set xtics nomirror rotate by -20 font ",8"\n'
                'set termoption noenhanced\n'
                'data = "%s"\n' % (png, dat))
        subprocess.run(['gnuplot'], input=head + script, text=True,
                       check=True)
    return name + '.png'


def columns(data, labels, series):
    """gnuplot data: a header line of series names, then LABEL v v ..."""
    lines = ['label ' + ' '.join('"%s"' % s for s in series)]
    for label, row in zip(labels, data):
        lines.append('"%s" ' % label + ' '.join(
            '%g' % v if v is not None else '?' for v in row))
    return '\n'.join(lines) + '\n'


def histogram(dirname, name, title, ylabel, labels, series, rows, log=False,
              hline=None):
    plot = ', '.join('data using %d:xtic(1) title columnheader(%d)'
                     % (i + 2, i + 2) for i in range(len(series)))
    script = 'set title "%s"\nset ylabel "%s"\n' % (title, ylabel)
    if log:
        script += 'set logscale y\n'
    else:
        script += 'set yrange [0:*]\n'
    if hline is not None:
        script += ('set arrow from graph 0, first %g to graph 1, first %g '
                   'nohead dt 2 lw 2 lc rgb "red"\n' % (hline, hline))
    script += 'plot ' + plot + '\n'
    return gnuplot(dirname, name, script, columns(rows, labels, series))


# --- the cases -----------------------------------------------------------

def fmt(v, digits=2):
    if v is None:
        return '-'
    if isinstance(v, str) or isinstance(v, int):
        return str(v)
    if abs(v) >= 1000:
        return '{:,.0f}'.format(v)
    if abs(v) >= 10 or v == 0:
        return '{:.{d}f}'.format(v, d=min(digits, 1))
    return '{:.3g}'.format(v)


def size_label(size):
    if size >= 1 << 30 and not size % (1 << 30):
        return '%d GiB' % (size >> 30)
    return '%d MiB' % (size >> 20)


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join('---' for _ in head) + '|']
    out += ['| ' + ' | '.join(fmt(c) for c in r) + ' |' for r in rows]
    return '\n'.join(out) + '\n'


def met(ok):
    if ok is None:
        return 'not measured'
    return 'met' if ok else '**not met**'


def target_list(b):
    return ''.join('- `%s`: %s\n' % (t['name'], t['what'])
                   for t in b['targets'])


def bench(doc, name):
    for b in doc['benchmarks']:
        if b['benchmark'] == name:
            return b
    return None


class Report:
    def __init__(self, doc, dirname):
        self.doc = doc
        self.dir = dirname
        self.goals = []
        self.body = []

    def goal(self, goal, measured, ok):
        self.goals.append((goal, measured, met(ok)))

    def section(self, title, text):
        self.body.append('## %s\n\n%s' % (title, text))

    def datapath(self):
        b = bench(self.doc, 'vhost_loopback')
        if not b:
            self.goal('datapath 64 B >= %gx vdpa_sim_net' % GOAL_DATAPATH,
                      '-', None)
            return
        names = [t['name'] for t in b['targets']]
        res = {(r['target'], r['frame_size'], r['batch']): r
               for r in b['results']}
        cases = sorted({(r['frame_size'], r['batch']) for r in b['results']})
        rows, prow = [], []
        ours = [t['name'] for t in b['targets'] if t['baseline']]
        for size, batch in cases:
            row = [size, batch]
            row += [res[(n, size, batch)]['median_pps'] for n in names]
            row += [res[(n, size, batch)].get('ratio') for n in ours]
            rows.append(row)
            prow.append([res[(n, size, batch)]['median_pps'] for n in names])
        png = histogram(self.dir, 'datapath',
                        'Loopback frames/s (frame bytes / batch)',
                        'frames/s (log)', ['%d/%d' % c for c in cases],
                        names, prow, log=True)
        at64 = [(c[1], n, res[(n,) + c].get('ratio')) for c in cases
                if c[0] == 64 for n in ours]
        if at64:
            worst = min(r for _, _, r in at64)
            self.goal('software datapath, 64-byte frames: ours >= %gx '
                      'vdpa_sim_net' % GOAL_DATAPATH,
                      ', '.join('%s batch %d: %.2fx' % (n, bt, r)
                                for bt, n, r in at64),
                      worst >= GOAL_DATAPATH)
        text = ('Frames per second sent and looped back by one userspace '
                'driver (libvmdev), median of %d runs of %d ms; ratio: '
                'ours / vdpa_sim_net (above 1: ours faster).\n\n'
                % (b['repeat'], b['duration_ms']))
        text += target_list(b)
        text += '\n' + table(['bytes', 'batch'] + names +
                             ['%s / peer' % n for n in ours], rows)
        text += '\n![datapath](%s)\n' % png
        self.section('1. Software datapath', text)

    def latency(self):
        b = bench(self.doc, 'vq_latency')
        if not b:
            self.goal('kick-to-device <= %gx upstream' % GOAL_KICK, '-', None)
            return
        names = [t['name'] for t in b['targets']]
        ours = [t['name'] for t in b['targets'] if t['baseline']]
        res = {(r['metric'], r['target']): r for r in b['results']}
        metrics = []
        for r in b['results']:
            if r['metric'] not in metrics:
                metrics.append(r['metric'])
        rows = []
        for m in metrics:
            for n in names:
                r = res[(m, n)]
                rows.append([m, n, r['median_us'], r['p99_us'],
                             r.get('ratio_median'), r.get('ratio_p99')])
        labels, prow = [], []
        for m in ('kick_to_device', 'device_to_call'):
            for stat, key in (('median', 'median_us'), ('p99', 'p99_us')):
                labels.append('%s %s' % (m.replace('_', '-'), stat))
                prow.append([res[(m, n)][key] for n in names])
        png = histogram(self.dir, 'latency', 'Kick-to-device and '
                        'device-to-call latency', 'microseconds', labels,
                        names, prow)
        k2d = [(n, res[('kick_to_device', n)]['ratio_median']) for n in ours]
        self.goal('kick-to-device median: ours <= %gx upstream' % GOAL_KICK,
                  ', '.join('%s: %.2fx' % x for x in k2d),
                  max(r for _, r in k2d) <= GOAL_KICK)
        text = ('One 64-byte frame per sample, %d samples per target (after '
                '%d not counted), %d us apart; microseconds; ratio: ours / '
                'vdpa_sim_net (below 1: ours faster).\n\n'
                % (b['samples'], b['warmup'], b['gap_us']))
        text += ''.join('- `%s`: %s (%d samples without a complete trace '
                        'left out)\n' % (t['name'], t['what'],
                                         t['not_counted'])
                        for t in b['targets'])
        text += ('\nMethod (the header of tools/testing/bench/vq_latency.c '
                 'has it whole): the driver reads CLOCK_MONOTONIC just '
                 'before its kick (t0, an eventfd write) and when poll() on '
                 'the RX call eventfd returns (t3); the device side comes '
                 'from the kernel\'s trace on the same clock: the start of '
                 'the device\'s work function (tD, workqueue_execute_start: '
                 'both devices move frames in a work item) and the device\'s '
                 'eventfd_signal() (tC, a kprobe). kick-to-device = tD - t0, '
                 'device-to-call = t3 - tC; device_pass = tC - tD and '
                 'kick_to_call = t3 - t0 for reference. kick-to-device is '
                 'split at the queueing of the device\'s work (tQ, '
                 'workqueue_queue_work): kick_to_queue = tQ - t0, the '
                 'kick\'s way through the kernel (both queue the work from '
                 'the kick eventfd\'s wake-up: vhost_vdpa runs without a '
                 'vhost worker), and queue_to_device = tD - tQ, '
                 'the scheduler starting the queued work. One vCPU, as every '
                 'other case.\n\n')
        text += table(['metric', 'target', 'median', 'p99', 'median / peer',
                       'p99 / peer'], rows)
        if all(('kick_to_queue', n) in res for n in names):
            text += ('\nWhere kick-to-device goes (medians of its two parts, '
                     'us): ' + '; '.join(
                         '%s %.1f to the queued work, %.1f for the scheduler '
                         'to start it' % (
                             n, res[('kick_to_queue', n)]['median_us'],
                             res[('queue_to_device', n)]['median_us'])
                         for n in names) + '.\n')
        text += '\n![latency](%s)\n' % png
        self.section('2. Kick-to-device and device-to-call latency', text)

    def mapping(self):
        b = bench(self.doc, 'dma_map')
        if not b:
            self.goal('mapping at least as fast as vhost_vdpa', '-', None)
            return
        names = [t['name'] for t in b['targets']]
        rows, labels, prow, goal = [], [], [], []
        cases = []
        for r in b['results']:
            c = (r['pages'], r['size_bytes'])
            if c not in cases:
                cases.append(c)
        res = {(r['pages'], r['size_bytes'], r['target']): r
               for r in b['results']}
        for pages, size in cases:
            for n in names:
                r = res[(pages, size, n)]
                rows.append([pages, size >> 20, n, r['map_s'], r['unmap_s'],
                             r.get('map_ratio'), r.get('unmap_ratio'),
                             r['pinned_kib'] >> 10])
            for op in ('map', 'unmap'):
                labels.append('%s %s %s' % (pages, size_label(size), op))
                prow.append([res[(pages, size, n)][op + '_s'] for n in names])
            r = res.get((pages, size, 'mvnet-cdev'))
            if r and 'map_ratio' in r:
                goal.append(('%s %s' % (pages, size_label(size)),
                             r['map_ratio'], r['unmap_ratio']))
        png = histogram(self.dir, 'map', 'Map and unmap one region',
                        'seconds (log)', labels, names, prow, log=True)
        if goal:
            self.goal('mapping (our character device) at least as fast as '
                      'vhost_vdpa, both page sizes: time ratio <= %g'
                      % GOAL_MAP,
                      '; '.join('%s map %.2f, unmap %.2f' % g for g in goal),
                      all(m <= GOAL_MAP and u <= GOAL_MAP
                          for _, m, u in goal))
        text = ('The first SIZE of one anonymous region mapped at one IOVA '
                'with one call and unmapped with one, device opened before '
                'and closed after; median of %d; seconds; ratio: target\'s '
                'time / vhost_vdpa\'s (below 1: faster). Every target pins '
                'the whole range (pinned: what the process was charged).'
                '\n\n' % b['repeat'])
        text += target_list(b)
        text += '\n' + table(['pages', 'MiB', 'target', 'map s', 'unmap s',
                              'map / peer', 'unmap / peer', 'pinned MiB'],
                             rows)
        text += '\n![map](%s)\n' % png
        self.section('3. Memory mapping', text)

    def kernel(self):
        b = bench(self.doc, 'netns')
        if not b:
            self.goal('virtio personality on the NICs >= %gx virtio_pci'
                      % GOAL_NIC, '-', None)
            return
        self.netns(b, 'kernel', 'stock virtio_pci', '4. Kernel personality')

    def hw_kernel(self):
        b = bench(self.doc, 'hw_netns')
        if not b:
            self.goal('virtio personality on the NICs >= %gx virtio_vdpa '
                      'over vp_vdpa' % GOAL_NIC, '-', None)
            return
        self.netns(b, 'hw-kernel', 'virtio_vdpa over vp_vdpa',
                   '8. Kernel personality on the functions, against '
                   'upstream vDPA')

    def netns(self, b, name, peer, title):
        rows, labels, prow, nic = [], [], [], []
        for r in b['results']:
            if 'ratio' not in r:
                continue
            rows.append([r['case'], r['unit'], r['target'], r['median'],
                         r['baseline'], r['baseline_median'], r['ratio']])
            labels.append('%s %s' % (r['case'], r['target']))
            prow.append([r['ratio']])
            if r['target'] == 'vmdev_vf-virtio':
                nic.append((r['case'], r['ratio']))
        png = histogram(self.dir, name, 'Kernel personality: target / '
                        'its baseline', 'ratio', labels, ['ratio'], prow,
                        hline=1.0)
        if nic:
            self.goal('virtio personality on the NICs >= %gx %s'
                      % (GOAL_NIC, peer),
                      ', '.join('%s %.2fx' % n for n in nic),
                      min(r for _, r in nic) >= GOAL_NIC)
        text = ('iperf3 between two network namespaces, %d s per run, '
                'median of %d; ratio: target / its baseline (above 1: '
                'faster). tcp: one stream, bits/s; udp64: 18-byte datagrams '
                '(64-byte frames) received per second.\n\n'
                % (b['duration_s'], b['repeat']))
        text += target_list(b)
        text += '\n' + table(['case', 'unit', 'target', 'median', 'baseline',
                              'baseline median', 'ratio'], rows)
        text += '\n![%s](%s)\n' % (name, png)
        self.section(title, text)

    def scale(self):
        b = bench(self.doc, 'dev_scale')
        if not b:
            self.churn_goals([])
            return
        names = [t['name'] for t in b['targets']]
        res = {(r['count'], r['target']): r for r in b['results']}
        counts = sorted({r['count'] for r in b['results']})
        self.churn_goals([r for r in b['results']
                          if r.get('create_ratio') is not None])
        rows, labels, prow = [], [], []
        for c in counts:
            for n in names:
                r = res[(c, n)]
                k = r['kib_per_device']
                rows.append([c, n, r['create_s'], r['remove_s'],
                             r['create_s'] * 1e3 / c, r['remove_s'] * 1e3 / c,
                             r.get('create_ratio'), r.get('remove_ratio'),
                             k['MemFree'], k['Slab'], k['Percpu'],
                             k['VmallocUsed'], r.get('memory_ratio')])
            for op in ('create', 'remove'):
                labels.append('%d %s' % (c, op))
                prow.append([res[(c, n)][op + '_s'] * 1e3 / c for n in names])
        png = histogram(self.dir, 'scale', 'Milliseconds per device to '
                        'create and to remove COUNT devices',
                        'ms per device (log)', labels, names, prow, log=True)
        mem = [[res[(counts[-1], n)]['kib_per_device'][f]
                for n in names] for f in ('MemFree', 'Slab', 'Percpu',
                                          'VmallocUsed')]
        png2 = histogram(self.dir, 'scale-memory', 'Kernel memory per '
                         'device, %d devices' % counts[-1], 'KiB',
                         ['total', 'Slab', 'Percpu', 'Vmalloc'],
                         names, mem)
        text = ('COUNT devices created one after the other, then removed; '
                'seconds for all (median of %d), milliseconds per device, '
                'and KiB of kernel memory per device while they exist '
                '(/proc/meminfo after sync, dropping caches and a pause: '
                'the free memory taken, per-CPU free lists counted, is the '
                'total, slab, percpu and vmalloc its parts); ratio: '
                'ours / vdpa_sim_net (below 1: faster, smaller).\n\n'
                % b['repeat'])
        text += target_list(b)
        text += '\n' + table(['count', 'target', 'create s', 'remove s',
                              'create ms/dev', 'remove ms/dev',
                              'create / peer', 'remove / peer',
                              'KiB/dev', 'slab', 'percpu', 'vmalloc',
                              'KiB / peer'], rows)
        text += '\n![scale](%s)\n\n![scale-memory](%s)\n' % (png, png2)
        self.section('5. Scale', text)

    def churn_goals(self, ours):
        """The two churn goals' rows, from dev_scale's results that carry
        ratios (none: not measured)."""
        churn, churn_ok = '-', None
        if ours:
            churn = ', '.join('%d: create %.2fx, remove %.2fx'
                              % (r['count'], r['create_ratio'],
                                 r['remove_ratio']) for r in ours)
            churn_ok = max(max(r['create_ratio'], r['remove_ratio'])
                           for r in ours) <= GOAL_CHURN
        self.goal('device churn: create and remove <= %gx vdpa_sim_net'
                  % GOAL_CHURN, churn, churn_ok)
        # One device's memory is lost in the noise of /proc/meminfo: the
        # most devices tell.  dev_scale writes 0 when the peer's reading
        # was none: not measured.
        largest = max((r['count'] for r in ours), default=None)
        mem = [r for r in ours if (r.get('memory_ratio') or 0) > 0
               and r['count'] == largest]
        self.goal('kernel memory per device <= %gx vdpa_sim_net'
                  % GOAL_CHURN_MEM,
                  ', '.join('%d: %.2fx' % (r['count'], r['memory_ratio'])
                            for r in mem) or '-',
                  max(r['memory_ratio'] for r in mem) <= GOAL_CHURN_MEM
                  if mem else None)

    def trace(self):
        b = bench(self.doc, 'dev_trace')
        if not b:
            return
        text = ('Where the time of section 5 goes: dev_scale again, %d '
                'devices of each target created one after the other, then '
                'removed, with the kernel\'s function-graph tracer on the '
                'stages below only (set_ftrace_filter: a few microseconds '
                'a stage). The outermost stage is the system call\'s: the '
                'sysfs write (ours: `kernfs_fop_write_iter`) or the netlink '
                'message (upstream: `netlink_sendmsg`). '
                'Microseconds per device; a stage includes the stages '
                'indented under it; share: of the whole create or remove. '
                'Stages under 2%% are left out. The VFIO device (with its '
                'IOMMU group and /dev/vfio/N), our /dev/vhost-mdev/UUID '
                'and upstream\'s /dev/vhost-vdpa-N are each a character '
                'device: cdev_device_add()/cdev_device_del() are where '
                'their nodes are made and taken away (devtmpfs).\n\n'
                % b['count'])
        st = b['stages']
        rows = []
        for top in sorted(p for p in st if '/' not in p):
            whole = st[top]['us'] or 1
            for p in sorted(q for q in st
                            if q == top or q.startswith(top + '/')):
                if st[p]['us'] < 0.02 * whole:
                    continue
                rows.append(['&nbsp;&nbsp;' * p.count('/') + '`%s`'
                             % p.split('/')[-1], st[p]['us'],
                             '%.0f%%' % (100 * st[p]['us'] / whole),
                             st[p]['calls']])
        text += table(['stage', 'us / device', 'share', 'calls / device'],
                      rows) + '\n'

        def us(suffix, op):
            return sum(v['us'] for p, v in st.items()
                       if p.endswith(suffix) and op in p)

        whole = {op: us(top, '') for op, top in
                 (('ours', 'mdev_device_create'),
                  ('ours_rm', 'mdev_device_remove'),
                  ('peer', 'vdpa_nl_cmd_dev_add_set_doit'),
                  ('peer_rm', 'vdpa_nl_cmd_dev_del_set_doit'))}
        vfio = us('/vfio_register_emulated_iommu_dev', 'mdev_device_create')
        vfio_rm = us('/vfio_unregister_group_dev', 'mdev_device_remove')
        node = us('/vhost_mdev_cdev_create', 'mdev_device_create')
        node_rm = us('/vhost_mdev_cdev_destroy', 'mdev_device_remove')
        if whole['ours'] and whole['peer']:
            text += ('In this run a create costs us %.0f us in the mdev core '
                     'and our driver against upstream\'s %.0f in its netlink '
                     'handler; of ours, the VFIO device (its IOMMU group, '
                     'the group\'s /dev/vfio/N and the vfio-dev device) is '
                     '%.0f us and our character device %.0f. A remove: '
                     '%.0f against %.0f; the VFIO device\'s %.0f, the '
                     'character device\'s %.0f. Upstream has no VFIO '
                     'device: its one node is all a vhost-vdpa user gets, '
                     'where ours is reached both through VFIO and through '
                     'its character device.\n'
                     % (whole['ours'], whole['peer'], vfio, node,
                        whole['ours_rm'], whole['peer_rm'], vfio_rm,
                        node_rm))
        self.section('6. Where the time of a create and a remove goes', text)

    def hw(self):
        b = bench(self.doc, 'hw_pmd')
        peers = (('vp_vdpa', 'upstream vp_vdpa'),
                 ('vfio_pci', 'vfio-pci passthrough'))
        if not b:
            for _, what in peers:
                self.goal('testpmd on a hardware function: ours >= %gx %s'
                          % (GOAL_HW, what), '-', None)
            return
        names = [t['name'] for t in b['targets']]
        res = {(r['target'], r['frame_size']): r for r in b['results']}
        sizes = sorted({r['frame_size'] for r in b['results']})
        rows, prow = [], []
        for size in sizes:
            ours = res.get(('vmdev_vf', size), {})
            rows.append([size] + [res[(n, size)]['median_pps']
                                  for n in names] +
                        [ours.get('ratio_' + p) for p, _ in peers] +
                        [res[(n, size)]['tx_median_pps'] for n in names])
            prow.append([res[(n, size)]['median_pps'] for n in names])
        png = histogram(self.dir, 'hw', 'testpmd txonly to rxonly on the '
                        'two functions: frames/s received (frame bytes)',
                        'frames/s', ['%d B' % s for s in sizes], names,
                        prow)
        for p, what in peers:
            got = [(size, res[('vmdev_vf', size)].get('ratio_' + p))
                   for size in sizes if ('vmdev_vf', size) in res]
            got = [(size, r) for size, r in got if r is not None]
            self.goal('testpmd on a hardware function: ours >= %gx %s'
                      % (GOAL_HW, what),
                      ', '.join('%d B: %.2fx' % g for g in got) or '-',
                      min(r for _, r in got) >= GOAL_HW if got else None)
        text = ('The test VM\'s two virtio-net-pci functions (QEMU '
                'virtio-net-pci, modern, iommu_platform, page-per-vq; one '
                'wire: QEMU\'s hub 0), each driven by its own Debian '
                'dpdk-testpmd (22.11): txonly on the first, to the second\'s '
                'MAC, rxonly on the second; frames of SIZE bytes (Ethernet '
                'header included, no FCS; `set txpkts SIZE`), rings of %d. '
                'The stacks take turns on the same two functions in the '
                'same VM run, each brought up, measured at every size and '
                'torn down in each of %d rounds, each round starting with the '
                'next stack; the median. A measurement: '
                'both testpmds forward for %d s, then the receiver\'s stats '
                'are shown twice, %d s apart: the second\'s Rx-pps '
                '(testpmd\'s own throughput since the last show, by its '
                'clock) is the result, frames/s received; the sender\'s '
                'Tx-pps over the same interval beside it (QEMU\'s hub does '
                'not hold a sender back: what the receiver cannot take is '
                'lost in QEMU). Both testpmds run on the one vCPU, shared '
                'alike for every stack. The two virtio_user stacks kick '
                'through the kick eventfd (DPDK 22.11\'s virtio_user cannot '
                'map a vhost-vdpa doorbell page: the kernel writes the '
                'doorbell), passthrough writes the doorbell in the BAR '
                'itself; all poll, without interrupts. Under TCG, '
                'QEMU\'s virtio-net model and hub cost far more per frame '
                'than any of the stacks (frames/s hardly differ '
                'between 64 and 1500 bytes), and a turn moves by tens of '
                'percent with the host\'s load (every run is listed below): '
                'what the ratios can show is a stack costing more than that '
                'noise, not a few percent. Ratio: ours / each (above 1: '
                'ours faster).\n\n'
                % (b['ring'], b['repeat'], b['warmup_s'], b['seconds']))
        for t in b['targets']:
            text += '- `%s`: %s' % (t['name'], t['what'])
            if t.get('failed'):
                text += ' -- **failed**: %s' % t['failed']
            text += '\n'
        text += '\n' + table(['bytes'] + names + ['ours / ' + p.replace(
                                  '_pci', '-pci') for p, _ in peers] +
                             ['%s sent' % n for n in names], rows)
        text += ('\nEvery run, frames/s received, in the order measured '
                 '(the spread is the host\'s: the turns share it with '
                 'whatever else runs there):\n\n')
        text += table(['bytes', 'target', 'runs'],
                      [[size, n, ', '.join(fmt(v) for v in
                                           res[(n, size)]['runs'])]
                       for size in sizes for n in names])
        relay = [(size, res[('relay', size)].get('ratio_vmdev_vf'))
                 for size in sizes if ('relay', size) in res]
        relay = [(size, r) for size, r in relay if r is not None]
        if relay:
            text += ('\nThe relay\'s cost (what makes a function '
                     'migratable: both rings through a kernel worker, each '
                     'kick and interrupt too), relay / vmdev_vf: %s.\n'
                     % ', '.join('%d B: %.2fx' % g for g in relay))
        text += '\n![hw](%s)\n' % png
        self.section('7. Hardware functions under DPDK', text)

    def migrate(self):
        b = bench(self.doc, 'migrate')
        if not b:
            self.goal('live migration over vhost-vfio (kernel dirty log) '
                      'no slower than QEMU\'s shadow virtqueue', '-', None)
            return
        res = {r['target']: r for r in b['results']}
        log = res.get('vfio-log', {})
        rt, rd = log.get('ratio_total'), log.get('ratio_downtime')
        self.goal('live migration over vhost-vfio (kernel dirty log): total '
                  'time and downtime <= %gx QEMU\'s shadow virtqueue\'s'
                  % GOAL_MIG,
                  'total %s, downtime %s' % (fmt(rt), fmt(rd)),
                  None if rt is None or rd is None
                  else rt <= GOAL_MIG and rd <= GOAL_MIG)
        rows, labels, prow = [], [], []
        for t in b['targets']:
            r = res.get(t['name'], {})
            rows.append([t['name'], fmt(r.get('median_total_ms')),
                         fmt(r.get('median_downtime_ms')),
                         ', '.join(str(v) for v in r.get('total_ms', [])),
                         ', '.join(str(v) for v in r.get('downtime_ms', []))])
            labels.append(t['name'])
            prow.append([r.get('median_total_ms') or 0,
                         r.get('median_downtime_ms') or 0])
        png = histogram(self.dir, 'migrate', 'One live migration', 'ms',
                        labels, ['total', 'downtime'], prow)
        text = ('One live migration of a nested guest (256 MiB, -nodefaults) '
                'between two mvnet devices on one wire, while it pings the '
                'peer and sends it %d MiB over TCP (the interop lane\'s '
                'svqmigrate and vfiomigrate cases: the bytes must arrive '
                'whole); QEMU\'s own "info migrate" total time and downtime, '
                'ms; median of %d rounds (a failed migration gives no '
                'sample); ratio: vfio-log / svq (below 1: cheaper).\n\n'
                % (b['mib'], b['rounds']))
        text += target_list(b)
        text += '\n' + table(['target', 'total ms', 'downtime ms',
                              'total, each round', 'downtime, each round'],
                             rows)
        text += '\nratio vfio-log / svq: total %s, downtime %s\n' % (
            fmt(rt), fmt(rd))
        text += '\n![migrate](%s)\n' % png
        self.section('9. Live migration', text)

    def relay_log(self):
        b = bench(self.doc, 'relay_log')
        if not b:
            return
        names = [t['name'] for t in b['targets']]
        res = {(r['target'], r['frame_size'], r['batch']): r
               for r in b['results']}
        cases = sorted({(r['frame_size'], r['batch']) for r in b['results']})

        def cell(n, c):
            return res.get((n,) + c, {})
        rows = [[c[0], c[1]] +
                [cell(n, c).get('median_pps') for n in names] +
                [fmt(cell('relay-log', c).get('ratio'))] +
                [', '.join(fmt(v) for v in cell(n, c).get('runs_pps', []))
                 for n in names]
                for c in cases]
        png = histogram(self.dir, 'relay_log', 'Through the relay, dirty '
                        'log off and on: frames/s (frame bytes / batch)',
                        'frames/s', ['%d/%d' % c for c in cases], names,
                        [[cell(n, c).get('median_pps') or 0 for n in names]
                         for c in cases])
        text = ('What the dirty log costs a function behind the relay, the '
                'state a migration\'s source runs in until the switch. '
                'A vmdev_vf-vhost device on each of the test VM\'s two '
                'virtio-net functions, the relay on, driven by libvmdev '
                'through their character devices (vhost_loopback --pair): a '
                'round sends a batch on the first device\'s TX queue to the '
                'second\'s MAC, over QEMU\'s hub, and receives all of it on '
                'the second device\'s RX queue; frames/s, median of %d runs '
                'of %d ms after %d ms of verified rounds. The two targets '
                'are the same devices and rings, taking turns case by case; '
                'relay-log turns the log on before its turn (VHOST_F_LOG_ALL '
                'and VHOST_VRING_F_LOG on the RX and TX rings of both '
                'devices, as QEMU does when a migration starts) and relay turns it off. '
                'Nothing reads or clears the log: every buffer the function '
                'writes, and every used entry, still costs its bits. Ratio: '
                'relay-log / relay (below 1: what logging costs).\n\n'
                % (b['repeat'], b['duration_ms'], b['warmup_ms']))
        text += target_list(b)
        text += '\n' + table(['bytes', 'batch'] + names +
                              ['relay-log / relay'] +
                              ['%s, each run' % n for n in names], rows)
        text += '\n![relay_log](%s)\n' % png
        self.section('10. The relay with the dirty log on', text)

    def write(self):
        d = self.doc
        for case in (self.datapath, self.latency, self.mapping, self.kernel,
                     self.scale, self.trace, self.hw, self.hw_kernel,
                     self.migrate, self.relay_log):
            case()
        head = ('# vhost-mdev against upstream vDPA\n\n'
                'Generated by `make bench` (tools/testing/bench/) on %s from '
                '%s: Debian\'s kernel %s in the test VM (QEMU TCG, %s; one '
                'vCPU), on a host with %d CPUs shared with other work. '
                'Every ratio compares two things measured in the same VM run; '
                'the absolute numbers are this emulated machine\'s and move '
                'by tens of percent between runs.\n\n'
                % (d['date'], d['commit'], self.kernel_release(),
                   d['qemu'], d['host_cpus']))
        head += ('Reproduce: `make bench` (about an hour); one group: '
                 '`BENCH_GROUPS=latency make bench`. Results: '
                 '`results.json` beside this file.\n\n')
        head += table(['VM run', 'benchmarks', 'memory', 'seconds',
                       'host load before', 'after', 'status'],
                      [[g['group'], g['benchmarks'], g['vm_mem'],
                        g['seconds'], g['load_before'], g['load_after'],
                        'ok' if g['status'] == 0 else 'failed']
                       for g in d['groups']])
        head += '\n## Goals\n\n' + table(['goal', 'measured', ''],
                                         self.goals) + '\n'
        with open(os.path.join(self.dir, 'report.md'), 'w') as f:
            f.write(head + '\n'.join(self.body))

    def kernel_release(self):
        for b in self.doc['benchmarks']:
            return b.get('kernel', '?')
        return '?'


def main(argv):
    if len(argv) >= 4 and argv[1] == 'merge':
        merge(argv[2], argv[3], argv[4:])
    elif len(argv) == 4 and argv[1] == 'report':
        with open(argv[2]) as f:
            doc = json.load(f)
        os.makedirs(argv[3], exist_ok=True)
        Report(doc, argv[3]).write()
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
