#!/usr/bin/env python3
"""Regenerates Tests/DiameterTestKit/GoldenMessages.swift from ../shared/spec/golden-messages.md.

Copies the hex of every golden message and its reference decode listing (facts) into Swift fixtures.
Run from the repository root: python3 scripts/golden-fixtures.py
"""
import os
import re
import sys

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'spec', 'golden-messages.md')
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Tests', 'DiameterTestKit', 'GoldenMessages.swift')

def parse(s):
    entries = []
    for sec in re.split(r'^(?=#{2,3} )', s, flags=re.M):
        hm = re.match(r'#{2,3} (.*)', sec)
        if not hm:
            continue
        hexes = re.findall(r'```\n([0-9a-f\n]+)```', sec)
        if not hexes:
            continue
        src = re.search(r'Source: (.*)', sec)
        dec = re.search(r'Decoded[^\n]*\n\n```\n(.*?)```', sec, re.S)
        lines, hdr = [], None
        if dec:
            for line in dec.group(1).splitlines():
                m = re.match(r'( *)(\S[^(]*?) \(code (\d+), flags 0x([0-9a-f]{2}) \[\w*\], vendor (\d+), len (\d+)\)(?: = (.*)|:)$', line)
                if not m:
                    continue
                val = m.group(7)
                if val is None: v = ('group', None)
                elif val.startswith("'"): v = ('string', val[1:-1])
                elif val.startswith('0x'): v = ('hex', val[2:])
                elif val.startswith('family'): v = ('address', re.match(r'family (\d+) addr (.*)', val).group(2))
                else: v = ('unsigned', val.split(' ')[0])
                lines.append((len(m.group(1)) // 2, int(m.group(3)), int(m.group(4), 16), int(m.group(5)), int(m.group(6)), m.group(2).strip(), v))
            h = re.search(r'Header: version (\d+), length (\d+) \(actual \d+\), flags 0x([0-9a-f]+) \[\w*\], command (\d+) .*?, app-id (\d+), hop-by-hop 0x([0-9a-f]+), end-to-end 0x([0-9a-f]+)', dec.group(1))
            hdr = h.groups() if h else None
        entries.append((hm.group(1).strip(), src.group(1).strip() if src else '', hexes[0].replace('\n', ''), hdr, lines))
    ers = re.findall(r'^\| (\d{4}) (\S+) \| `([0-9a-f]+)` \|', s, re.M)
    return entries, ers

def sw(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

def emit(entries, ers):
    o = []
    w = o.append
    w('// Golden Diameter messages, copied from shared/spec/golden-messages.md (captured, generated and')
    w('// constructed data: facts, not prose). Each fixture keeps the reference decode listing as expected values.')
    w('// Regenerate with scripts/golden-fixtures.py when the reference pack changes.')
    w('')
    w('import DiameterCore')
    w('')
    w('public struct GoldenAVPLine: Sendable {')
    w('    public enum Value: Sendable, Equatable { case group, string(String), hex(String), unsigned(UInt64), address(String) }')
    w('    public var depth: Int, code: UInt32, flags: UInt8, vendorID: UInt32, length: Int, name: String, value: Value')
    w('}')
    w('')
    w('public struct GoldenHeader: Sendable {')
    w('    public var version: UInt8, length: UInt32, flags: UInt8, commandCode: UInt32, applicationID: UInt32, hopByHop: UInt32, endToEnd: UInt32')
    w('}')
    w('')
    w('public struct GoldenMessage: Sendable, CustomStringConvertible {')
    w('    /// Section and title in golden-messages.md.')
    w('    public var title: String')
    w('    /// Where the bytes come from (CAPTURED / GENERATED / CONSTRUCTED, and the file).')
    w('    public var source: String')
    w('    public var hex: String')
    w('    /// `nil` for a bare AVP fixture (no Diameter header).')
    w('    public var header: GoldenHeader?')
    w('    public var lines: [GoldenAVPLine]')
    w('    public var description: String { title }')
    w('    public var bytes: [UInt8] { DiameterCore.bytes(fromHex: hex) ?? [] }')
    w('}')
    w('')
    w('public enum GoldenMessages {')
    w('    public static let all: [GoldenMessage] = [')
    for (title, src, hx, hdr, lines) in entries:
        w('        GoldenMessage(')
        w('            title: %s,' % sw(title))
        w('            source: %s,' % sw(src))
        w('            hex: """')
        chunks = [hx[i:i + 64] for i in range(0, len(hx), 64)]
        for i, c in enumerate(chunks):
            w('                ' + c + ('\\' if i < len(chunks) - 1 else ''))
        w('                """,')
        if hdr:
            w('            header: GoldenHeader(version: %s, length: %s, flags: 0x%s, commandCode: %s, applicationID: %s, hopByHop: 0x%s, endToEnd: 0x%s),' % hdr)
        else:
            w('            header: nil,')
        w('            lines: [')
        for (d, c, f, vd, ln, name, (kind, val)) in lines:
            vs = {'group': lambda: '.group', 'string': lambda: '.string(%s)' % sw(val), 'hex': lambda: '.hex("%s")' % val,
                  'address': lambda: '.address("%s")' % val, 'unsigned': lambda: '.unsigned(%s)' % val}[kind]()
            w('                GoldenAVPLine(depth: %d, code: %d, flags: 0x%02x, vendorID: %d, length: %d, name: %s, value: %s),' % (d, c, f, vd, ln, sw(name), vs))
        w('            ]),')
    w('    ]')
    w('')
    w('    /// The whole messages (those with a header).')
    w('    public static var messages: [GoldenMessage] { all.filter { $0.header != nil } }')
    w('')
    w('    public static func named(_ prefix: String) -> GoldenMessage {')
    w('        guard let m = all.first(where: { $0.title.hasPrefix(prefix) }) else { preconditionFailure("no golden message \\(prefix)") }')
    w('        return m')
    w('    }')
    w('')
    w('    /// golden-messages.md §4.4: Experimental-Result AVPs (Vendor-Id 10415) per Cx code.')
    w('    public static let experimentalResults: [(code: UInt32, name: String, hex: String)] = [')
    for c, n, h in ers:
        w('        (%s, "%s", "%s"),' % (c, n, h))
    w('    ]')
    w('}')
    w('')
    return '\n'.join(o) + '\n'

if __name__ == '__main__':
    if not os.path.exists(SPEC):
        sys.exit('reference pack not found at ' + SPEC)
    entries, ers = parse(open(SPEC).read())
    open(OUT, 'w').write(emit(entries, ers))
    print('wrote %d messages, %d Experimental-Result vectors' % (len(entries), len(ers)))
