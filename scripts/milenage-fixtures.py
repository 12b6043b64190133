#!/usr/bin/env python3
"""Regenerates Tests/HSSCoreTests/MilenageVectors.swift from ../shared/spec/milenage.md (test data: facts).

TS 35.207 sets 1-6, TS 35.208 sets 1-20 with the derived AUTN and AUTS, and the external AUTS vectors.
Run from the repository root: python3 scripts/milenage-fixtures.py
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, '..', '..', 'shared', 'spec', 'milenage.md')
OUT = os.path.join(HERE, '..', 'Tests', 'HSSCoreTests', 'MilenageVectors.swift')
FIELDS = ['K', 'RAND', 'SQN', 'AMF', 'OP', 'OPc', 'f1', 'f1*', 'f2', 'f5', 'f3', 'f4', 'f5*']

def main():
    s = open(SPEC).read()
    sets = []
    # TS 35.207 sets: code blocks with "name value" lines.
    for m in re.finditer(r'\*\*35\.207 Test Set (\d+)\*\*\s*```\n(.*?)```', s, re.S):
        vals = {}
        for line in m.group(2).splitlines():
            parts = line.split()
            if len(parts) >= 2 and re.fullmatch(r'[0-9a-f]+', parts[-1] if parts[0] != 'AUTS' else parts[1]):
                key = parts[0]
                vals[{'f1': 'f1', 'f1*': 'f1*', 'f2': 'f2', 'f5': 'f5', 'f3': 'f3', 'f4': 'f4', 'f5*': 'f5*'}.get(key, key)] = parts[1] if key in ('AUTS',) else parts[-1] if key not in ('f1', 'f1*', 'f2', 'f5', 'f3', 'f4', 'f5*') else parts[2]
        sets.append(('35.207 set ' + m.group(1), vals))
    # TS 35.208 sets: the big table and the derived table.
    rows = re.findall(r'^\| (\d+) \| ([0-9a-f]{32}) \| (.*)\|$', s, re.M)
    derived = dict((n, (a, u)) for n, a, u in re.findall(r'^\| (\d+) \| ([0-9a-f]{32}) \| ([0-9a-f]{28}) \|$', s, re.M))
    for n, k, rest in rows:
        cells = [c.strip() for c in rest.split('|') if c.strip()]
        if len(cells) != 12:
            continue
        vals = dict(zip(FIELDS, [k] + cells))
        if n in derived:
            vals['AUTN'], vals['AUTS'] = derived[n]
        sets.append(('35.208 set ' + n, vals))
    auts = re.findall(r'^\| ([^|]+) \| ([0-9a-f]{32}) \| ([0-9a-f]{32}) \| ([0-9a-f]{32}) \| ([0-9a-f]{28}) \| ([^|]+) \|$', s, re.M)
    o = ['// Milenage test data, copied from shared/spec/milenage.md (TS 35.207 sets 1-6, TS 35.208 sets 1-20 with',
         '// derived AUTN/AUTS, external AUTS vectors): facts. Regenerate with scripts/milenage-fixtures.py.', '',
         'struct MilenageTestSet: Sendable, CustomStringConvertible {',
         '    var name: String',
         '    var k, rand, sqn, amf, op, opc, f1, f1Star, f2, f5, f3, f4, f5Star: String',
         '    var autn: String?',
         '    var auts: String?',
         '    var description: String { name }',
         '}', '',
         'struct AUTSVector: Sendable, CustomStringConvertible {',
         '    var source: String',
         '    var k, opc, rand, auts: String',
         '    /// nil when a MAC failure is expected.',
         '    var sqnMS: String?',
         '    var description: String { source }',
         '}', '',
         'enum MilenageVectors {',
         '    static let sets: [MilenageTestSet] = [']
    for name, v in sets:
        def q(x): return '"%s"' % v[x]
        o.append('        MilenageTestSet(')
        o.append('            name: "%s", k: %s, rand: %s, sqn: %s, amf: %s, op: %s, opc: %s,' % (name, q('K'), q('RAND'), q('SQN'), q('AMF'), q('OP'), q('OPc')))
        o.append('            f1: %s, f1Star: %s, f2: %s, f5: %s, f3: %s, f4: %s, f5Star: %s,' % (q('f1'), q('f1*'), q('f2'), q('f5'), q('f3'), q('f4'), q('f5*')))
        o.append('            autn: %s, auts: %s),' % (q('AUTN') if 'AUTN' in v else 'nil', q('AUTS') if 'AUTS' in v else 'nil'))
    o.append('    ]')
    o.append('')
    o.append('    static let autsVectors: [AUTSVector] = [')
    for src, k, opc, rand, a, sqn in auts:
        sqn = sqn.strip()
        o.append('        AUTSVector(source: "%s", k: "%s", opc: "%s", rand: "%s", auts: "%s", sqnMS: %s),' % (
            src.strip().replace('`', '').replace('"', "'"), k, opc, rand, a, '"%s"' % sqn if re.fullmatch(r'[0-9a-f]{12}', sqn) else 'nil'))
    o.append('    ]')
    o.append('}')
    open(OUT, 'w').write('\n'.join(o) + '\n')
    print('wrote %d test sets, %d AUTS vectors' % (len(sets), len(auts)))

if __name__ == '__main__':
    if not os.path.exists(SPEC):
        sys.exit('reference pack not found at ' + SPEC)
    main()
