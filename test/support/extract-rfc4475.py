#!/usr/bin/env python3
"""Extract the RFC 4475 torture messages byte-exact into test/fixtures/sip/.

RFC 4475 Appendix A holds "an encoded, gzip-compressed TAR archive of files that represent each
of the example messages discussed in Section 3" between the lines "-- BEGIN MESSAGE ARCHIVE --"
and "-- END MESSAGE ARCHIVE --". The RFC gives a Perl script that keeps, inside that range, every
line made of one run of non-space characters; this is the same rule in Python (page headers and
footers contain spaces, so they drop out).

Usage: python3 test/support/extract-rfc4475.py [rfc4475.txt] [outdir]
Each member NAME.dat becomes OUTDIR/rfc4475-NAME.dat with its bytes unchanged.
"""
import base64, io, os, re, sys, tarfile

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '../../../shared/rfc/rfc4475.txt')
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, '../fixtures/sip')

lines, inside = [], False
with open(src, encoding='latin-1') as f:
    for line in f:
        if '-- BEGIN MESSAGE ARCHIVE --' in line:
            inside = True
        if inside and re.match(r'^\s*[^\s]+\s*$', line):
            lines.append(line.strip())
        if '-- END MESSAGE ARCHIVE --' in line:
            inside = False
if not lines:
    sys.exit(f'no archive found in {src}')

archive = base64.b64decode(''.join(lines), validate=True)
count = 0
with tarfile.open(fileobj=io.BytesIO(archive), mode='r:gz') as tar:
    for m in tar.getmembers():
        if not m.isfile() or not re.fullmatch(r'[a-z0-9]+\.dat', m.name):
            sys.exit(f'unexpected archive member {m.name!r}')
        data = tar.extractfile(m).read()
        with open(os.path.join(out, 'rfc4475-' + m.name), 'wb') as w:
            w.write(data)
        count += 1
print(f'extracted {count} messages into {out}')
