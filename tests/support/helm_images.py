#!/usr/bin/env python3
"""Renders a Helm chart with Helm itself (helm-python-sdk) and prints every
`image:` of the output, one a line, sorted by template name. A second
argument is JSON of values to set (`{"backend": {"enabled": true}}`)."""
import json, sys, re
from helm_python.chart import Chart
c = Chart.load(sys.argv[1])
out = c.render(json.loads(sys.argv[2]) if len(sys.argv) > 2 else None)
imgs = []
for name, text in sorted(out.items()):
    imgs += re.findall(r'image:\s*"?([^"\s]+)"?', text)
print("\n".join(imgs))
